// POST /delete and POST /update (API.md §7.10, §7.11): a §6 query selecting entities of one dimension,
// plus for update a `set` of attribute values normalised exactly like inserts. The merge adds the
// shards' touched-entity counts; a mutation cannot be extrapolated, so a missing shard is an error.

import { ENTITY_ID_COLUMN, columnRef, isEventType } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import type { AttrWrite, Expr, Mutation } from "../../contract/plan";
import type { SchemaIndex } from "../../contract/schema";
import { isObject, rejectUnknownKeys, requireObject, resolveDimension, show } from "./body";
import type { MergeContext } from "./compiled";
import { compileQuery, lookupColumn, type ExprContext } from "./expr";
import { requireComplete } from "./merge/shards";
import { normaliseValue } from "../ingest/normalise";

export interface CompiledMutation {
  /** The mutation every shard applies (the same for all shards). */
  mutationFor(shard: number): Mutation;
  /** Entities touched per shard (null = the shard did not answer) → `{"result": {"deleted"|"updated": n}}`. */
  merge(counts: Array<number | null>, ctx?: MergeContext): Record<string, unknown>;
}

function selection(obj: Record<string, unknown>, schema: SchemaIndex, now: number, what: string): { dimension: string; expr: Expr } {
  const dimension = resolveDimension(obj["dimension"], schema);
  // No implicit "everything": deleting or updating a whole dimension must be asked for explicitly.
  if (obj["query"] === undefined) throw new ApiError("QUERY_MISSING", `${what} needs "query" selecting the entities`);
  const ctx: ExprContext = { schema, dimension, now };
  return { dimension, expr: compileQuery(obj["query"], ctx) };
}

function mergeCounts(counts: Array<number | null>, ctx: MergeContext | undefined, key: "deleted" | "updated"): Record<string, unknown> {
  const total = ctx?.totalShards ?? counts.length;
  const all = requireComplete(
    counts,
    ctx ?? { missingShards: [], totalShards: total },
    key === "deleted" ? "delete (applied on the shards that answered)" : "update (applied on the shards that answered)",
  );
  return { result: { [key]: all.reduce((a, n) => a + n, 0) } };
}

export function compileDelete(body: unknown, schema: SchemaIndex, now: number): CompiledMutation {
  const obj = requireObject(body, "a delete body");
  rejectUnknownKeys(obj, ["query", "dimension"], "a delete body");
  const { dimension, expr } = selection(obj, schema, now, "delete");
  const mutation: Mutation = { kind: "delete", dimension, expr };
  return { mutationFor: () => mutation, merge: (counts, ctx) => mergeCounts(counts, ctx, "deleted") };
}

export function compileUpdate(body: unknown, schema: SchemaIndex, now: number): CompiledMutation {
  const obj = requireObject(body, "an update body");
  rejectUnknownKeys(obj, ["query", "set", "dimension"], "an update body");
  const { dimension, expr } = selection(obj, schema, now, "update");
  const rawSet = obj["set"];
  if (!isObject(rawSet) || Object.keys(rawSet).length === 0) {
    throw new ApiError("QUERY_INVALID_FORMAT", `update needs "set", a non-empty object of column values, got ${show(rawSet)}`);
  }
  const ctx: ExprContext = { schema, dimension, now };
  const set: AttrWrite[] = Object.entries(rawSet).map(([name, raw]) => {
    if (name === ENTITY_ID_COLUMN) throw new ApiError("QUERY_COLUMN_USAGE", `entity-id cannot be updated`);
    const col = lookupColumn(name, ctx);
    // Replacing an event history or a list of values has no agreed meaning (API.md §7.11): refuse.
    if (isEventType(col.type)) throw new ApiError("QUERY_EVENT_USAGE", `update cannot set event column "${name}"; insert new events instead`);
    if (col.storage === "list-of-values") throw new ApiError("QUERY_COLUMN_USAGE", `update cannot set list-of-values column "${name}"; insert values instead`);
    const v = normaliseValue(col, raw);
    if (!v.ok) throw ApiError.from(v.error);
    return v.text === undefined ? { col: columnRef(col), value: v.value } : { col: columnRef(col), value: v.value, text: v.text };
  });
  const mutation: Mutation = { kind: "update", dimension, expr, set };
  return { mutationFor: () => mutation, merge: (counts, c) => mergeCounts(counts, c, "updated") };
}
