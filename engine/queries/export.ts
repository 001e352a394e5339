// Every entity of a shard as the writes that recreate it: the full-entity export a reshard moves
// between shards (durable-objects/reshard/). Pages walk the dimensions by ordinal and each one's live
// entities by dense id, so a cursor is (dimension ordinal, last dense id) and a page read twice from
// the same cursor over unchanged data is the same page.

import type { AttrWrite, EntityWrite, EventWrite } from "../../contract/plan";
import type { Bitmap } from "../bitmap/bitmap";
import { toValues } from "../bitmap/container";
import type { ExportCursor, ExportPage } from "../engine";
import type { Shard } from "../shard";

/**
 * Up to `limit` entities after `cursor` (null: from the start), each with every value of every
 * column of its dimension and every event. Writes are upserts, so applying a page on an empty
 * shard recreates the entities exactly (list values are sets; events are appended once each).
 */
export function exportEntities(shard: Shard, cursor: ExportCursor | null, limit: number): ExportPage {
  const dims = shard.allDims().sort((a, b) => a.ord - b.ord);
  const writes: EntityWrite[] = [];
  for (const d of dims) {
    if (cursor !== null && d.ord < cursor.dim) continue;
    const after = cursor !== null && d.ord === cursor.dim ? cursor.afterId : -1;
    const ids = idsAfter(shard.live(d.name), after, limit - writes.length);
    if (ids.length > 0) writes.push(...entityWrites(shard, d.name, d.ord, ids));
    if (writes.length >= limit) return { writes, next: { dim: d.ord, afterId: ids[ids.length - 1]! } };
  }
  return { writes, next: null };
}

/** Ascending ids of `live` greater than `after`, at most `limit`, without materialising the whole set. */
function idsAfter(live: Bitmap, after: number, limit: number): Uint32Array {
  const out: number[] = [];
  const fromKey = after < 0 ? 0 : after >>> 16;
  for (let i = 0; i < live.keys.length && out.length < limit; i++) {
    const key = live.keys[i]!;
    if (key < fromKey) continue;
    const base = key << 16;
    const values = toValues(live.cs[i]!);
    for (let j = 0; j < values.length && out.length < limit; j++) {
      const id = (base | values[j]!) >>> 0;
      if (id > after) out.push(id);
    }
  }
  return Uint32Array.from(out);
}

function entityWrites(shard: Shard, dimension: string, ord: number, ids: Uint32Array): EntityWrite[] {
  const exts = shard.entities.extsOf(ids);
  const attrs: AttrWrite[][] = Array.from(ids, () => []);
  const events: EventWrite[][] = Array.from(ids, () => []);
  for (const codec of shard.columnsOfDim(ord)) {
    const col = { id: codec.meta.id, type: codec.meta.type, storage: codec.meta.storage };
    if (codec.event) {
      codec.eventsOf(ids, null).forEach((list, i) => {
        for (const e of list) events[i]!.push({ col, value: e.value, t: e.t });
      });
    } else {
      codec.valuesOf(ids).forEach((list, i) => {
        for (const v of list) attrs[i]!.push(v.text === undefined ? { col, value: v.value } : { col, value: v.value, text: v.text });
      });
    }
  }
  return Array.from(ids, (id, i) => ({ dimension, id: exts.get(id) ?? "", attrs: attrs[i]!, events: events[i]! }));
}
