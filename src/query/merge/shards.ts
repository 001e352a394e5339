// Which shards answered, and what that means for a response: count-like answers are extrapolated
// from the shards that answered and flagged; extraction-like answers refuse (API.md-adjacent DESIGN
// "Queries"). Also checks every answer has the kind the plan asked for.

import { ApiError } from "../../../contract/errors";
import type { ShardAnswer } from "../../../contract/plan";
import type { MergeContext } from "../compiled";

export type AnswerOf<K extends ShardAnswer["kind"]> = ShardAnswer & { kind: K };

/** The answers that arrived, typed; a wrong kind is a bug between edge and engine (INTERNAL). */
export function answersOfKind<K extends ShardAnswer["kind"]>(answers: ReadonlyArray<ShardAnswer | null>, kind: K): Array<AnswerOf<K> | null> {
  return answers.map((a, i) => {
    if (a === null) return null;
    if (a.kind !== kind) throw new ApiError("INTERNAL", `shard ${i} answered a "${a.kind}" to a "${kind}" plan`);
    return a as AnswerOf<K>;
  });
}

function missingOf(answers: ReadonlyArray<unknown>, ctx: MergeContext): number[] {
  const set = new Set(ctx.missingShards);
  answers.forEach((a, i) => {
    if (a === null) set.add(i);
  });
  return [...set].sort((a, b) => a - b);
}

function unavailable(missing: number[], total: number, what: string): ApiError {
  return new ApiError("SHARDS_UNAVAILABLE", `${what} needs every shard, but shard${missing.length === 1 ? "" : "s"} ${missing.join(", ")} of ${total} did not answer; retry later`, {
    "missing-shards": missing,
  });
}

/** Extraction and exists need every shard: throws SHARDS_UNAVAILABLE naming the missing ones. */
export function requireComplete<T>(answers: ReadonlyArray<T | null>, ctx: MergeContext, what: string): T[] {
  const missing = missingOf(answers, ctx);
  if (missing.length > 0) throw unavailable(missing, ctx.totalShards, what);
  return answers as T[];
}

/** How to extrapolate a count-like result from the shards that answered. */
export interface Approximation {
  /** totalShards / answered; 1 when exact. */
  factor: number;
  /** Members to add to the response body: none when exact. */
  flag: Record<string, unknown>;
}

export function approximation(answers: ReadonlyArray<unknown>, ctx: MergeContext, what: string): Approximation {
  const missing = missingOf(answers, ctx);
  const total = Math.max(ctx.totalShards, answers.length);
  if (missing.length === 0) return { factor: 1, flag: {} };
  const answered = total - missing.length;
  // Nothing to extrapolate from: refusing is more honest than answering 0.
  if (answered <= 0) throw unavailable(missing, total, what);
  return { factor: total / answered, flag: { approximate: true, "missing-shards": missing.length } };
}

/** A count extrapolated to every shard (integers stay integers). */
export function scaleCount(n: number, approx: Approximation): number {
  return approx.factor === 1 ? n : Math.round(n * approx.factor);
}

/**
 * The response of a named count (count entity, count event): per name, the sum over shards of that
 * query's count, extrapolated when shards are missing. `fromEntries` defines own members, so a query
 * named "__proto__" cannot set the result's prototype.
 */
export function mergeNamedCounts(
  names: readonly string[],
  answers: ReadonlyArray<{ counts: number[] } | null>,
  ctx: MergeContext,
  what: string,
): { result: Record<string, number> } & Record<string, unknown> {
  const approx = approximation(answers, ctx, what);
  const result = Object.fromEntries(
    names.map((name, i) => [
      name,
      scaleCount(
        answers.reduce((acc, a) => acc + (a?.counts[i] ?? 0), 0),
        approx,
      ),
    ]),
  );
  return { result, ...approx.flag };
}
