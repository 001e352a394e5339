// Which storage engine a shard runs: the encoded segment engine (bitmaps, bit-sliced indexes, event
// postings; engine/index.ts). The reference row engine stays as its test oracle.

import type { ExportingEngine, SqlLike } from "./engine";
import "./kernel/worker"; // installs the WebAssembly kernel (bitset ops, bit-sliced range counts) for every engine of the isolate
import { createSegmentEngine, type SegmentCipher } from "./index";

/** `cipher`: the database's segment cipher when encryption at rest is on (docs/security.md). */
export function createShardEngine(sql: SqlLike, cipher: SegmentCipher | null = null): ExportingEngine {
  return createSegmentEngine(sql, { cipher });
}
