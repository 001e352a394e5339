// Which storage engine a shard runs. The reference row engine is the obviously-correct baseline;
// the encoded segment engine replaces it once it matches the reference on the random tests.

import type { ShardEngine, SqlLike } from "../../src/shared/rpc";
import { createReferenceEngine } from "./reference/index";

export function createShardEngine(sql: SqlLike): ShardEngine {
  return createReferenceEngine(sql);
}
