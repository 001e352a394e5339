// Answer of an aggregation: filter, nested group levels (each inside each bucket of the previous),
// metric partials in every innermost node, computed on bitmaps (value bitmaps intersected with the
// bucket, bit-sliced sums and extremes, or event postings inside the window).

import { isEventType } from "../../../src/shared/columns";
import type { AggNode, AggregationQuery, GroupLevel, MetricPartial, MetricSpec, ShardAnswer } from "../../../src/shared/plan";
import type { Bitmap } from "../bitmap/bitmap";
import { emptyPartial } from "../encodings/codec";
import { Evaluator } from "../eval/expr";
import type { Shard } from "../shard";
import { rankGroups } from "./grouping";

export function aggregation(shard: Shard, q: AggregationQuery): ShardAnswer {
  const ev = new Evaluator(shard, q.dimension);
  const entities = q.filter === null ? ev.live : ev.matches(q.filter);
  const liveOf = entities === ev.live ? shard.dim(q.dimension)?.ord : undefined;
  return { kind: "aggregation", root: node(shard, entities, q.groups, q.metrics, liveOf) };
}

function node(shard: Shard, entities: Bitmap, levels: readonly GroupLevel[], metrics: readonly MetricSpec[], liveOf?: number): AggNode {
  const [level, ...rest] = levels;
  if (level === undefined) {
    return { quantity: entities.size, metrics: metrics.map((m) => metric(shard, entities, m)), children: [] };
  }
  const codec = shard.codec(level.col);
  const groups = codec === null ? [] : rankGroups(codec.groups(level.test, level.window, entities, true, liveOf));
  const children = groups.map((g): [string, AggNode] => [g.display, node(shard, g.set!, rest, metrics)]);
  return { quantity: entities.size, metrics: [], children };
}

function metric(shard: Shard, entities: Bitmap, spec: MetricSpec): MetricPartial | Array<[number, MetricPartial]> {
  const codec = shard.codec(spec.col);
  if (codec === null) return isEventType(spec.col.type) && spec.buckets !== null ? [] : emptyPartial();
  if (codec.event) return codec.metric(entities, spec.metric, spec.window, spec.buckets);
  return codec.metric(entities, spec.metric);
}
