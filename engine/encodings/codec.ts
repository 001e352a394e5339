// The one interface every column encoding implements, and the column description they share.
// The evaluator and the query answers speak only this interface; each encoding is one module.

import type { ColumnType, Storage } from "../../contract/columns";
import type { Bucket, MetricName, MetricPartial, Scalar, ValueTest, Window } from "../../contract/plan";
import type { Bitmap } from "../bitmap/bitmap";

/** What the shard remembers about a column (stored as JSON in seg_columns). */
export interface ColumnMeta {
  id: number;
  type: ColumnType;
  storage: Storage;
  /** Ordinal of the dimension whose entities hold it (-1: written from several dimensions). */
  dim: number;
  /** Decimal exponent of bit-sliced numbers (value = stored integer / 10^scale). */
  scale: number;
  /** Entity chunks with a stored column chunk segment, ascending. */
  chunks: number[];
  /** Event columns: (month << 16 | chunk) of every postings segment, ascending. */
  buckets: number[];
}

export interface StoredValue {
  value: Scalar;
  text?: string;
}

export interface StoredEvent {
  value: Scalar;
  t: number;
}

/** One group of entities sharing a displayed value. `set` only when asked for. */
export interface ValueGroup {
  display: string;
  count: number;
  set: Bitmap | null;
}

interface CodecBase {
  readonly meta: ColumnMeta;
  /** Removes every value (or event) of these entities; answers how many went. */
  clear(ids: Bitmap): number;
  /** Entities with at least one value (or event). */
  has(): Bitmap;
  /**
   * Groups of `within` by displayed value (events: with an event in `window`), values passing `test`.
   * `withinIsLiveOf` names the dimension ordinal when `within` is exactly its live bitmap (value
   * bitmaps of that dimension's columns are then counted without intersecting).
   */
  groups(test: ValueTest | null, window: Window | null, within: Bitmap, wantSets: boolean, withinIsLiveOf?: number): ValueGroup[];
  /** Sort key per entity (ascending ids): smallest value for "asc", largest for "desc", null when none. */
  sortValues(ids: Uint32Array, dir: "asc" | "desc"): Array<Scalar | null>;
}

export interface AttrCodec extends CodecBase {
  readonly event: false;
  /** latest-value: replaces the value; list-of-values: adds it (an equal value is kept once). */
  put(id: number, value: Scalar, text: string | undefined): void;
  /** Entities holding at least one value that passes `test`. */
  select(test: ValueTest): Bitmap;
  /** select(test) ∧ within, for encodings where a restricted evaluation is cheaper. */
  selectWithin?(test: ValueTest, within: Bitmap): Bitmap;
  /** select(test).size, for encodings that count without building the bitmap. */
  countSelect?(test: ValueTest): number;
  /** `extremes`: also min and max (a column may skip computing them otherwise). */
  metric(within: Bitmap, metric: MetricName, extremes: boolean): MetricPartial;
  /** Values of each entity (ascending ids), sorted by value; empty when none. */
  valuesOf(ids: Uint32Array): StoredValue[][];
}

export interface EventCodec extends CodecBase {
  readonly event: true;
  append(id: number, value: Scalar, t: number): void;
  /**
   * Adds, per entity of `chunk`, the number of its events passing test inside window into `counts`,
   * marking every entity it counted in `touched` (bitset words of the chunk).
   */
  accumulate(test: ValueTest | null, window: Window | null, chunk: number, counts: Uint32Array, touched: Uint32Array): void;
  metric(within: Bitmap, metric: MetricName, window: Window | null, buckets: readonly Bucket[] | null): MetricPartial | Array<[number, MetricPartial]>;
  /** Events of each entity (ascending ids) inside window, by time then value. */
  eventsOf(ids: Uint32Array, window: Window | null): StoredEvent[][];
}

export type Codec = AttrCodec | EventCodec;

export function emptyPartial(): MetricPartial {
  return { count: 0, sum: 0, min: null, max: null };
}

/** count-events counts every value; the other metrics see numbers only. */
export function addToPartial(p: MetricPartial, metric: MetricName, v: Scalar, times = 1): void {
  if (typeof v !== "number") {
    if (metric === "count-events") p.count += times;
    return;
  }
  p.count += times;
  p.sum += v * times;
  if (p.min === null || v < p.min) p.min = v;
  if (p.max === null || v > p.max) p.max = v;
}
