// The columns an import writes: their types from --map, else from the database, else inferred
// (CSV: text, or a string-event column when the header has `<col>.date`; NDJSON: from the first
// value), and, with --create-columns, the missing ones created before any row is sent (at most
// COLUMNS_PER_REQUEST_MAX per POST /v1/column). A write key may not list columns: then every
// column is taken as --map or inference says, and creation skips the ones that exist (409).

import { SlicedError, type ColumnDefinitionBody, type ColumnType, type SlicedClient } from "../../client/index";
import { API_NAME_PATTERN, COLUMN_TYPES, HISTORICAL_TYPE_NAMES, isEventType } from "../../contract/columns";
import { COLUMNS_PER_REQUEST_MAX } from "../../contract/limits";

/** Short names --map accepts besides the API's own types. */
const ALIASES: Record<string, ColumnType> = { event: "string-event", int: "integer", number: "decimal", bool: "boolean", text: "string" };

export function parseType(text: string): ColumnType {
  const t = text.trim().toLowerCase();
  if ((COLUMN_TYPES as readonly string[]).includes(t)) return t as ColumnType;
  const known = HISTORICAL_TYPE_NAMES[t] ?? ALIASES[t];
  if (known) return known;
  throw new Error(`unknown column type '${text}' (one of ${COLUMN_TYPES.join(", ")}, or event = string-event)`);
}

/** `--map a=integer --map b=event,c=decimal` → column → type. */
export function parseMap(specs: readonly string[]): Map<string, ColumnType> {
  const out = new Map<string, ColumnType>();
  for (const spec of specs.flatMap((s) => s.split(","))) {
    if (spec.trim() === "") continue;
    const eq = spec.indexOf("=");
    if (eq <= 0) throw new Error(`--map takes column=type, got '${spec}'`);
    out.set(spec.slice(0, eq).trim(), parseType(spec.slice(eq + 1)));
  }
  return out;
}

export interface Inferred {
  type: ColumnType;
  listOfValues: boolean;
}

/** A column type for an NDJSON value: numbers, booleans, text, {value, date} events, lists of either. */
export function inferType(sample: unknown): Inferred {
  if (Array.isArray(sample)) {
    const first = sample.find((v) => v !== null && v !== undefined);
    const inner = inferType(first ?? "");
    return { type: inner.type, listOfValues: !isEventType(inner.type) };
  }
  if (typeof sample === "object" && sample !== null) {
    const v = (sample as { value?: unknown }).value;
    const inner = inferType(v ?? "").type;
    return { type: inner === "integer" ? "integer-event" : inner === "decimal" ? "decimal-event" : "string-event", listOfValues: false };
  }
  if (typeof sample === "number") return { type: Number.isInteger(sample) ? "integer" : "decimal", listOfValues: false };
  if (typeof sample === "boolean") return { type: "boolean", listOfValues: false };
  return { type: "string", listOfValues: false };
}

export interface ColumnPlan {
  dimension: string;
  /** Every column the file names, with what inference says of it. */
  used: ReadonlyMap<string, Inferred>;
  declared: ReadonlyMap<string, ColumnType>;
  create: boolean;
  note: (text: string) => void;
}

/** Existing active columns of the dimension, or null when the key may not list them. */
async function existingColumns(client: SlicedClient, dimension: string): Promise<Map<string, ColumnType> | null> {
  try {
    const answer = await client.columns();
    return new Map(answer.active.filter((c) => c.dimension === dimension).map((c) => [c["api-name"], c.type]));
  } catch (e) {
    if (e instanceof SlicedError && e.status === 403) return null;
    throw e;
  }
}

function definition(name: string, type: ColumnType, dimension: string, listOfValues: boolean): ColumnDefinitionBody {
  const def: ColumnDefinitionBody = { name, "api-name": name, type };
  if (dimension !== "default") def.dimension = dimension;
  if (listOfValues && !isEventType(type)) def.storage = "list-of-values";
  return def;
}

async function create(client: SlicedClient, defs: ColumnDefinitionBody[], skipExisting: boolean): Promise<string[]> {
  const created: string[] = [];
  for (let i = 0; i < defs.length; i += COLUMNS_PER_REQUEST_MAX) {
    const chunk = defs.slice(i, i + COLUMNS_PER_REQUEST_MAX);
    try {
      created.push(...(await client.createColumns(chunk))["api-name"]);
    } catch (e) {
      if (!(skipExisting && e instanceof SlicedError && e.status === 409)) throw e;
      // All or nothing: one of them exists, so one by one, leaving the existing ones be.
      for (const def of chunk) {
        try {
          created.push((await client.createColumn(def))["api-name"]);
        } catch (e2) {
          if (!(e2 instanceof SlicedError && e2.status === 409)) throw e2;
        }
      }
    }
  }
  return created;
}

/** The type of every column the rows name, after creating the missing ones (when allowed). */
export async function prepareColumns(client: SlicedClient, plan: ColumnPlan): Promise<Map<string, ColumnType>> {
  const bad = [...plan.used.keys()].filter((c) => !API_NAME_PATTERN.test(c));
  if (bad.length > 0) throw new Error(`not valid column api-names (lower-case letters, digits, '-' and '_'): ${bad.map((b) => `'${b}'`).join(", ")}`);
  for (const c of plan.declared.keys()) if (!plan.used.has(c)) plan.note(`--map names '${c}', which the file does not have`);
  const existing = await existingColumns(client, plan.dimension);
  const types = new Map<string, ColumnType>();
  const missing: ColumnDefinitionBody[] = [];
  for (const [name, inferred] of plan.used) {
    const declared = plan.declared.get(name);
    const current = existing?.get(name);
    if (current !== undefined && declared !== undefined && current !== declared) throw new Error(`column '${name}' is ${current} in the database, --map says ${declared}`);
    const type = current ?? declared ?? inferred.type;
    types.set(name, type);
    if (current === undefined) missing.push(definition(name, type, plan.dimension, inferred.listOfValues));
  }
  if (existing === null) {
    plan.note(`this key may not list columns: types come from --map and the file${plan.create ? "; creating the columns that do not exist" : ""}`);
    if (plan.create) {
      const created = await create(client, missing, true);
      if (created.length > 0) plan.note(`created columns: ${created.join(", ")}`);
    }
    return types;
  }
  if (missing.length > 0) {
    const list = missing.map((d) => `${d["api-name"]} (${d.type})`).join(", ");
    if (!plan.create) throw new Error(`dimension '${plan.dimension}' has no column ${list}; create them, or run again with --create-columns (types from --map col=type)`);
    await create(client, missing, true);
    plan.note(`created columns: ${list}`);
  }
  return types;
}
