// Answer of an extraction (result/score) query: the matching entities in `order` (missing values
// last, ties by external id ascending), one page of rows with their order keys, optional score and
// typed values. Only the page's entities are resolved to external ids and values; ordering by
// external id pages through SQLite's (dimension, ext) index or sorts a small candidate set.

import { isEventType, type ColumnType } from "../../../src/shared/columns";
import type { ExtractColumn, ExtractQuery, ExtractRow, ExtractedValue, OrderKey, Scalar, ShardAnswer } from "../../../src/shared/plan";
import { isoDate, isoDateTime } from "../../../src/shared/values";
import { Bitmap } from "../bitmap/bitmap";
import type { StoredValue } from "../encodings/codec";
import { Evaluator } from "../eval/expr";
import { compareScalars, compareStrings } from "../../../src/shared/value-test";
import type { Shard } from "../shard";

/** Rows read per statement when paging the external-id index. */
const SCAN_BATCH = 2000;

export function extract(shard: Shard, q: ExtractQuery): ShardAnswer {
  const ev = new Evaluator(shard, q.dimension);
  const matched = ev.matches(q.expr);
  const n = matched.size;
  const dimOrd = shard.dim(q.dimension)?.ord ?? -1;
  if (n === 0 || q.limit <= 0 || q.offset >= n || dimOrd < 0) return { kind: "extract", matched: n, rows: [] };

  // Keys before the first entity-id key decide; the entity-id key (or ascending ext) breaks ties.
  const cut = q.order.findIndex((k) => k.by === "entity-id");
  const keys = cut < 0 ? q.order : q.order.slice(0, cut);
  const extDir = cut < 0 ? "asc" : (q.order[cut] as Extract<OrderKey, { by: "entity-id" }>).dir;
  const from = q.offset;
  const to = Math.min(n, q.offset + q.limit);

  let page: number[];
  if (keys.length === 0) page = pageByExt(shard, dimOrd, matched, from, to, extDir, ev.live.size);
  else page = pageByKeys(shard, ev, q, keys, matched, from, to, extDir, dimOrd);

  const sortedIds = Uint32Array.from(page).sort();
  const exts = shard.entities.extsOf(sortedIds);
  const scores = q.score || q.order.some((k) => k.by === "score") ? ev.scores(q.expr, sortedIds) : null;
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
 * Dense ids of `set` at ranks [from, to) in external-id order. Either resolve every id and sort
 * (small sets) or walk the dimension's ext index in order, skipping non-members (large sets).
 */
function pageByExt(shard: Shard, dimOrd: number, set: Bitmap, from: number, to: number, dir: "asc" | "desc", dimLive: number): number[] {
  const n = set.size;
  to = Math.min(to, n);
  if (from >= to) return [];
  // The whole dimension (set ⊆ live, same size): SQLite's index skips to the page by itself.
  if (n === dimLive) return shard.entities.orderedPage(dimOrd, from, to - from, dir === "desc").map((r) => r[0]);
  const lookupCost = n * 1.2;
  const scanCost = (dir === "asc" ? to : n - from) * (dimLive / n) + 50;
  if (lookupCost <= scanCost) {
    const ids = set.toArray();
    const exts = shard.entities.extsOf(ids);
    const pairs = Array.from(ids, (id): [number, string] => [id, exts.get(id) ?? ""]);
    pairs.sort((a, b) => compareStrings(a[1], b[1]));
    if (dir === "desc") pairs.reverse();
    return pairs.slice(from, to).map((p) => p[0]);
  }
  const out: number[] = [];
  let rank = 0;
  let after: string | null = null;
  for (;;) {
    const rows = shard.entities.ordered(dimOrd, after, SCAN_BATCH, dir === "desc");
    for (const [id] of rows) {
      if (!set.has(id)) continue;
      if (rank >= from) out.push(id);
      rank++;
      if (rank >= to) return out;
    }
    if (rows.length < SCAN_BATCH) return out;
    after = rows[rows.length - 1]![1];
  }
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
): number[] {
  const ids = matched.toArray();
  const columns: Array<ArrayLike<Scalar | null>> = keys.map((k) => {
    if (k.by === "score") return Array.from(ev.scores(q.expr, ids));
    if (k.by === "column") return sortValuesFor(shard, k, ids);
    throw new Error("unreachable: entity-id keys are cut before");
  });
  const only = columns.length === 1 ? numericKey(columns[0]!, keys[0]!.dir) : null;
  if (only !== null) return pageBySingleNumber(shard, dimOrd, ids, only, from, to, extDir, ev.live.size);
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
        const group = Bitmap.fromSorted(order.slice(start, end).map((i) => ids[i]!).sort((a, b) => a - b));
        const a = Math.max(from, start) - start;
        const b = Math.min(to, end) - start;
        page.push(...pageByExt(shard, dimOrd, group, a, b, extDir, ev.live.size));
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
    else page.push(...pageByExt(shard, dimOrd, Bitmap.fromSorted(list), a, b, extDir, dimLive));
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
