// Answer of an aggregation: filter, nested group levels (each inside each bucket of the previous),
// metric partials in every innermost node, computed on bitmaps (value bitmaps intersected with the
// bucket, bit-sliced sums and extremes, or event postings inside the window).
//
// Shortcuts keep the work proportional to what the answer needs: the innermost level of a query
// without metrics asks only for counts (no per-group entity sets are built); an innermost level with
// number metrics computes all its groups in one pass (group-metrics.ts); and the metrics of one node
// that read the same attribute column share one pass over it.

import { isEventType } from "../../contract/columns";
import type { AggNode, AggregationQuery, GroupLevel, MetricPartial, MetricSpec, ShardAnswer } from "../../contract/plan";
import type { Bitmap } from "../bitmap/bitmap";
import { emptyPartial } from "../encodings/codec";
import { Evaluator } from "../eval/expr";
import type { Shard } from "../shard";
import { needsExtremes, trimPartial } from "../../contract/metric-partial";
import { groupsWithMetrics } from "./group-metrics";
import { rankGroups } from "./grouping";

export function aggregation(shard: Shard, q: AggregationQuery): ShardAnswer {
  const ev = new Evaluator(shard, q.dimension);
  const entities = q.filter === null ? ev.live : ev.matches(q.filter);
  const liveOf = entities === ev.live ? shard.dim(q.dimension)?.ord : undefined;
  return { kind: "aggregation", root: node(shard, entities, q.groups, q.metrics, liveOf) };
}

function node(shard: Shard, entities: Bitmap, levels: readonly GroupLevel[], metrics: readonly MetricSpec[], liveOf?: number): AggNode {
  const [level, ...rest] = levels;
  if (level === undefined) return { quantity: entities.size, metrics: metricsOf(shard, entities, metrics), children: [] };
  if (rest.length === 0 && metrics.length > 0) {
    const children = groupsWithMetrics(shard, entities, level, metrics);
    if (children !== null) return { quantity: entities.size, metrics: [], children };
  }
  const codec = shard.codec(level.col);
  // A group's count is the size of its set, so a leaf without metrics needs only the counts.
  const leaf = rest.length === 0 && metrics.length === 0;
  const groups = codec === null ? [] : rankGroups(codec.groups(level.test, level.window, entities, !leaf, liveOf));
  const children = groups.map((g): [string, AggNode] => [g.display, leaf ? { quantity: g.count, metrics: [], children: [] } : node(shard, g.set!, rest, metrics)]);
  return { quantity: entities.size, metrics: [], children };
}

type Partial = MetricPartial | Array<[number, MetricPartial]>;

/**
 * The partials of every spec. An attribute column's partial depends on the metric name only through
 * "count-events" (which also counts non-numbers), so sum/min/max/avg of one column are one pass.
 */
function metricsOf(shard: Shard, entities: Bitmap, specs: readonly MetricSpec[]): Partial[] {
  const shared = new Map<string, MetricPartial>();
  return specs.map((spec) => {
    const codec = shard.codec(spec.col);
    if (codec === null) return isEventType(spec.col.type) && spec.buckets !== null ? [] : emptyPartial();
    if (codec.event) return trimPartial(codec.metric(entities, spec.metric, spec.window, spec.buckets), spec.metric);
    const key = `${spec.col.id}:${spec.metric === "count-events" ? "all" : "numbers"}`;
    let p = shared.get(key);
    if (p === undefined) {
      // The shared pass computes the extremes when any metric of this column reads them.
      const extremes = specs.some((s) => s.col.id === spec.col.id && needsExtremes(s.metric));
      shared.set(key, (p = codec.metric(entities, spec.metric, extremes)));
    }
    return trimPartial(p, spec.metric);
  });
}
