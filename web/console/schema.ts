// What the console knows about the database behind a key: its dimensions and active columns, read
// from GET /v1/database (master keys only) and GET /v1/column (any key that may query), so a read
// key still gets the columns and the dimensions they name.

export interface ColumnInfo {
  apiName: string;
  name: string;
  type: string;
  dimension: string;
}

export interface Schema {
  /** null when GET /v1/database was refused (not a master key). */
  database: { name: string; description: string } | null;
  dimensions: string[];
  columns: ColumnInfo[];
}

export const DEFAULT_DIMENSION = "default";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Builds the schema from the two answers' bodies (null for a refused or failed call). */
export function buildSchema(database: unknown, columns: unknown): Schema {
  const db = isRecord(database) && typeof database["name"] === "string" ? database : null;
  const list = isRecord(columns) && Array.isArray(columns["active"]) ? columns["active"] : [];
  const cols: ColumnInfo[] = list.filter(isRecord).flatMap((c) =>
    typeof c["api-name"] === "string" && typeof c["type"] === "string"
      ? [
          {
            apiName: c["api-name"],
            name: typeof c["name"] === "string" ? c["name"] : c["api-name"],
            type: c["type"],
            dimension: typeof c["dimension"] === "string" ? c["dimension"] : DEFAULT_DIMENSION,
          },
        ]
      : [],
  );
  const dims = new Set<string>([DEFAULT_DIMENSION]);
  if (db && Array.isArray(db["dimensions"])) for (const d of db["dimensions"]) if (typeof d === "string") dims.add(d);
  for (const c of cols) dims.add(c.dimension);
  return {
    database: db ? { name: String(db["name"]), description: typeof db["description"] === "string" ? db["description"] : "" } : null,
    dimensions: [...dims],
    columns: cols,
  };
}

export function isEventType(type: string): boolean {
  return type.endsWith("-event");
}

export function isNumericType(type: string): boolean {
  return type === "integer" || type === "decimal" || type === "integer-event" || type === "decimal-event";
}

/** The columns an example body is written with: the dimension holding the most columns, and in it
 * the first text, event and numeric columns (null when the dimension has none of that kind). */
export interface ExampleColumns {
  dimension: string;
  text: string | null;
  event: string | null;
  numeric: string | null;
  any: string | null;
}

export function exampleColumns(schema: Schema): ExampleColumns {
  const byDim = new Map<string, ColumnInfo[]>();
  for (const c of schema.columns) byDim.set(c.dimension, [...(byDim.get(c.dimension) ?? []), c]);
  let dimension = DEFAULT_DIMENSION;
  let best = byDim.get(DEFAULT_DIMENSION)?.length ?? 0;
  for (const [d, cs] of byDim) if (cs.length > best) [dimension, best] = [d, cs.length];
  const cols = byDim.get(dimension) ?? [];
  const first = (pred: (c: ColumnInfo) => boolean): string | null => cols.find(pred)?.apiName ?? null;
  return {
    dimension,
    text: first((c) => c.type === "string"),
    event: first((c) => isEventType(c.type)),
    numeric: first((c) => isNumericType(c.type) && !isEventType(c.type)) ?? first((c) => isNumericType(c.type)),
    any: cols[0]?.apiName ?? null,
  };
}
