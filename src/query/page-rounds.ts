// How many rows each shard sends for one extraction page. Entities are spread over the shards by a
// hash of their id, so the `limit` rows of a merged page come from the shards about evenly: asking
// every shard for the whole `limit` reads, formats and ships about `shards` times the rows the page
// keeps. Each shard is first asked for a few deviations above its expected share; the rare shard
// whose rows run out before the merged page is full is asked once more (a second fan-out round).

import type { ExtractQuery, OrderKey, ShardAnswer } from "../../contract/plan";
import type { CompiledQuery } from "./compiled";
import { mergePages, type ShardPage } from "./merge/pages";

type ExtractAnswer = Extract<ShardAnswer, { kind: "extract" }>;

/**
 * Rows to ask each shard for first: the expected share limit/shards plus four binomial standard
 * deviations and two, capped at `limit`. With 8 shards and a page of 100, 29 rows: when the matches
 * are spread by the id hash, some shard's share exceeds that in about one page of 40,000.
 */
export function firstAsk(limit: number, shards: number): number {
  if (shards <= 1) return limit;
  const share = limit / shards;
  return Math.min(limit, Math.ceil(share + 4 * Math.sqrt(share) + 2));
}

export interface Refill {
  shard: number;
  /** Rows of the shard's first page: the refill starts right after them. */
  after: number;
  rows: number;
}

/**
 * After a merge that stalled with `merged` rows of `limit`: the shards to ask again and for how many
 * rows, so that every shard with more rows then holds at least the rows still needed beyond what
 * the merge already took from it. One refill therefore always completes the page.
 */
export function refills(pages: readonly ShardPage[], taken: readonly number[], merged: number, limit: number): Refill[] {
  const need = limit - merged;
  const out: Refill[] = [];
  pages.forEach((page, shard) => {
    const left = page.rows.length - taken[shard]!;
    if (page.more && left < need) out.push({ shard, after: page.rows.length, rows: need - left });
  });
  return out;
}

/** The shards' rows as merge input: each knows whether its shard has rows after them. */
export function shardPages(answers: readonly ExtractAnswer[], offsetOf: (shard: number) => number): ShardPage[] {
  return answers.map((a, shard) => ({ rows: a.rows, more: offsetOf(shard) + a.rows.length < a.matched }));
}

/**
 * The second round of an extraction whose shards were asked for fewer rows than the `limit` rows
 * merged by `order`: `planAt(offset, rows)` is the plan for `rows` more rows of a shard from `offset`.
 */
export function pageFollowUp(
  order: readonly OrderKey[],
  limit: number,
  offsetOf: (shard: number) => number,
  planAt: (offset: number, rows: number) => ExtractQuery,
): NonNullable<CompiledQuery["followUp"]> {
  return {
    plans(answers) {
      if (answers.some((a) => a === null || a.kind !== "extract")) return null; // the merge refuses them
      const pages = shardPages(answers as ExtractAnswer[], offsetOf);
      const { rows, taken, stalled } = mergePages(pages, order, limit);
      if (!stalled) return null;
      return new Map(refills(pages, taken, rows.length, limit).map((r) => [r.shard, planAt(offsetOf(r.shard) + r.after, r.rows)]));
    },
    extend(first, more) {
      if (first.kind !== "extract" || more.kind !== "extract") return first; // the merge refuses them
      return { kind: "extract", matched: first.matched, rows: [...first.rows, ...more.rows] };
    },
  };
}
