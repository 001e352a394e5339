// The shape every compiled JSON query (and SQL statement) takes at the edge: a plan per shard and a
// pure merge of the shards' partial answers into the response body. The route only fans out.

import type { ShardAnswer, ShardQuery } from "../shared/plan";

export interface MergeContext {
  /** Shards whose primary and replicas all failed: their answer is null. */
  missingShards: number[];
  totalShards: number;
}

export interface CompiledQuery {
  /** The plan shard `shard` evaluates (extraction pages differ per shard; everything else is shared). */
  planFor(shard: number): ShardQuery;
  /**
   * Merges one answer per shard (null = unavailable) into the response body, without `status`/`took`.
   * Count-like queries extrapolate missing shards and add `"approximate": true, "missing-shards": n`;
   * extraction queries throw ApiError("SHARDS_UNAVAILABLE") naming the missing shards.
   */
  merge(answers: Array<ShardAnswer | null>, ctx: MergeContext): Record<string, unknown>;
  /** A stable text of the normalised plan(s), used in the result-cache key. */
  cacheKey: string;
  /** The request asked to skip the result cache (`"bypass-cache": true`, API.md §7). */
  bypassCache?: boolean;
}
