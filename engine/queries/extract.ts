// Answer of an extraction (result/score) query: the matching entities in `order` (missing values
// last, ties by external id ascending), one page of rows with their order keys, optional score and
// typed values. Only the page's entities are resolved to external ids and values; ordering by
// external id pages through SQLite's (dimension, ext) index or sorts a small candidate set, and
// ordering by score alone walks bit-sliced score levels (eval/score-levels.ts) from the best.

import { isEventType, type ColumnType } from "../../contract/columns";
import type { ExtractColumn, ExtractQuery, ExtractRow, ExtractedValue, OrderKey, Scalar, ShardAnswer } from "../../contract/plan";
import { isoDate, isoDateTime } from "../../contract/values";
import { Bitmap } from "../bitmap/bitmap";
import type { StoredValue } from "../encodings/codec";
import { Evaluator, orTerms } from "../eval/expr";
import { ScoreLevels } from "../eval/score-levels";
import { compareScalars, compareStrings } from "../../contract/value-test";
import type { Shard } from "../shard";
import type { ExtOrder } from "../store/entities";
import { EXT_ORDER_SQL_LIST_IDS_MAX } from "../../contract/limits";

/** Rows read per statement when paging the external-id index. */
const SCAN_BATCH = 2000;

export function extract(shard: Shard, q: ExtractQuery): ShardAnswer {
  const ev = new Evaluator(shard, q.dimension);
  const dimOrd = shard.dim(q.dimension)?.ord ?? -1;

  // Keys before the first entity-id key decide; the entity-id key (or ascending ext) breaks ties.
  const cut = q.order.findIndex((k) => k.by === "entity-id");
  const keys = cut < 0 ? q.order : q.order.slice(0, cut);
  const extDir = cut < 0 ? "asc" : (q.order[cut] as Extract<OrderKey, { by: "entity-id" }>).dir;
  // Ordered by score alone: bit-sliced score counters, whose level sizes locate the page, instead
  // of a score per matching entity. Their union is the match set, so it is never built.
  const levels = keys.length === 1 && keys[0]!.by === "score" ? ScoreLevels.build(orTerms(q.expr).map((t) => ev.matches(t))) : null;
  const n = levels !== null ? levels.size : ev.matches(q.expr).size;
  if (n === 0 || q.limit <= 0 || q.offset >= n || dimOrd < 0) return { kind: "extract", matched: n, rows: [] };
  const from = q.offset;
  const to = Math.min(n, q.offset + q.limit);

  const known = new Map<number, string>(); // external ids the paging already read
  const scoreOf = new Map<number, number>(); // scores the level walk already knows
  let page: number[];
  if (levels !== null) page = pageByLevels(shard, dimOrd, levels, keys[0]!.dir, from, to, extDir, ev.live.size, known, scoreOf);
  else if (keys.length === 0) page = pageByExt(shard, dimOrd, ev.matches(q.expr), from, to, extDir, ev.live.size, known);
  else page = pageByKeys(shard, ev, q, keys, ev.matches(q.expr), from, to, extDir, dimOrd, known);

  const sortedIds = Uint32Array.from(page).sort();
  const exts = extsOf(shard, sortedIds, known);
  const wantScores = q.score || q.order.some((k) => k.by === "score");
  const scores = !wantScores ? null : levels !== null ? Float64Array.from(sortedIds, (id) => scoreOf.get(id)!) : ev.scores(q.expr, sortedIds);
  const position = new Map<number, number>();
  sortedIds.forEach((id, i) => position.set(id, i));
  const sortCols = q.order.map((k) => (k.by === "column" ? sortValuesFor(shard, k, sortedIds) : null));
  const valueCols = q.columns.map((c) => columnValues(shard, c, sortedIds));

  const rows = page.map((id): ExtractRow => {
    const i = position.get(id)!;
    const ext = exts.get(id) ?? "";
    const sort = q.order.map((k, j): Scalar | null => (k.by === "entity-id" ? ext : k.by === "score" ? scores![i]! : sortCols[j]![i]!));
    const values: Record<string, ExtractedValue> = {};
    q.columns.forEach((c, j) => {
      const v = valueCols[j]![i];
      if (v !== undefined) values[c.key] = v;
    });
    const row: ExtractRow = { id: ext, sort, values };
    if (q.score) row.score = scores![i]!;
    return row;
  });
  return { kind: "extract", matched: n, rows };
}

function sortValuesFor(shard: Shard, k: Extract<OrderKey, { by: "column" }>, ids: Uint32Array): Array<Scalar | null> {
  const codec = shard.codec(k.col);
  if (codec === null) return new Array(ids.length).fill(null);
  return codec.sortValues(ids, k.dir);
}

