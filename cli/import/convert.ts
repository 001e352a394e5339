// Records of the file → rows. CSV: the header names the columns; an event column's value is in
// `<col>` (or `<col>.value`) and its date in `<col>.date`; cells are typed by their column
// (integers and decimals become numbers), and an empty cell means "no value". NDJSON: one object
// per line, sent as it is (events as {"value", "date"} objects or lists of them).

import type { ColumnType, EntityValues, InsertValue } from "../../client/index";
import { isEventType } from "../../contract/columns";
import type { CsvRecord } from "./csv";
import type { TextLine } from "./lines";
import { makeRow, type Item } from "./rows";

export interface RowOptions {
  idColumn: string;
  /** Set on every entity when it is not the default dimension. */
  dimension: string | null;
  /** Every column the rows may name → its type (from the database or --map). */
  types: ReadonlyMap<string, ColumnType>;
}

type Cell = { kind: "id" } | { kind: "attribute"; column: string; type: ColumnType } | { kind: "event-value"; column: string; type: ColumnType } | { kind: "event-date"; column: string };

/** The column a header name stands for: `logins.date` and `logins.value` belong to `logins`. */
export function baseColumn(header: string): { column: string; part: "value" | "date" | null } {
  const m = /^(.*)\.(value|date)$/.exec(header);
  return m ? { column: m[1]!, part: m[2] as "value" | "date" } : { column: header, part: null };
}

/** The columns a CSV header names besides the entity id, in order, each once. */
export function headerColumns(header: readonly string[], idColumn: string): string[] {
  const out: string[] = [];
  for (const h of header) {
    if (h === idColumn) continue;
    const { column } = baseColumn(h);
    if (!out.includes(column)) out.push(column);
  }
  return out;
}

/** A CSV cell as its column's type takes it; text the type cannot read is sent as is, for the server to refuse with its own message. */
export function typedCell(type: ColumnType, cell: string): string | number {
  switch (type) {
    case "integer":
    case "integer-event":
      return /^[+-]?\d+$/.test(cell.trim()) && Number.isSafeInteger(Number(cell)) ? Number(cell) : cell;
    case "decimal":
    case "decimal-event":
    case "enumerated": {
      const n = Number(cell);
      return cell.trim() !== "" && Number.isFinite(n) ? n : cell;
    }
    case "boolean": {
      const b = cell.trim().toLowerCase();
      return b === "true" || b === "false" ? b : cell;
    }
    default:
      return cell;
  }
}

export class CsvRows {
  private readonly header: string[];
  private readonly cells: Cell[];
  private readonly dimension: string | null;
  /** Each event column: its type and the indexes of its value and (optional) date fields. */
  private readonly events: Array<{ column: string; type: ColumnType; value: number; date: number | null }>;

  /** Throws when the header does not fit the columns' types (a date for an attribute, no entity id column). */
  constructor(header: string[], options: RowOptions) {
    this.header = header;
    this.dimension = options.dimension;
    if (!header.includes(options.idColumn)) throw new Error(`the CSV header has no entity id column '${options.idColumn}' (use --id-column; the header is: ${header.join(", ")})`);
    const seen = new Set<string>();
    this.cells = header.map((h): Cell => {
      if (seen.has(h)) throw new Error(`the CSV header names '${h}' twice`);
      seen.add(h);
      if (h === options.idColumn) return { kind: "id" };
      const { column, part } = baseColumn(h);
      const type = options.types.get(column);
      if (type === undefined) throw new Error(`no type for column '${column}'`);
      if (part !== null && !isEventType(type)) throw new Error(`'${h}': '${column}' is a ${type} column, only event columns have .value and .date parts`);
      if (!isEventType(type)) return { kind: "attribute", column, type };
      return part === "date" ? { kind: "event-date", column } : { kind: "event-value", column, type };
    });
    this.events = [];
    this.cells.forEach((c, i) => {
      if (c.kind !== "event-value") return;
      const date = this.cells.findIndex((d) => d.kind === "event-date" && d.column === c.column);
      this.events.push({ column: c.column, type: c.type, value: i, date: date === -1 ? null : date });
    });
    for (const e of this.events) if (this.events.filter((x) => x.column === e.column).length > 1) throw new Error(`the CSV header gives '${e.column}' two value fields`);
    for (const c of this.cells)
      if (c.kind === "event-date" && !this.events.some((e) => e.column === c.column)) throw new Error(`'${c.column}.date' has no value column ('${c.column}' or '${c.column}.value')`);
  }

