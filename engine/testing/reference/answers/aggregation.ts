// Answer of an aggregation query: filter, then nested group levels (each later level inside each bucket
// of the previous one), metric partials in every innermost node. The full tree, uncut.

import { isEventType } from "../../../../contract/columns";
import type { AggNode, AggregationQuery, GroupLevel, MetricPartial, MetricSpec, Scalar, ShardAnswer } from "../../../../contract/plan";
import type { DimensionView } from "../data";
import { entriesOf } from "../data";
import { ExprEvaluator, inWindow } from "../evaluate";
import { groupByValue, rankGroups } from "./grouping";
import type { ViewSource } from "./source";
import { trimPartial } from "../../../../contract/metric-partial";

export function aggregation(src: ViewSource, q: AggregationQuery): ShardAnswer {
  const view = src.view(q.dimension);
  const entities = q.filter === null ? new Set(view.entities.keys()) : new ExprEvaluator(view).matches(q.filter);
  return { kind: "aggregation", root: aggNode(view, entities, q.groups, q.metrics) };
}

function aggNode(view: DimensionView, entities: ReadonlySet<number>, levels: readonly GroupLevel[], metrics: readonly MetricSpec[]): AggNode {
  const [level, ...rest] = levels;
  if (level === undefined) {
    return { quantity: entities.size, metrics: metrics.map((m) => trimPartial(metricPartials(view, entities, m), m.metric)), children: [] };
  }
  const groups = rankGroups(groupByValue(view, level.col, level.test, level.window, entities));
  const children = groups.map(([display, members]): [string, AggNode] => [display, aggNode(view, members, rest, metrics)]);
  return { quantity: entities.size, metrics: [], children };
}

export function emptyPartial(): MetricPartial {
  return { count: 0, sum: 0, min: null, max: null };
}

/**
 * Which values a metric sees: `count-events` counts every value whatever its kind; min/max/sum/avg
 * see only numbers (the edge only asks them of numeric and time columns, so nothing is dropped there).
 */
function addValue(p: MetricPartial, metric: MetricSpec["metric"], v: Scalar): void {
  if (typeof v !== "number") {
    if (metric === "count-events") p.count++;
    return;
  }
  p.count++;
  p.sum += v;
  p.min = p.min === null || v < p.min ? v : p.min;
  p.max = p.max === null || v > p.max ? v : p.max;
}

/**
 * One metric over the entities of a node. Values are visited in ascending entity id, then insertion
 * order, so float sums are reproducible. Event columns with buckets give one partial per non-empty
 * bucket [from, to); attribute columns have no time, so their buckets are ignored (one plain partial).
 */
export function metricPartials(view: DimensionView, entities: ReadonlySet<number>, spec: MetricSpec): MetricPartial | Array<[number, MetricPartial]> {
  if (!isEventType(spec.col.type)) {
    const p = emptyPartial();
    for (const [, values] of entriesOf(view.attr(spec.col.id), entities)) {
      for (const v of values) addValue(p, spec.metric, v.value);
    }
    return p;
  }
  const column = view.events(spec.col.id);
  if (spec.buckets === null) {
    const p = emptyPartial();
    for (const [, events] of entriesOf(column, entities)) {
      for (const e of events) if (inWindow(e.t, spec.window)) addValue(p, spec.metric, e.value);
    }
    return p;
  }
  const partials = spec.buckets.map(() => emptyPartial());
  for (const [, events] of entriesOf(column, entities)) {
    for (const e of events) {
      if (!inWindow(e.t, spec.window)) continue;
      spec.buckets.forEach((b, i) => {
        if (e.t >= b.from && e.t < b.to) addValue(partials[i]!, spec.metric, e.value);
      });
    }
  }
  const out: Array<[number, MetricPartial]> = [];
  partials.forEach((p, i) => {
    if (p.count > 0) out.push([i, p]);
  });
  return out;
}