// --- ordering by external id ------------------------------------------------------------------------

/**
 * Dense ids of `set` at ranks [from, to) in external-id order, the cheapest of three ways (costs in
 * about µs, measured with node:sqlite on the 1M-entity bench shard): resolve every id and sort
 * (~1.2 per id); walk the dimension's ext index in JS, skipping non-members (~1 per row walked);
 * or let SQLite walk it and test membership against the id list (~0.17 per listed id + ~0.07 per
 * row walked). A walk reads about to × dimLive / |set| rows. External ids read go into `known`.
 */
function pageByExt(shard: Shard, dimOrd: number, set: Bitmap, from: number, to: number, dir: "asc" | "desc", dimLive: number, known: Map<number, string>): number[] {
  const n = set.size;
  to = Math.min(to, n);
  if (from >= to) return [];
  const desc = dir === "desc";
  const take = (rows: Array<[number, string]>): number[] =>
    rows.map(([id, ext]) => {
      known.set(id, ext);
      return id;
    });
  // The whole dimension (set ⊆ live, same size): SQLite's index skips to the page by itself.
  if (n === dimLive) return take(shard.entities.orderedPage(dimOrd, from, to - from, desc));
  const walked = to * (dimLive / n);
  const lookupCost = n * 1.2;
  const scanCost = walked + 50;
  const sqlCost = n <= EXT_ORDER_SQL_LIST_IDS_MAX ? n * 0.17 + walked * 0.07 + 30 : Infinity;
  // Ski rental: once paging without the in-memory order has cost what reading it costs (about one
  // unit per entity), read it; from then on pages cost no SQL until the dimension changes.
  let order = shard.entities.extOrder(dimOrd);
  if (order === null && shard.entities.notePagingWork(dimOrd, Math.min(lookupCost, scanCost, sqlCost)) >= dimLive) order = shard.entities.buildExtOrder(dimOrd);
  if (order !== null) return order.added.length === 0 ? pageByRank(order, set, from, to, desc, walked, n) : pageWithAdded(shard, order, set, from, to, desc, walked, known);
  if (sqlCost <= lookupCost && sqlCost <= scanCost) return take(shard.entities.orderedAmong(dimOrd, set.toArray(), from, to - from, desc));
  if (lookupCost <= scanCost) {
    const ids = set.toArray();
    const exts = shard.entities.extsOf(ids);
    const pairs = Array.from(ids, (id): [number, string] => [id, exts.get(id) ?? ""]);
    pairs.sort((a, b) => compareStrings(a[1], b[1]));
    if (desc) pairs.reverse();
    return take(pairs.slice(from, to));
  }
  const out: number[] = [];
  let rank = 0;
  let after: string | null = null;
  // Batches start near the expected walk (a dense set needs few rows) and double up to SCAN_BATCH.
  let batch = Math.min(SCAN_BATCH, Math.max(64, Math.ceil(walked * 1.25)));
  for (;;) {
    const rows = shard.entities.ordered(dimOrd, after, batch, desc);
    for (const [id, ext] of rows) {
      if (!set.has(id)) continue;
      if (rank >= from) {
        out.push(id);
        known.set(id, ext);
      }
      rank++;
      if (rank >= to) return out;
    }
    if (rows.length < batch) return out;
    after = rows[rows.length - 1]![1];
    batch = Math.min(SCAN_BATCH, batch * 2);
  }
}

/**
 * Page [from, to) of the `n` members of `set` the in-memory order ranks (ids below rank.length) in
 * external-id order: walk the order testing membership when the page is near its start (a dense
 * set), else sort the members' ranks.
 */
function pageByRank(order: ExtOrder, set: Bitmap, from: number, to: number, desc: boolean, walked: number, n: number): number[] {
  if (walked < n) {
    const out: number[] = [];
    let rank = 0;
    const len = order.ids.length;
    for (let i = 0; i < len && rank < to; i++) {
      const id = order.ids[desc ? len - 1 - i : i]!;
      if (!set.has(id)) continue;
      if (rank >= from) out.push(id);
      rank++;
    }
    return out;
  }
  const ranks = new Uint32Array(n);
  let i = 0;
  const ranked = order.rank.length;
  set.forEach((id) => {
    if (id < ranked) ranks[i++] = order.rank[id]!;
  });
  ranks.sort();
  const out: number[] = [];
  for (let k = from; k < to; k++) out.push(order.ids[ranks[desc ? n - 1 - k : k]!]!);
  return out;
}

