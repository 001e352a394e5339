// Cuts the stream of rows into insert requests within the API's limits (contract/limits.ts):
// entities, values (events counted one each) and body bytes per request. Boundaries depend only on
// the rows and the limits, so a resumed import cuts the file into the same batches as the run it
// resumes, and each batch keeps its index (and its Idempotency-Key). Rows of one entity in one batch
// are merged into one entity of the body: attributes keep the later value, events and lists add up.

import type { EntityValues, InsertBody } from "../../client/index";
import { INSERT_BODY_BYTES_MAX, INSERT_ENTITIES_MAX, INSERT_VALUES_MAX } from "../../contract/limits";
import type { Item, Rejected, Row } from "./rows";

export interface BatchLimits {
  entities: number;
  values: number;
  bytes: number;
}

/** Room left in a body for what rows do not count: its braces and a margin for the estimate. */
const BODY_OVERHEAD_BYTES = 1024;

/** The most one insert takes, or fewer entities when `entities` is smaller. */
export function insertLimits(entities: number = INSERT_ENTITIES_MAX): BatchLimits {
  return { entities: Math.max(1, Math.min(entities, INSERT_ENTITIES_MAX)), values: INSERT_VALUES_MAX, bytes: INSERT_BODY_BYTES_MAX - BODY_OVERHEAD_BYTES };
}

export interface Batch {
  index: number;
  rows: Row[];
  /** Records of this stretch of the file refused before sending. */
  rejected: Rejected[];
  /** Rows plus rejected records: what the progress counts. */
  records: number;
  last: boolean;
}

/** Why a row cannot go in any batch, or null. */
export function oversize(row: Row, limits: BatchLimits): string | null {
  if (row.valueCount > limits.values) return `the record holds ${row.valueCount} values; one insert takes at most ${limits.values}`;
  if (row.bytes > limits.bytes) return `the record takes ${row.bytes} bytes; one insert takes at most ${limits.bytes}`;
  return null;
}

/** Batches of `items`, each marked `last` when no batch follows. */
export async function* batches(items: AsyncIterable<Item> | Iterable<Item>, limits: BatchLimits): AsyncGenerator<Batch> {
  let index = 0;
  let rows: Row[] = [];
  let rejected: Rejected[] = [];
  let entities = new Set<string>();
  let values = 0;
  let bytes = 0;
  let held: Batch | null = null;
  const cut = (): Batch => {
    const b = { index: index++, rows, rejected, records: rows.length + rejected.length, last: false };
    rows = [];
    rejected = [];
    entities = new Set();
    values = 0;
    bytes = 0;
    return b;
  };
  for await (const item of items) {
    if (item.kind === "rejected") {
      rejected.push(item.rejected);
      continue;
    }
    const row = item.row;
    const tooBig = oversize(row, limits);
    if (tooBig !== null) {
      rejected.push({ line: row.line, entity: row.entity, code: null, message: tooBig, source: row.source });
      continue;
    }
    const full = rows.length > 0 && ((!entities.has(row.entity) && entities.size >= limits.entities) || values + row.valueCount > limits.values || bytes + row.bytes > limits.bytes);
    if (full) {
      if (held) yield held;
      held = cut();
    }
    rows.push(row);
    entities.add(row.entity);
    values += row.valueCount;
    bytes += row.bytes;
  }
  if (rows.length > 0 || rejected.length > 0) {
    if (held) yield held;
    held = cut();
  }
  if (held) yield { ...held, last: true };
}

function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

/** Event objects and lists add up; an attribute's later value replaces the earlier one. */
function merge(prev: unknown, next: unknown): unknown {
  if (prev === undefined) return next;
  const accumulates = (v: unknown) => isList(v) || (typeof v === "object" && v !== null);
  if (!accumulates(prev) && !accumulates(next)) return next;
  return [...(isList(prev) ? prev : [prev]), ...(isList(next) ? next : [next])];
}

/** The insert body of `rows` and its JSON text. */
export function insertBody(rows: readonly Row[]): { body: InsertBody; text: string } {
  const byEntity = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    let entity = byEntity.get(row.entity);
    if (!entity) byEntity.set(row.entity, (entity = Object.create(null) as Record<string, unknown>));
    for (const [k, v] of Object.entries(row.values)) entity[k] = merge(entity[k], v);
  }
  // Entity ids are object keys: a null prototype keeps "__proto__" an ordinary one.
  const body = Object.create(null) as InsertBody;
  for (const [id, values] of byEntity) body[id] = values as EntityValues;
  return { body, text: JSON.stringify(body) };
}
