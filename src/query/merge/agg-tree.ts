// Merges the shards' uncut aggregation trees: quantities add per group value (entities live in one
// shard), metric partials add per spec (and per histogram bucket), children merge recursively.

import type { AggNode, MetricPartial } from "../../../contract/plan";
import { addPartial, emptyPartial } from "./metrics";

type MetricSlot = AggNode["metrics"][number];

export function mergeAggNodes(nodes: readonly AggNode[]): AggNode {
  const out: AggNode = { quantity: 0, metrics: [], children: [] };
  const children = new Map<string, AggNode[]>();
  for (const n of nodes) {
    out.quantity += n.quantity;
    n.metrics.forEach((slot, i) => {
      out.metrics[i] = mergeSlot(out.metrics[i], slot);
    });
    for (const [value, child] of n.children) {
      const list = children.get(value);
      if (list) list.push(child);
      else children.set(value, [child]);
    }
  }
  out.children = [...children].map(([value, list]): [string, AggNode] => [value, mergeAggNodes(list)]);
  return out;
}

function mergeSlot(into: MetricSlot | undefined, slot: MetricSlot): MetricSlot {
  if (Array.isArray(slot)) {
    const byBucket = new Map<number, MetricPartial>();
    for (const [i, p] of Array.isArray(into) ? into : []) byBucket.set(i, { ...p });
    for (const [i, p] of slot) {
      const acc = byBucket.get(i) ?? emptyPartial();
      addPartial(acc, p);
      byBucket.set(i, acc);
    }
    return [...byBucket].sort((a, b) => a[0] - b[0]);
  }
  const acc = into !== undefined && !Array.isArray(into) ? { ...into } : emptyPartial();
  addPartial(acc, slot);
  return acc;
}
