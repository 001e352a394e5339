// What a metric reads of a partial (plan.ts MetricPartial): only min and max read the extremes, so
// both engines leave them null for sum, avg and count-events. Engines skip the extremes' cost then
// (on bit-sliced columns, two narrowing passes per slice), and answer the same partials either way.

import type { MetricName, MetricPartial } from "./plan";

export function needsExtremes(metric: MetricName): boolean {
  return metric === "min" || metric === "max";
}

/** The partial a metric answers with: min/max cleared unless the metric is min or max. */
export function trimPartial<P extends MetricPartial | Array<[number, MetricPartial]>>(p: P, metric: MetricName): P {
  if (needsExtremes(metric)) return p;
  if (Array.isArray(p)) return p.map(([b, x]) => [b, { ...x, min: null, max: null }]) as P;
  return { ...p, min: null, max: null };
}
