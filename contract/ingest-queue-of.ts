// Which ingest queue carries a shard's messages: queue i is bound as INGEST (i = 0) or INGEST_<i>, and
// shard s of database db always uses queue (FNV-1a(db) + s) mod queues. Shard-affine, so a consumer
// batch holds messages of few shards and the consumer applies each shard's share in one call;
// offset by the database, so shard 0 of every database does not pile onto queue 0. Pure, so the
// producer (src/ingest/queues.ts), the tests and the capacity model agree.

import { fnv1a32 } from "./shard-of";

/** The binding name of ingest queue `index` (its queue: "sliced-ingest", "sliced-ingest-<index>"). */
export function ingestQueueBinding(index: number): string {
  return index === 0 ? "INGEST" : `INGEST_${index}`;
}

/** The queue index, in 0 … queueCount-1, that carries every message of shard `shard` of database `db`. */
export function ingestQueueOf(db: string, shard: number, queueCount: number): number {
  return (fnv1a32(db) + shard) % queueCount;
}
