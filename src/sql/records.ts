// The edge's view of one extracted entity: its attribute values and events, each both normalised
// (for tests, ordering and metrics: lower-case text, numbers, epoch-ms times) and as the SQL row
// shows it (native JSON types: integers, Float-tagged decimals, strings, booleans).

import { isIntegerType, valueKindOf, type ColumnDef, type ColumnType } from "../../contract/columns";
import { parseAbsoluteDate } from "../ingest/dates";
import type { ExtractColumn, ExtractRow, ExtractedValue, Scalar, Window } from "../../contract/plan";
import { columnRef } from "../../contract/columns";
import { float, type Float } from "../query/json";

/** A value as a SQL row shows it. Float marks numbers that must print with a decimal point. */
export type OutValue = string | number | boolean | null | Float | OutValue[];

export interface Cell {
  v: Scalar; // normalised
  out: OutValue;
}

export interface EventCell extends Cell {
  t: number; // epoch ms
}

export interface EntityRecord {
  id: string;
  score: number;
  attrs: Map<number, Cell[]>;
  events: Map<number, EventCell[]>;
}

export const attrKey = (col: ColumnDef): string => `a${col.id}`;
export const eventKey = (col: ColumnDef): string => `e${col.id}`;

export function attrColumn(col: ColumnDef): ExtractColumn {
  return { kind: "attr", key: attrKey(col), col: columnRef(col) };
}

export function eventColumn(col: ColumnDef, window: Window | null): ExtractColumn {
  return { kind: "events", key: eventKey(col), col: columnRef(col), window };
}

/** How a stored value of a column of `type` appears in a SQL row (API.md §7.12.2). */
export function outValue(type: ColumnType, v: Scalar): OutValue {
  if (typeof v === "number") {
    if (valueKindOf(type) === "time") return String(v);
    return isIntegerType(type) ? v : float(v);
  }
  return v;
}

/** The normalised value behind an extracted scalar (times come back as text). */
function normalise(type: ColumnType, v: Scalar): Scalar {
  if (valueKindOf(type) === "time" && typeof v === "string") return parseAbsoluteDate(v) ?? v;
  if (typeof v === "string" && valueKindOf(type) === "text") return v.toLowerCase();
  return v;
}

function cellsOf(type: ColumnType, value: ExtractedValue): Cell[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  const cells: Cell[] = [];
  for (const item of list) {
    const v = (typeof item === "object" && item !== null && "value" in item ? (item as { value: Scalar }).value : item) as Scalar;
    cells.push({ v: normalise(type, v), out: outValue(type, v) });
  }
  return cells;
}

function eventCellsOf(type: ColumnType, value: ExtractedValue): EventCell[] {
  if (!Array.isArray(value)) return [];
  const cells: EventCell[] = [];
  for (const item of value) {
    if (typeof item !== "object" || item === null) continue;
    cells.push({ v: normalise(type, item.value), out: outValue(type, item.value), t: item.t });
  }
  return cells;
}

/** Builds the record of one extracted row given the columns the plan asked for. */
export function recordOf(row: ExtractRow, attrs: ColumnDef[], events: ColumnDef[]): EntityRecord {
  const rec: EntityRecord = { id: row.id, score: row.score ?? 1, attrs: new Map(), events: new Map() };
  for (const col of attrs) {
    const value = row.values[attrKey(col)];
    if (value !== undefined) rec.attrs.set(col.id, cellsOf(col.type, value));
  }
  for (const col of events) {
    const value = row.values[eventKey(col)];
    if (value !== undefined) rec.events.set(col.id, eventCellsOf(col.type, value));
  }
  return rec;
}
