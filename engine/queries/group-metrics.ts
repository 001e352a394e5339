// Aggregation's innermost group level when it carries metrics of bit-sliced number columns (group
// by plan, sum/min/max/avg of income): every group's node in one pass per chunk, instead of a set
// per group and then a metric pass per group. Per chunk it either reads each entity's group code
// from the forward array and gathers each entity's integer once, folding count/sum/min/max into its
// group (cheap for many small groups), or splits the chunk into group sets and runs the per-group
// statistics on each (cheap for a few dense groups). Once the metric columns' chunks hold decoded
// integers (bsi.ts), the entity-by-entity way reads each integer once in a fused pass (listGroups,
// foldDecoded) instead of gathering slices. Answers equal the general path's exactly.

import { isEventType } from "../../contract/columns";
import type { AggNode, GroupLevel, MetricPartial, MetricSpec } from "../../contract/plan";
import type { Bitmap } from "../bitmap/bitmap";
import { type Container, ARRAY_MAX, BITSET, BITSET_WORDS } from "../bitmap/container";
import { orC } from "../bitmap/container-ops";
import { intStatsCost } from "../encodings/bsi";
import { addToPartial, emptyPartial } from "../encodings/codec";
import { codeAt, readCodes } from "../encodings/code-scan";
import type { PackedCodes } from "../encodings/packed";
import { DictColumn } from "../encodings/dict-column";
import { type DecodedChunk, NumberColumn, NumberGroups } from "../encodings/number-column";
import { COST, pathsTaken, perEntity } from "../encodings/paths";
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
/** Listing one entity with its group in the fused pass (listGroups), besides reading its integers. */
const READ_CODE_FUSED = 4;

/** Entities (ascending locals) and groups listGroups found (single-threaded scratch). */
const LISTED = new Uint16Array(65536);
const LISTED_GROUPS = new Int32Array(65536);

/**
 * Lists the entities of `w` that fall in a group (groupOf[code] >= 0) with their groups into
 * LISTED / LISTED_GROUPS and counts them per group, in one pass over w and the forward array.
 */
function listGroups(fwd: PackedCodes, w: Container, groupOf: Int32Array, counts: Float64Array): number {
  const width = fwd.width;
  if (width === 0) return 0;
  if (w.kind === BITSET) return listGroupsOfWords(fwd.words, width, w.words, groupOf, counts);
  const { n: m, locals, codes } = readCodes(fwd, w);
  let n = 0;
  for (let i = 0; i < m; i++) {
    const g = groupOf[codes[i]!]!;
    if (g < 0) continue;
    LISTED[n] = locals[i]!;
    LISTED_GROUPS[n++] = g;
    counts[g]!++;
  }
  return n;
}

/**
 * listGroups over a bitset's words. A function of its own: small and monomorphic, V8 optimises it
 * within the first runs that reach it (the bench's timed runs, once the chunks decode in the warm-up).
 */
function listGroupsOfWords(fw: Uint32Array, width: number, words: Uint32Array, groupOf: Int32Array, counts: Float64Array): number {
  const mask = width >= 32 ? -1 : (1 << width) - 1;
  const s = new Int32Array(words.buffer, words.byteOffset, BITSET_WORDS);
  let n = 0;
  for (let i = 0; i < BITSET_WORDS; i++) {
    let x = s[i]!;
    if (x === 0) continue;
    const base = i << 5;
    do {
      const t = x & (-x | 0);
      const l = base | (31 - Math.clz32(t));
      const g = groupOf[codeAt(fw, width, mask, l)]!;
      if (g >= 0) {
        LISTED[n] = l;
        LISTED_GROUPS[n++] = g;
        counts[g]!++;
      }
      x = (x ^ t) | 0;
    } while (x !== 0);
  }
  return n;
}

/** Folds the decoded integers (and odd values) of the n listed entities into their groups. */
function foldDecoded(v: DecodedChunk, n: number, acc: NumberGroups): void {
  const { ints, dec } = v;
  const { count, sum, min, max } = acc.ints;
  for (let i = 0; i < n; i++) {
    const l = LISTED[i]!;
    if (((ints[l >>> 5]! >>> (l & 31)) & 1) === 0) continue;
    const g = LISTED_GROUPS[i]!;
    const x = dec[l]!;
    count[g]!++;
    sum[g]! += x;
    if (x < min[g]!) min[g] = x;
    if (x > max[g]!) max[g] = x;
  }
  // Odd values in the order the other paths add them (the chunk's own order).
  for (const [local, x] of v.odd) {
    const i = listedIndex(n, local);
    if (i >= 0) addToPartial(acc.oddOf(LISTED_GROUPS[i]!), "sum", x);
  }
}

function listedIndex(n: number, local: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = LISTED[mid]!;
    if (x < local) lo = mid + 1;
    else if (x > local) hi = mid - 1;
    else return mid;
  }
  return -1;
}

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
    const views = metrics.map((m) => m.col.decodedView(k));
    if (views.every((v) => v !== undefined) && byEntity(k, ch.values, ch.exists, w, pass, metrics, true)) {
      pathsTaken.decoded++;
      const n = listGroups(ch.fwd, w, groupOf, counts);
      views.forEach((v, i) => {
        if (v !== null && v !== undefined) foldDecoded(v, n, metrics[i]!.acc);
      });
      continue;
    }
    if (byEntity(k, ch.values, ch.exists, w, pass, metrics, false)) {
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
function byEntity(k: number, values: ReadonlyMap<number, Container>, exists: Container | null, w: Container, pass: Uint8Array, metrics: readonly Metric[], fused: boolean): boolean {
  const slices = metrics.map((m) => m.col.slicesAt(k));
  const decoded = metrics.map((m) => m.col.decodedAt(k));
  let perEntityNs = fused ? READ_CODE_FUSED : READ_CODE;
  for (const [i, B] of slices.entries()) perEntityNs += intStatsCost(B, 1, true, decoded[i]).entities; // the gather gives extremes for free
  const entities = w.n * perEntityNs;
  const share = w.n / Math.max(exists?.n ?? 0, w.n, 1);
  let intersect = 0;
  let stats = 0;
  for (const [code, c] of values) {
    if (pass[code] !== 1) continue;
    intersect += c.n > ARRAY_MAX && w.n > ARRAY_MAX ? COST.kernelSet : Math.min(c.n, w.n) * COST.probe;
    stats += PER_GROUP;
    for (const [i, B] of slices.entries()) {
      const cost = intStatsCost(B, c.n * share, metrics[i]!.acc.extremes, decoded[i]);
      stats += Math.min(cost.entities, cost.bitmaps);
    }
    if (stats > entities) break; // dearer whatever the split costs
  }
  const split = Math.min(intersect, w.n * READ_CODE);
  return perEntity(entities, split + stats);
}
