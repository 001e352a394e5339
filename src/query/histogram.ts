// Histogram buckets for aggregation's `interval` (API.md §7.6): calendar-aligned UTC buckets
// [start, next start) covering a window; days are what the examples use, hours/weeks (ISO, Monday
// start)/months are the natural extension.

import { DAY_MS } from "../../contract/limits";
import { ApiError } from "../../contract/errors";
import { HISTOGRAM_BUCKETS_MAX } from "../../contract/limits";
import type { Bucket, Window } from "../../contract/plan";

export type IntervalUnit = "hours" | "days" | "weeks" | "months";

const UNITS: Record<string, IntervalUnit> = {
  hour: "hours",
  hours: "hours",
  day: "days",
  days: "days",
  week: "weeks",
  weeks: "weeks",
  month: "months",
  months: "months",
};

export function parseInterval(raw: unknown): IntervalUnit | null {
  return typeof raw === "string" ? (UNITS[raw.trim().toLowerCase()] ?? null) : null;
}

function floorTo(ms: number, unit: IntervalUnit): number {
  switch (unit) {
    case "hours":
      return Math.floor(ms / 3_600_000) * 3_600_000;
    case "days":
      return Math.floor(ms / DAY_MS) * DAY_MS;
    case "weeks": {
      const day = Math.floor(ms / DAY_MS) * DAY_MS;
      return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
    }
    case "months": {
      const d = new Date(ms);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  }
}

function next(ms: number, unit: IntervalUnit): number {
  switch (unit) {
    case "hours":
      return ms + 3_600_000;
    case "days":
      return ms + DAY_MS;
    case "weeks":
      return ms + 7 * DAY_MS;
    case "months": {
      const d = new Date(ms);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
  }
}

/** Aligned buckets from the one holding `window.from` to the one holding `window.to` (inclusive end). */
export function intervalBuckets(window: Window, unit: IntervalUnit): Bucket[] {
  const out: Bucket[] = [];
  for (let start = floorTo(window.from, unit); start <= window.to; start = next(start, unit)) {
    if (out.length >= HISTOGRAM_BUCKETS_MAX) {
      throw new ApiError("QUERY_BAD_AGGREGATION", `the window holds more than ${HISTOGRAM_BUCKETS_MAX} ${unit} buckets; use a shorter window or a larger interval`, { max: HISTOGRAM_BUCKETS_MAX });
    }
    out.push({ from: start, to: next(start, unit) });
  }
  return out;
}
