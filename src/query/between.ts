// `between` windows inside queries (API.md §6.3): one [from, to] pair (or ["today"]) resolved once
// at the edge against the request's `now`, and aggregation's explicit bucket lists.

import { ApiError } from "../../contract/errors";
import { resolveWindow } from "../ingest/dates";
import type { Bucket, Window } from "../../contract/plan";
import { show } from "./body";

/** Resolves `between` into an inclusive window; errors 78 (bad date), 79 (bad relative token), 108 (shape). */
export function parseWindow(raw: unknown, now: number, where: string): Window {
  if (!Array.isArray(raw)) {
    throw new ApiError("QUERY_INVALID_FORMAT", `between in ${where} must be a list [from, to] or ["today"], got ${show(raw)}`);
  }
  const w = resolveWindow(raw, now);
  if ("error" in w) {
    if (w.error === "shape") {
      throw new ApiError("QUERY_INVALID_FORMAT", `between in ${where} must be [from, to] or ["today"], got ${show(raw)}`);
    }
    if (w.error === "relative") {
      throw new ApiError("QUERY_RELATIVE_INTERVAL", `invalid relative date ${show(w.text)} in ${where}; use now, today or [+-]<n><sec|min|hr|d|w|m|y>`);
    }
    throw new ApiError("QUERY_DATE_FORMAT", `invalid date ${w.text} in ${where}; use YYYY-MM-DD, an ISO-8601 date-time or a relative token`);
  }
  return w;
}

/** True for aggregation's explicit bucket form `[[from, to], [from, to], ...]`. */
export function isBucketList(raw: unknown): raw is unknown[][] {
  return Array.isArray(raw) && raw.length > 0 && raw.every((b) => Array.isArray(b));
}

/**
 * Explicit buckets: each pair is a half-open bucket [from, to) whose reported ends are the pair's;
 * ["today"] is the whole current day [00:00, next 00:00).
 */
export function parseBuckets(raw: unknown[][], now: number, where: string): Bucket[] {
  return raw.map((pair) => {
    const w = parseWindow(pair, now, where);
    return pair.length === 1 ? { from: w.from, to: w.to + 1 } : { from: w.from, to: w.to };
  });
}
