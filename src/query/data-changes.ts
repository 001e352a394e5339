// When this isolate acknowledged a change of each database's data (insert, delete, update, restore):
// the result cache (src/query/result-cache.ts) reads answers computed before it as misses, so a client that stays
// on one isolate (always, under wrangler dev) reads its own writes. Other isolates do not know.

import { ISOLATE_CACHE_ENTRIES_MAX } from "../../contract/limits";

const dataChangedAt = new Map<string, number>();

/** Records an acknowledged change of `db`'s data, visible to queries from `visibleAt` (epoch ms). */
export function noteDataChange(db: string, visibleAt: number): void {
  const at = Math.max(visibleAt, dataChangedAt.get(db) ?? -Infinity);
  dataChangedAt.delete(db);
  if (dataChangedAt.size >= ISOLATE_CACHE_ENTRIES_MAX) dataChangedAt.delete(dataChangedAt.keys().next().value!);
  dataChangedAt.set(db, at);
}

/** When this isolate last saw `db`'s data change (answers computed at or before it are stale here). */
export function dataChangedSince(db: string): number {
  return dataChangedAt.get(db) ?? -Infinity;
}
