// The shape every compiled JSON query (and SQL statement) takes at the edge: a plan per shard and a
// pure merge of the shards' partial answers into the response body. The route only fans out (twice
// when an extraction page needs more rows from some shards).

import type { ShardAnswer, ShardQuery } from "../../contract/plan";

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
  /**
   * Extraction only: a second round. Given the first answers, the plan each shard must answer again
   * (its rows may run out before the merged page is full; src/query/page-rounds.ts), or null when
   * none must; `extend` appends such an answer to the shard's first. One second round always suffices.
   */
  followUp?: {
    plans(answers: ReadonlyArray<ShardAnswer | null>): Map<number, ShardQuery> | null;
    extend(first: ShardAnswer, more: ShardAnswer): ShardAnswer;
  };
  /** A stable text of the normalised plan(s), used in the result-cache key. */
  cacheKey: string;
  /** The request asked to skip the result cache (`"bypass-cache": true`, API.md §7). */
  bypassCache?: boolean;
}

/**
 * The answers once a follow-up round is in: shard `asked[i]` answered `more[i]`, appended to its first
 * answer (null when either round had no answer from it).
 */
export function extendAnswers(compiled: CompiledQuery, answers: ReadonlyArray<ShardAnswer | null>, asked: readonly number[], more: ReadonlyArray<ShardAnswer | null>): Array<ShardAnswer | null> {
  const extend = compiled.followUp!.extend;
  return answers.map((first, shard) => {
    const i = asked.indexOf(shard);
    if (i < 0) return first;
    const next = more[i] ?? null;
    return first === null || next === null ? null : extend(first, next);
  });
}
