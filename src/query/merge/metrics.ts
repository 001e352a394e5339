// Aggregation metrics from partials (API.md §7.6, §8 item 10): partials add across shards; avg travels
// as sum + count; number types follow the column (integer columns give JSON integers for
// min/max/sum, decimals give floats, avg is always a float, count-events an integer), and decimal
// sums and averages are rounded as SQL rounds them (../rounding.ts).

import type { MetricName, MetricPartial } from "../../../contract/plan";
import { Float } from "../json";
import { roundAverage, roundSum } from "../rounding";
import { scaleCount, type Approximation } from "./shards";

export function emptyPartial(): MetricPartial {
  return { count: 0, sum: 0, min: null, max: null };
}

export function addPartial(into: MetricPartial, p: MetricPartial): void {
  into.count += p.count;
  into.sum += p.sum;
  if (p.min !== null) into.min = into.min === null ? p.min : Math.min(into.min, p.min);
  if (p.max !== null) into.max = into.max === null ? p.max : Math.max(into.max, p.max);
}

/**
 * The value shown for `metric` (null when no value was seen, except sum/count-events which are 0).
 * With missing shards, sum and count-events are extrapolated; min/max/avg are not (they do not grow
 * with the number of shards).
 */
/** What a metric's column says about its numbers. */
export interface MetricNumber {
  integer: boolean;
  decimalPlaces: number | undefined;
}

export function metricValue(metric: MetricName, p: MetricPartial, column: MetricNumber, approx: Approximation): number | Float | null {
  const typed = (v: number): number | Float => (column.integer ? v : new Float(v));
  switch (metric) {
    case "count-events":
      return scaleCount(p.count, approx);
    case "sum":
      return column.integer ? scaleCount(p.sum, approx) : new Float(roundSum(p.sum * approx.factor, column.decimalPlaces));
    case "avg":
      return p.count === 0 ? null : new Float(roundAverage(p.sum / p.count));
    case "min":
      return p.min === null ? null : typed(p.min);
    case "max":
      return p.max === null ? null : typed(p.max);
  }
}