/**
 * Page [from, to) when entities were created since the order was read: its first `to` ranked members
 * and the new members, merged by external id (ids never repeat, so neither do external ids).
 */
function pageWithAdded(shard: Shard, order: ExtOrder, set: Bitmap, from: number, to: number, desc: boolean, walked: number, known: Map<number, string>): number[] {
  const added = order.added.filter((id) => set.has(id));
  const ranked = set.size - added.length;
  const base = pageByRank(order, set, 0, Math.min(to, ranked), desc, walked, ranked);
  const exts = shard.entities.extsOf([...base, ...added]);
  for (const [id, ext] of exts) known.set(id, ext);
  const ext = (id: number): string => exts.get(id) ?? "";
  const before = (a: number, b: number): boolean => (desc ? compareStrings(ext(a), ext(b)) > 0 : compareStrings(ext(a), ext(b)) < 0);
  added.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  const out: number[] = [];
  for (let i = 0, j = 0; out.length < to && (i < base.length || j < added.length);) {
    out.push(j >= added.length || (i < base.length && before(base[i]!, added[j]!)) ? base[i++]! : added[j++]!);
  }
  return out.slice(from);
}

/** External ids of the page's ids, reading only those the paging did not already see. */
function extsOf(shard: Shard, ids: Uint32Array, known: Map<number, string>): Map<number, string> {
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length === 0) return known;
  const found = shard.entities.extsOf(missing);
  for (const [id, ext] of found) known.set(id, ext);
  return known;
}

// --- ordering by score alone ----------------------------------------------------------------------------

/**
 * Walks the score levels from the best (or, ascending, the worst): a level before the page is only
 * counted, and only the levels overlapping [from, to) are materialised and ranked by external id.
 */
function pageByLevels(
  shard: Shard,
  dimOrd: number,
  levels: ScoreLevels,
  scoreDir: "asc" | "desc",
  from: number,
  to: number,
  extDir: "asc" | "desc",
  dimLive: number,
  known: Map<number, string>,
  scoreOf: Map<number, number>,
): number[] {
  const page: number[] = [];
  const top = levels.top;
  let rank = 0;
  for (let i = 0; i < top && rank < to; i++) {
    const level = scoreDir === "desc" ? top - i : i + 1;
    const c = levels.count(level);
    if (c > 0 && rank + c > from) {
      const part = pageByExt(shard, dimOrd, levels.members(level), Math.max(from, rank) - rank, Math.min(to, rank + c) - rank, extDir, dimLive, known);
      for (const id of part) {
        page.push(id);
        scoreOf.set(id, level);
      }
    }
    rank += c;
  }
  return page;
}

// --- ordering by score / column values ----------------------------------------------------------------

function pageByKeys(
  shard: Shard,
  ev: Evaluator,
  q: ExtractQuery,
  keys: readonly OrderKey[],
  matched: Bitmap,
  from: number,
  to: number,
  extDir: "asc" | "desc",
  dimOrd: number,
  known: Map<number, string>,
): number[] {
  const ids = matched.toArray();
  const columns: Array<ArrayLike<Scalar | null>> = keys.map((k) => {
    if (k.by === "score") return Array.from(ev.scores(q.expr, ids));
    if (k.by === "column") return sortValuesFor(shard, k, ids);
    throw new Error("unreachable: entity-id keys are cut before");
  });
  const only = columns.length === 1 ? numericKey(columns[0]!, keys[0]!.dir) : null;
  if (only !== null) return pageBySingleNumber(shard, dimOrd, ids, only, from, to, extDir, ev.live.size, known);
  const cmp = (a: number, b: number): number => {
    for (let j = 0; j < keys.length; j++) {
      const x = columns[j]![a] ?? null;
      const y = columns[j]![b] ?? null;
      if (x === null || y === null) {
        if (x !== y) return x === null ? 1 : -1;
        continue;
      }
      const c = compareScalars(x, y);
      if (c !== 0) return keys[j]!.dir === "desc" ? -c : c;
    }
    return 0;
  };
  const order = Array.from({ length: ids.length }, (_, i) => i).sort((a, b) => cmp(a, b) || a - b);
  // Walk the tie groups; those overlapping the page are ordered by external id.
  const page: number[] = [];
  let start = 0;
  while (start < order.length && start < to) {
    let end = start + 1;
    while (end < order.length && cmp(order[start]!, order[end]!) === 0) end++;
    if (end > from) {
      if (end - start === 1) page.push(ids[order[start]!]!);
      else {
        const group = Bitmap.fromSorted(
          order
            .slice(start, end)
            .map((i) => ids[i]!)
            .sort((a, b) => a - b),
        );
        const a = Math.max(from, start) - start;
        const b = Math.min(to, end) - start;
        page.push(...pageByExt(shard, dimOrd, group, a, b, extDir, ev.live.size, known));
      }
    }
    start = end;
  }
  return page;
}