  item(record: CsvRecord): Item {
    const source = Object.fromEntries(this.header.map((h, i) => [h, record.fields[i] ?? ""]));
    const reject = (entity: string | null, message: string): Item => ({ kind: "rejected", rejected: { line: record.line, entity, code: null, message, source } });
    if (record.fields.length !== this.header.length) return reject(null, `the record has ${record.fields.length} fields, the header ${this.header.length}`);
    let entity = "";
    const values: EntityValues = Object.create(null) as EntityValues;
    this.cells.forEach((c, i) => {
      const cell = record.fields[i]!;
      if (c.kind === "id") entity = cell;
      else if (c.kind === "attribute" && cell !== "") values[c.column] = typedCell(c.type, cell);
    });
    if (entity === "") return reject(null, "the entity id is empty");
    for (const e of this.events) {
      const value = record.fields[e.value]!;
      const date = e.date === null ? "" : record.fields[e.date]!;
      if (value === "") {
        if (date !== "") return reject(entity, `'${e.column}' has a date but no value`);
        continue;
      }
      const event: InsertValue = date === "" ? { value: typedCell(e.type, value) } : { value: typedCell(e.type, value), date };
      values[e.column] = event;
    }
    if (this.dimension !== null) values["dimension"] = this.dimension;
    return { kind: "row", row: makeRow(record.line, entity, { ...values }, source) };
  }
}

/** NDJSON lines → rows: the id member is the entity id, every other member a column. */
export class NdjsonRows {
  private readonly idColumn: string;
  private readonly dimension: string | null;

  constructor(options: Pick<RowOptions, "idColumn" | "dimension">) {
    this.idColumn = options.idColumn;
    this.dimension = options.dimension;
  }

  item(line: TextLine): Item {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.text);
    } catch (e) {
      return { kind: "rejected", rejected: { line: line.line, entity: null, code: null, message: `not valid JSON: ${e instanceof Error ? e.message : String(e)}`, source: line.text } };
    }
    const reject = (entity: string | null, message: string): Item => ({ kind: "rejected", rejected: { line: line.line, entity, code: null, message, source: parsed } });
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return reject(null, "the line is not a JSON object");
    const obj = parsed as Record<string, unknown>;
    const id = obj[this.idColumn];
    if (typeof id !== "string" && typeof id !== "number") return reject(null, `no entity id: member '${this.idColumn}' must be a string or a number`);
    const entity = String(id);
    if (entity === "") return reject(null, "the entity id is empty");
    const values = Object.create(null) as EntityValues;
    for (const [k, v] of Object.entries(obj)) if (k !== this.idColumn && v !== null) values[k] = v as InsertValue;
    if (this.dimension !== null && values["dimension"] === undefined) values["dimension"] = this.dimension;
    return { kind: "row", row: makeRow(line.line, entity, { ...values }, parsed) };
  }
}

/** The columns an NDJSON object names (besides its id and dimension), with a value to infer a type from. */
export function ndjsonColumns(line: TextLine, idColumn: string, into: Map<string, unknown>): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.text);
  } catch {
    return;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return;
  for (const [k, v] of Object.entries(parsed)) if (k !== idColumn && k !== "dimension" && v !== null && !into.has(k)) into.set(k, v);
}
