// Which storage engine a shard runs: the encoded segment engine (bitmaps, bit-sliced indexes, event
// postings; durable-objects/engine/index.ts). The reference row engine stays as its test oracle.

import type { ShardEngine, SqlLike } from "../../src/shared/rpc";
import { createSegmentEngine } from "./index";

export function createShardEngine(sql: SqlLike): ShardEngine {
  return createSegmentEngine(sql);
}
