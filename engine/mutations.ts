// The data changes of plan.ts Mutations: upserts (latest-value overwrite, list-of-values add, events
// append), delete by expression (entities leave the live bitmap, their values and events are purged,
// their ids become tombstones) and update by expression (named columns cleared, then set).

import { isEventType } from "../contract/columns";
import type { AttrWrite, EntityWrite, Mutation } from "../contract/plan";
import type { MutationOutcome } from "./engine";
import { Bitmap } from "./bitmap/bitmap";
import type { AttrCodec } from "./encodings/codec";
import { Evaluator } from "./eval/expr";
import type { Shard } from "./shard";

export function applyMutation(shard: Shard, m: Mutation): MutationOutcome {
  switch (m.kind) {
    case "write":
      return applyWrites(shard, m.entities);
    case "delete":
      return applyDelete(shard, m.dimension, m.expr);
    case "update":
      return applyUpdate(shard, m.dimension, m.expr, m.set);
  }
}

/** `entities` counts distinct (dimension, id) pairs; `values` every attribute value and event written. */
function applyWrites(shard: Shard, writes: readonly EntityWrite[]): MutationOutcome {
  // Resolve (or allocate) dense ids per dimension, in order of first appearance.
  const byDim = new Map<string, string[]>();
  for (const w of writes) {
    let list = byDim.get(w.dimension);
    if (list === undefined) byDim.set(w.dimension, (list = []));
    list.push(w.id);
  }
  const ids = new Map<string, Map<string, number>>();
  for (const [name, exts] of byDim) {
    const d = shard.dimForWrite(name);
    const found = shard.entities.lookup(d.ord, exts);
    const fresh: Array<[string, number]> = [];
    for (const ext of new Set(exts)) {
      if (found.has(ext)) continue;
      const id = shard.allocateIds(1);
      found.set(ext, id);
      fresh.push([ext, id]);
    }
    if (fresh.length > 0) {
      shard.entities.insert(d.ord, fresh);
      shard.setLive(d, shard.live(name).or(Bitmap.fromSorted(fresh.map((f) => f[1]))));
    }
    ids.set(name, found);
  }
  const touched = new Set<string>();
  let values = 0;
  for (const w of writes) {
    const d = shard.dim(w.dimension)!;
    const id = ids.get(w.dimension)!.get(w.id)!;
    touched.add(JSON.stringify([w.dimension, w.id]));
    for (const a of w.attrs) attrCodec(shard, a, d.ord).put(id, a.value, a.text);
    for (const e of w.events) {
      if (!isEventType(e.col.type)) throw new Error(`segment engine: column ${e.col.id} (${e.col.type}) cannot hold events`);
      const c = shard.codecForWrite(e.col, d.ord);
      if (!c.event) throw new Error(`segment engine: column ${e.col.id} is stored as an attribute column`);
      c.append(id, e.value, e.t);
    }
    values += w.attrs.length + w.events.length;
  }
  return { entities: touched.size, values };
}

function attrCodec(shard: Shard, a: AttrWrite, dimOrd: number): AttrCodec {
  if (isEventType(a.col.type)) throw new Error(`segment engine: event column ${a.col.id} cannot take an attribute value`);
  const c = shard.codecForWrite(a.col, dimOrd);
  if (c.event) throw new Error(`segment engine: column ${a.col.id} is stored as an event column`);
  return c;
}

/** Selection is materialised (cloned) first: live bitmaps it may share are about to change. */
function select(shard: Shard, dimension: string, expr: Parameters<Evaluator["matches"]>[0]): Bitmap {
  return new Evaluator(shard, dimension).matches(expr).clone();
}

/** `values` = attribute values and events removed with the entities. */
function applyDelete(shard: Shard, dimension: string, expr: Parameters<Evaluator["matches"]>[0]): MutationOutcome {
  const d = shard.dim(dimension);
  if (d === undefined) return { entities: 0, values: 0 };
  const gone = select(shard, dimension, expr);
  if (gone.isEmpty()) return { entities: 0, values: 0 };
  let values = 0;
  for (const codec of shard.columnsOfDim(d.ord)) values += codec.clear(gone);
  shard.entities.remove(d.ord, gone.toArray());
  shard.setLive(d, shard.live(dimension).andNot(gone));
  shard.addTombstones(gone);
  return { entities: gone.size, values };
}

/** Every named column loses its values first (lists are replaced), then the new values are set. */
function applyUpdate(shard: Shard, dimension: string, expr: Parameters<Evaluator["matches"]>[0], set: readonly AttrWrite[]): MutationOutcome {
  const d = shard.dim(dimension);
  if (d === undefined) return { entities: 0, values: 0 };
  const hit = select(shard, dimension, expr);
  if (hit.isEmpty()) return { entities: 0, values: 0 };
  const codecs = set.map((a) => attrCodec(shard, a, d.ord));
  for (const c of new Set(codecs)) c.clear(hit);
  const ids = hit.toArray();
  for (const id of ids) set.forEach((a, i) => codecs[i]!.put(id, a.value, a.text));
  return { entities: ids.length, values: ids.length * set.length };
}
