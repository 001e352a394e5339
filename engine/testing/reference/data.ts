// The in-memory shape of one dimension's data as the reference evaluator sees it. Storage (store.ts)
// builds these lazily from SQLite; evaluation only reads them, so every query answer is a pure
// function of a DimensionView and the plan.

import type { Scalar } from "../../../contract/plan";

/** One stored attribute value. `text` is kept for datetimes (their inserted text, lower-cased). */
export interface AttrValue {
  value: Scalar;
  text?: string;
}

/** One stored event. */
export interface EventValue {
  value: Scalar;
  t: number;
}

/** Entity id (dense, per shard) → values. Only live entities appear; an entity with no value is absent. */
export type AttrColumn = ReadonlyMap<number, readonly AttrValue[]>;
/** Entity id → events in insertion order. */
export type EventColumn = ReadonlyMap<number, readonly EventValue[]>;

/** Everything a query on one dimension may read. Columns are addressed by catalog column id. */
export interface DimensionView {
  readonly dimension: string;
  /** Live entities: dense id → external id. */
  readonly entities: ReadonlyMap<number, string>;
  attr(colId: number): AttrColumn;
  events(colId: number): EventColumn;
}

export const EMPTY_ATTR: AttrColumn = new Map();
export const EMPTY_EVENTS: EventColumn = new Map();

/** Rough JS heap cost of cached values, for stats(); only has to be monotone and in the right ballpark. */
export function scalarBytes(v: Scalar): number {
  return typeof v === "string" ? 16 + 2 * v.length : 8;
}

/**
 * The (entity, values) entries of a column for the entities of `within` (null = every entry), in
 * ascending entity id so float sums and insertion-dependent orders are reproducible. Walks whichever
 * side is smaller, so nested aggregation buckets cost their own size, not the column's.
 */
export function* entriesOf<T>(column: ReadonlyMap<number, readonly T[]>, within: ReadonlySet<number> | null): Generator<[number, readonly T[]]> {
  if (within === null || within.size >= column.size) {
    // Columns are loaded in ascending entity id, so map order already is id order.
    for (const entry of column) if (within === null || within.has(entry[0])) yield entry;
    return;
  }
  for (const eid of [...within].sort((a, b) => a - b)) {
    const values = column.get(eid);
    if (values !== undefined) yield [eid, values];
  }
}
