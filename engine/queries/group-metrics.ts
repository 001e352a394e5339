// Aggregation's innermost group level when it carries metrics of bit-sliced number columns (group
// by plan, sum/min/max/avg of income): every group's node in one pass per chunk, instead of a set
// per group and then a metric pass per group. Per chunk it either reads each entity's group code
// from the forward array and gathers each entity's integer once, folding count/sum/min/max into its
// group (cheap for many small groups), or splits the chunk into group sets and runs the per-group
// statistics on each (cheap for a few dense groups). Answers equal the general path's exactly.

import { isEventType } from "../../contract/columns";
import type { AggNode, GroupLevel, MetricPartial, MetricSpec } from "../../contract/plan";
import type { Bitmap } from "../bitmap/bitmap";
import { type Container, ARRAY_MAX } from "../bitmap/container";
import { orC } from "../bitmap/container-ops";
import { intStatsCost } from "../encodings/bsi";
import { emptyPartial } from "../encodings/codec";
import { readCodes } from "../encodings/code-scan";
import { DictColumn } from "../encodings/dict-column";
import { NumberColumn, NumberGroups } from "../encodings/number-column";
import { COST, perEntity } from "../encodings/paths";
import { matchingCodes, splitChunk } from "../encodings/value-bitmaps";
import type { Shard } from "../shard";
import { needsExtremes, trimPartial } from "../../contract/metric-partial";
import { rankGroups } from "./grouping";

/** Group index of each entity listed by readCodes (single-threaded scratch). */
const GROUPS = new Int32Array(65536);

// Costs (ns) beyond paths.ts COST, measured on the bench shard: reading one entity's code and filing
// it with its group (besides gathering its integers); one group's fixed cost in a chunk.
const READ_CODE = 10;
const PER_GROUP = 1500;

interface Metric {
  col: NumberColumn;
  acc: NumberGroups;
}

/**
 * The children of a node whose level is the last one and `specs` its metrics, or null when this
 * path does not apply (the level's column is not a latest-value dictionary column, or a metric reads
 * anything but a latest-value number column).
 */
export function groupsWithMetrics(shard: Shard, entities: Bitmap, level: GroupLevel, specs: readonly MetricSpec[]): Array<[string, AggNode]> | null {
  const codec = shard.codec(level.col);
  if (!(codec instanceof DictColumn)) return null;
  const cols = new Map<number, NumberColumn>();
  for (const spec of specs) {
    const c = shard.codec(spec.col);
    if (c === null) {
      if (isEventType(spec.col.type)) return null; // its empty answer depends on buckets: general path
      continue; // no data: an empty partial for every group
    }
    if (!(c instanceof NumberColumn)) return null;
    cols.set(c.meta.id, c);
  }
  // One group per displayed value (codes sharing a display share a group; their entities are disjoint).
  const dict = codec.dict();
  const pass = new Uint8Array(dict.size);
  const groupOf = new Int32Array(dict.size).fill(-1);
  const displays: string[] = [];
  const byDisplay = new Map<string, number>();
  for (const code of matchingCodes(dict, level.test)) {
    pass[code] = 1;
    const d = dict.display(code);
    let g = byDisplay.get(d);
    if (g === undefined) {
      g = displays.length;
      byDisplay.set(d, g);
      displays.push(d);
    }
    groupOf[code] = g;
  }
  const counts = new Float64Array(displays.length);
  const extremes = (col: NumberColumn) => specs.some((s) => s.col.id === col.meta.id && needsExtremes(s.metric));
  const metrics: Metric[] = [...cols.values()].map((col) => ({ col, acc: new NumberGroups(displays.length, extremes(col)) }));

  for (const [k, ch, w] of codec.chunksWithin(entities)) {
    if (byEntity(k, ch.values, ch.exists, w, pass, metrics)) {
      const { n, locals, codes } = readCodes(ch.fwd, w);
      for (let i = 0; i < n; i++) {
        const g = groupOf[codes[i]!]!;
        GROUPS[i] = g;
        if (g >= 0) counts[g]!++;
      }
      for (const m of metrics) m.col.foldEntities(k, locals, GROUPS, n, m.acc);
      continue;
    }
    // Group sets of this chunk (a union where codes share a display, so each group is one set).
    const sets = new Map<number, Container>();
    for (const [code, x] of splitChunk(ch, w, pass)) {
      const g = groupOf[code]!;
      const prev = sets.get(g);
      sets.set(g, prev === undefined ? x : orC(prev, x));
    }
    for (const [g, x] of sets) {
      counts[g]! += x.n;
      for (const m of metrics) m.col.foldGroup(k, g, x, m.acc);
    }
  }

  const ranked = rankGroups(displays.map((display, g) => ({ display, count: counts[g]!, g })));
  return ranked.map(({ display, count, g }): [string, AggNode] => {
    const partials = new Map<number, MetricPartial>();
    const metricsOfGroup = specs.map((spec) => {
      const m = metrics.find((x) => x.col.meta.id === spec.col.id);
      if (m === undefined) return emptyPartial();
      let p = partials.get(spec.col.id);
      if (p === undefined) partials.set(spec.col.id, (p = m.col.groupPartial(m.acc, g)));
      return trimPartial(p, spec.metric);
    });
    return [display, { quantity: count, metrics: metricsOfGroup, children: [] }];
  });
}

/**
 * Whether chunk k is cheaper entity by entity (read every code, gather every integer once) than as
 * group sets (split, then per-group statistics). Group sizes are estimated from the value bitmaps,
 * assuming `w` cuts every value in the same proportion.
 */
function byEntity(k: number, values: ReadonlyMap<number, Container>, exists: Container | null, w: Container, pass: Uint8Array, metrics: readonly Metric[]): boolean {
  const slices = metrics.map((m) => m.col.slicesAt(k));
  let perEntityNs = READ_CODE;
  for (const B of slices) perEntityNs += intStatsCost(B, 1).entities; // the gather gives extremes for free
  const entities = w.n * perEntityNs;
  const share = w.n / Math.max(exists?.n ?? 0, w.n, 1);
  let intersect = 0;
  let stats = 0;
  for (const [code, c] of values) {
    if (pass[code] !== 1) continue;
    intersect += c.n > ARRAY_MAX && w.n > ARRAY_MAX ? COST.kernelSet : Math.min(c.n, w.n) * COST.probe;
    stats += PER_GROUP;
    for (const [i, B] of slices.entries()) {
      const cost = intStatsCost(B, c.n * share, metrics[i]!.acc.extremes);
      stats += Math.min(cost.entities, cost.bitmaps);
    }
    if (stats > entities) break; // dearer whatever the split costs
  }
  const split = Math.min(intersect, w.n * READ_CODE);
  return perEntity(entities, split + stats);
}