/** One numeric key as sortable doubles (descending negated, missing = +Infinity = last), or null. */
function numericKey(values: ArrayLike<Scalar | null>, dir: "asc" | "desc"): Float64Array | null {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? null;
    if (v === null) out[i] = Infinity;
    else if (typeof v === "number") out[i] = dir === "desc" ? -v : v;
    else return null;
  }
  return out;
}

/** The common case (score, or one numeric column): a native sort of the keys finds the page's tie groups. */
function pageBySingleNumber(
  shard: Shard,
  dimOrd: number,
  ids: Uint32Array,
  keys: Float64Array,
  from: number,
  to: number,
  extDir: "asc" | "desc",
  dimLive: number,
  known: Map<number, string>,
): number[] {
  const { wanted, starts } = pageKeys(keys, from, to);
  const members = new Map<number, number[]>(wanted.map((v) => [v, []]));
  for (let i = 0; i < keys.length; i++) members.get(keys[i]!)?.push(ids[i]!);
  const page: number[] = [];
  for (let g = 0; g < wanted.length; g++) {
    const v = wanted[g]!;
    const start = starts[g]!;
    const list = members.get(v)!;
    const end = start + list.length;
    const a = Math.max(from, start) - start;
    const b = Math.min(to, end) - start;
    if (list.length === 1) page.push(list[0]!);
    else page.push(...pageByExt(shard, dimOrd, Bitmap.fromSorted(list), a, b, extDir, dimLive, known));
  }
  return page;
}

/**
 * The distinct key values covering sorted ranks [from, to) and the rank where each starts. Small
 * integer keys (scores) are counted instead of sorted.
 */
function pageKeys(keys: Float64Array, from: number, to: number): { wanted: number[]; starts: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  let integral = true;
  for (let i = 0; i < keys.length; i++) {
    const v = keys[i]!;
    if (v === Infinity) continue;
    if (!Number.isInteger(v)) integral = false;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const wanted: number[] = [];
  const starts: number[] = [];
  if (integral && hi - lo < 65536) {
    const span = Number.isFinite(lo) ? hi - lo + 1 : 0;
    const counts = new Float64Array(span + 1); // the last slot counts missing values (+Infinity)
    for (let i = 0; i < keys.length; i++) {
      const v = keys[i]!;
      counts[v === Infinity ? span : v - lo]!++;
    }
    let rank = 0;
    for (let b = 0; b <= span && rank < to; b++) {
      const n = counts[b]!;
      if (n > 0 && rank + n > from) {
        wanted.push(b === span ? Infinity : lo + b);
        starts.push(rank);
      }
      rank += n;
    }
    return { wanted, starts };
  }
  const sorted = keys.slice().sort();
  for (let i = from; i < to; i++) {
    if (i === from || sorted[i] !== sorted[i - 1]) {
      wanted.push(sorted[i]!);
      starts.push(lowerBound(sorted, sorted[i]!));
    }
  }
  return { wanted, starts };
}

function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// --- values -------------------------------------------------------------------------------------------

/** Dates as "YYYY-MM-DD", datetimes as their text (or instant when none), everything else as stored. */
function typedValue(type: ColumnType, v: StoredValue): Scalar {
  if (type === "date" && typeof v.value === "number") return isoDate(v.value);
  if (type === "datetime") return v.text ?? (typeof v.value === "number" ? isoDateTime(v.value) : v.value);
  return v.value;
}

function columnValues(shard: Shard, c: ExtractColumn, ids: Uint32Array): Array<ExtractedValue | undefined> {
  const codec = shard.codec(c.col);
  if (codec === null) return new Array(ids.length).fill(undefined);
  if (c.kind === "events") {
    if (!codec.event) return new Array(ids.length).fill(undefined);
    return codec.eventsOf(ids, c.window).map((events) => (events.length === 0 ? undefined : events.map((e) => ({ value: e.value, t: e.t }))));
  }
  if (codec.event || isEventType(c.col.type)) return new Array(ids.length).fill(undefined);
  const type = c.col.type;
  return codec.valuesOf(ids).map((vs) => {
    if (vs.length === 0) return undefined;
    if (c.col.storage === "latest-value") return typedValue(type, vs[vs.length - 1]!);
    return vs.map((v) => typedValue(type, v));
  });
}
