// Event columns (string-event, integer-event, decimal-event): a value dictionary, postings per
// (month, entity chunk) and, per chunk, an "has any event" bitmap. Windowed queries touch only the
// months the window overlaps; month-covering windows skip decoding times altogether.
//
// Exists chunk payload (segment kind "column chunk", key (column, chunk)):
//   u8 layout = 4 | exists: u8 present, [container]
// plus tails (chunk-tail.ts) of the entities added since the base was written: a flush that adds
// entities no longer rewrites the chunk's whole bitmap, and one that adds none writes nothing.

import type { Bucket, MetricName, MetricPartial, Scalar, ValueTest, Window } from "../../contract/plan";
import { Bitmap } from "../bitmap/bitmap";
import { BITSET_WORDS, type Container, containerAdd, containerHas, containerHeapBytes, orIntoWords, singleton } from "../bitmap/container";
import { andC, andNotC } from "../bitmap/container-ops";
import { ByteWriter, FormatError } from "../format/bytes";
import { SegmentKind, frameSegment } from "../format/segment";
import { compareScalars } from "../../contract/value-test";
import type { SegKey } from "../store/blobs";
import type { Segment } from "../store/cache";
import { addToPartial, emptyPartial, type ColumnMeta, type EventCodec, type StoredEvent, type ValueGroup } from "./codec";
import { ChunkedColumn, type ShardIO, chunkKey, insertSorted, openChunkPayload } from "./column-base";
import { readMaybeContainer, writeMaybeContainer } from "./containers-io";
import { ChunkTail, TailOp, type TailedChunk } from "./chunk-tail";
import { matchingCodes } from "./value-bitmaps";
import { PostingsSegment, PostingsSlice } from "./postings";
import { wordsToContainer } from "./bsi";

const LAYOUT = 4;

export class EventExistsChunk implements Segment, TailedChunk {
  readonly tail = new ChunkTail();

  constructor(
    readonly key: SegKey,
    public exists: Container | null,
  ) {}

  /**
   * Marks the entity as having an event; recorded only when it had none. Known entities are tested
   * first: containerAdd would turn a stored run container (dense ids) into a bitset even for them.
   */
  add(local: number): void {
    if (this.exists === null) this.exists = singleton(local);
    else if (containerHas(this.exists, local)) return;
    else this.exists = containerAdd(this.exists, local);
    this.tail.record(TailOp.addEntity, local, 0);
  }

  /** Forgets the selected entities' events: a bulk change, so the next flush rewrites the base. */
  removeAll(selection: Container): void {
    this.exists = this.exists === null ? null : andNotC(this.exists, selection);
    this.tail.requireRewrite();
  }

  replay(op: number, local: number): void {
    if (op !== TailOp.addEntity) throw new FormatError(`event column ${this.key.a} chunk ${this.key.b}: tail operation ${op} is not an event column's`);
    this.add(local);
  }

  heapBytes(): number {
    return 64 + this.tail.heapBytes() + (this.exists === null ? 0 : containerHeapBytes(this.exists));
  }

  encode(): Uint8Array {
    const w = new ByteWriter(64);
    w.u8(LAYOUT);
    writeMaybeContainer(w, this.exists);
    return frameSegment(SegmentKind.columnChunk, w.finish());
  }

  flush(write: (key: SegKey, framed: Uint8Array) => void, remove: (key: SegKey) => void): void {
    this.tail.flush(this.key, this.exists?.n ?? 0, () => this.encode(), write, remove);
  }

  static decode(key: SegKey, framed: Uint8Array): EventExistsChunk {
    const r = openChunkPayload(framed, LAYOUT, `event column ${key.a} chunk ${key.b}`);
    return new EventExistsChunk(key, readMaybeContainer(r));
  }
}

// --- months ------------------------------------------------------------------------------------

/** Month index (year * 12 + month - 1) of an instant, UTC; integer civil-calendar arithmetic (no Date). */
export function monthOf(t: number): number {
  // Howard Hinnant's civil_from_days.
  const z = Math.floor(t / 86_400_000) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return y * 12 + m - 1;
}

const monthStarts = new Map<number, number>();

export function monthStart(m: number): number {
  let t = monthStarts.get(m);
  if (t === undefined) {
    t = Date.UTC(Math.floor(m / 12), m - 12 * Math.floor(m / 12), 1);
    if (monthStarts.size < 100_000) monthStarts.set(m, t);
  }
  return t;
}

function bucketKey(month: number, chunk: number): number {
  return month * 65536 + chunk;
}

function postingsKey(col: number, month: number, chunk: number): SegKey {
  return { kind: SegmentKind.postings, a: col, b: month, c: chunk };
}

function postingsKeyString(col: number, month: number, chunk: number): string {
  return `${SegmentKind.postings}:${col}:${month}:${chunk}`;
}

/** Cache key of one code's slice of a postings segment (a derived entry; segment keys start with a digit). */
function sliceKeyString(col: number, month: number, chunk: number, code: number): string {
  return `s${col}:${month}:${chunk}:${code}`;
}

/** Counts flagging at most this many codes read per-code slices; more read whole segments. */
const SLICE_CODES_MAX = 8;

export class EventColumn extends ChunkedColumn<EventExistsChunk> implements EventCodec {
  readonly event = true;
  private lastMonth = NaN;
  private lastFrom = 0;
  private lastTo = -1;

  constructor(meta: ColumnMeta, io: ShardIO) {
    super(meta, io);
  }

  protected decodeChunk(framed: Uint8Array, chunk: number): EventExistsChunk {
    return EventExistsChunk.decode(chunkKey(this.meta.id, chunk), framed);
  }

  protected newChunk(chunk: number): EventExistsChunk {
    return new EventExistsChunk(chunkKey(this.meta.id, chunk), null);
  }

  // --- postings access --------------------------------------------------------------------------

  /** The stored postings segments of `chunk` for `months`, decoded with their tails; nothing is cached here. */
  private readChunkPostings(chunk: number, months: readonly number[]): Map<number, PostingsSegment> {
    const out = new Map<number, PostingsSegment>();
    for (const m of months) {
      const base = this.io.blobs.readCs(SegmentKind.postings, this.meta.id, m, chunk, chunk);
      if (base.length === 0) continue;
      const tails = this.io.blobs.readCs(SegmentKind.postingsTail, this.meta.id, m, chunk * 65536, chunk * 65536 + 65535).map((t) => t.bytes);
      out.set(m, PostingsSegment.decode(base[0]!.key, monthStart(m), base[0]!.bytes, tails));
    }
    return out;
  }

  /**
   * The postings segment of (month, chunk), paging in every stored month of `months` (this chunk's,
   * ascending) on a miss; `paged` carries them between the calls of one read. A write needs it
   * cached; a read only admits what fits the budget's room, so a scan bigger than the cache does not
   * evict everything it will need again, itself included.
   */
  private postings(
    month: number,
    chunk: number,
    months: readonly number[],
    forWrite: boolean,
    paged: { map: Map<number, PostingsSegment> | null } = { map: null },
    toSlice = false,
  ): PostingsSegment | null {
    const key = postingsKeyString(this.meta.id, month, chunk);
    // Slicing a cached segment is not a use of it: it keeps its place in the LRU order, older than
    // the slices taken from it, so the budget evicts it before them.
    const cached = toSlice ? this.io.cache.peekQuiet<PostingsSegment>(key) : this.io.cache.peek<PostingsSegment>(key);
    if (cached !== undefined) return cached;
    if (paged.map === null)
      paged.map = this.readChunkPostings(
        chunk,
        months.filter((m) => m === month || !this.io.cache.has(postingsKeyString(this.meta.id, m, chunk))),
      );
    const seg = paged.map.get(month) ?? null;
    if (seg === null) return null;
    if (forWrite) this.io.cache.offer(key, seg);
    else this.io.cache.admit(key, seg);
    return seg;
  }

  /** Stored months of `chunk` overlapping the window, ascending. */
  private monthsOf(chunk: number, window: Window | null): number[] {
    let lo = -Infinity;
    let hi = Infinity;
    if (window !== null) {
      if (window.from > window.to) return [];
      lo = monthOf(window.from);
      hi = monthOf(window.to);
    }
    const months: number[] = [];
    for (const b of this.meta.buckets) {
      const m = Math.floor(b / 65536);
      if (b - m * 65536 === chunk && m >= lo && m <= hi) months.push(m);
    }
    return months;
  }

  /** (month, segment) of every stored bucket of `chunk` overlapping the window. */
  private buckets(chunk: number, window: Window | null): Array<[number, PostingsSegment]> {
    const months = this.monthsOf(chunk, window);
    if (months.length === 0) return [];
    const out: Array<[number, PostingsSegment]> = [];
    const paged = { map: null };
    for (const m of months) {
      const seg = this.postings(m, chunk, months, false, paged);
      if (seg !== null) out.push([m, seg]);
    }
    return out;
  }

  // --- per-code slices (what counts over a few codes keep cached) ---------------------------------

  /** Writes per bucket (month, chunk) since this column was opened: a slice taken earlier is stale. */
  private readonly versions = new Map<number, number>();

  private versionOf(bk: number): number {
    return this.versions.get(bk) ?? 0;
  }

  /**
   * Counts the flagged `codes` of chunk's months in the window from their cached slices, paging in
   * (and slicing) the segments of any month whose slices are missing or stale.
   */
  private countSlices(codes: readonly number[], window: Window | null, chunk: number, counts: Uint32Array, touched: Uint32Array): void {
    const months = this.monthsOf(chunk, window);
    if (months.length === 0) return;
    const from = window?.from ?? -Infinity;
    const to = window?.to ?? Infinity;
    const paged = { map: null };
    for (const m of months) {
      const whole = from <= monthStart(m) && to >= monthStart(m + 1) - 1;
      const version = this.versionOf(bucketKey(m, chunk));
      let seg: PostingsSegment | null | undefined;
      for (const code of codes) {
        const key = sliceKeyString(this.meta.id, m, chunk, code);
        let s = this.io.cache.peek<PostingsSlice>(key);
        if (s === undefined || s.version !== version) {
          if (seg === undefined) seg = this.postings(m, chunk, months, false, paged, true);
          if (seg === null) break; // no stored segment for this bucket
          s = seg.slice(code, version);
          this.io.cache.store(key, s);
        }
        s.countInto(from, to, whole, counts, touched);
      }
    }
  }

  private readonly writePostings = new Map<number, PostingsSegment>();
  private bucketSet: Set<number> | null = null;

  protected override onNewEpoch(): void {
    this.writePostings.clear();
  }

  private postingsForWrite(month: number, chunk: number): PostingsSegment {
    const bk = bucketKey(month, chunk);
    this.versions.set(bk, this.versionOf(bk) + 1);
    if (this.writeHandlesValid()) {
      const s = this.writePostings.get(bk);
      if (s !== undefined) return s;
    }
    if (this.bucketSet === null) this.bucketSet = new Set(this.meta.buckets);
    const key = postingsKeyString(this.meta.id, month, chunk);
    let seg = this.bucketSet.has(bk) ? this.postings(month, chunk, [month], true) : null;
    if (seg === null) {
      seg = PostingsSegment.empty(postingsKey(this.meta.id, month, chunk), monthStart(month));
      this.io.cache.put(key, seg);
      insertSorted(this.meta.buckets, bk);
      this.bucketSet.add(bk);
      this.io.metaChanged(this.meta);
    } else this.io.cache.markDirty(key);
    this.writePostings.set(bk, seg);
    return seg;
  }

  private cachedMonth(t: number): number {
    if (t >= this.lastFrom && t <= this.lastTo) return this.lastMonth;
    const m = monthOf(t);
    this.lastMonth = m;
    this.lastFrom = monthStart(m);
    this.lastTo = monthStart(m + 1) - 1;
    return m;
  }

  // --- writes --------------------------------------------------------------------------------------

  append(id: number, value: Scalar, t: number): void {
    if (!Number.isSafeInteger(t)) throw new Error(`segment engine: event time ${t} is not an integer number of milliseconds`);
    const code = this.dictForWrite().intern(value);
    const chunk = id >>> 16;
    const local = id & 0xffff;
    this.postingsForWrite(this.cachedMonth(t), chunk).append(local, code, t);
    this.chunkForWrite(chunk).add(local);
  }

  clear(ids: Bitmap): number {
    let removed = 0;
    for (let i = 0; i < ids.keys.length; i++) {
      const k = ids.keys[i]!;
      const ex = this.chunk(k);
      if (ex === null || ex.exists === null) continue;
      const sel = andC(ids.cs[i]!, ex.exists);
      if (sel === null) continue;
      const w = new Uint32Array(BITSET_WORDS);
      orIntoWords(w, sel);
      for (const [m] of this.buckets(k, null)) {
        removed += this.postingsForWrite(m, k).removeEntities((l) => (w[l >>> 5]! & (1 << (l & 31))) !== 0);
      }
      this.chunkForWrite(k).removeAll(sel);
    }
    return removed;
  }

  // --- reads ---------------------------------------------------------------------------------------

  has(): Bitmap {
    const out = new Bitmap();
    for (const k of this.meta.chunks) out.push(k, this.chunk(k)?.exists ?? null);
    return out;
  }

  private codeFlags(test: ValueTest | null): Uint8Array | null {
    if (test === null) return null;
    const dict = this.dict();
    const flags = new Uint8Array(dict.size);
    for (const c of matchingCodes(dict, test)) flags[c] = 1;
    return flags;
  }

  accumulate(test: ValueTest | null, window: Window | null, chunk: number, counts: Uint32Array, touched: Uint32Array): void {
    this.accumulateFlags(this.codeFlags(test), window, chunk, counts, touched);
  }

  private accumulateFlags(flags: Uint8Array | null, window: Window | null, chunk: number, counts: Uint32Array, touched: Uint32Array): void {
    if (flags !== null) {
      const codes: number[] = [];
      for (let c = 0; c < flags.length && codes.length <= SLICE_CODES_MAX; c++) if (flags[c] === 1) codes.push(c);
      if (codes.length <= SLICE_CODES_MAX) return this.countSlices(codes, window, chunk, counts, touched);
    }
    const from = window?.from ?? -Infinity;
    const to = window?.to ?? Infinity;
    for (const [m, seg] of this.buckets(chunk, window)) {
      const whole = from <= monthStart(m) && to >= monthStart(m + 1) - 1;
      seg.countInto(flags, from, to, whole, counts, touched);
    }
  }

  /** Visits every event of the chunk in the window: (local, code, t). */
  private visit(chunk: number, window: Window | null, flags: Uint8Array | null, fn: (local: number, code: number, t: number) => void): void {
    const from = window?.from ?? -Infinity;
    const to = window?.to ?? Infinity;
    for (const [, seg] of this.buckets(chunk, window)) {
      seg.bytes(); // merges appends not yet in the sorted base, so the directory is complete
      for (let i = 0; i < seg.codes.length; i++) {
        const code = seg.codes[i]!;
        if (flags !== null && flags[code] !== 1) continue;
        seg.scan(i, true, (local, t) => {
          if (t >= from && t <= to) fn(local, code, t);
        });
      }
    }
  }

  groups(test: ValueTest | null, window: Window | null, within: Bitmap, wantSets: boolean): ValueGroup[] {
    const dict = this.dict();
    const flags = this.codeFlags(test);
    const perCode = new Map<number, Bitmap>();
    for (let i = 0; i < within.keys.length; i++) {
      const k = within.keys[i]!;
      if (this.chunk(k) === null) continue;
      const w = new Uint32Array(BITSET_WORDS);
      orIntoWords(w, within.cs[i]!);
      const locals = new Map<number, Uint32Array>();
      this.visit(k, window, flags, (local, code) => {
        if ((w[local >>> 5]! & (1 << (local & 31))) === 0) return;
        let words = locals.get(code);
        if (words === undefined) locals.set(code, (words = new Uint32Array(BITSET_WORDS)));
        words[local >>> 5] = words[local >>> 5]! | (1 << (local & 31));
      });
      for (const [code, words] of locals) {
        let b = perCode.get(code);
        if (b === undefined) perCode.set(code, (b = new Bitmap()));
        b.push(k, wordsToContainer(words));
      }
    }
    const byDisplay = new Map<string, Bitmap[]>();
    for (const [code, b] of perCode) {
      const d = dict.display(code);
      const list = byDisplay.get(d);
      if (list === undefined) byDisplay.set(d, [b]);
      else list.push(b);
    }
    return [...byDisplay].map(([display, list]) => {
      const set = Bitmap.orMany(list);
      return { display, count: set.size, set: wantSets ? set : null };
    });
  }

  metric(within: Bitmap, metric: MetricName, window: Window | null, buckets: readonly Bucket[] | null): MetricPartial | Array<[number, MetricPartial]> {
    const dict = this.dict();
    const plain = emptyPartial();
    const partials = buckets === null ? null : buckets.map(() => emptyPartial());
    const finder = buckets === null ? null : bucketFinder(buckets);
    for (let i = 0; i < within.keys.length; i++) {
      const k = within.keys[i]!;
      if (this.chunk(k) === null) continue;
      const w = new Uint32Array(BITSET_WORDS);
      orIntoWords(w, within.cs[i]!);
      this.visit(k, window, null, (local, code, t) => {
        if ((w[local >>> 5]! & (1 << (local & 31))) === 0) return;
        const v = dict.value(code);
        if (finder === null) addToPartial(plain, metric, v);
        else finder(t, (b) => addToPartial(partials![b]!, metric, v));
      });
    }
    if (partials === null) return plain;
    const out: Array<[number, MetricPartial]> = [];
    partials.forEach((p, b) => {
      if (p.count > 0) out.push([b, p]);
    });
    return out;
  }

  eventsOf(ids: Uint32Array, window: Window | null): StoredEvent[][] {
    const dict = this.dict();
    const out: StoredEvent[][] = Array.from(ids, () => []);
    const sel = Bitmap.fromSorted(ids);
    const pos = new Map<number, number>();
    ids.forEach((id, i) => pos.set(id, i));
    for (let i = 0; i < sel.keys.length; i++) {
      const k = sel.keys[i]!;
      if (this.chunk(k) === null) continue;
      const w = new Uint32Array(BITSET_WORDS);
      orIntoWords(w, sel.cs[i]!);
      this.visit(k, window, null, (local, code, t) => {
        if ((w[local >>> 5]! & (1 << (local & 31))) === 0) return;
        out[pos.get(k * 65536 + local)!]!.push({ value: dict.value(code), t });
      });
    }
    for (const list of out) list.sort((a, b) => a.t - b.t || compareScalars(a.value, b.value));
    return out;
  }

  sortValues(ids: Uint32Array, dir: "asc" | "desc"): Array<Scalar | null> {
    return this.eventsOf(ids, null).map((events) => {
      let best: Scalar | null = null;
      for (const { value } of events) {
        if (best === null) best = value;
        else {
          const c = compareScalars(value, best);
          if (dir === "asc" ? c < 0 : c > 0) best = value;
        }
      }
      return best;
    });
  }
}

/** Maps an event time to the indexes of the half-open buckets holding it (binary search when disjoint). */
function bucketFinder(buckets: readonly Bucket[]): (t: number, fn: (b: number) => void) => void {
  const order = buckets.map((_, i) => i).sort((a, b) => buckets[a]!.from - buckets[b]!.from);
  let disjoint = true;
  for (let i = 1; i < order.length; i++) if (buckets[order[i]!]!.from < buckets[order[i - 1]!]!.to) disjoint = false;
  if (!disjoint) {
    return (t, fn) => {
      buckets.forEach((b, i) => {
        if (t >= b.from && t < b.to) fn(i);
      });
    };
  }
  const froms = order.map((i) => buckets[i]!.from);
  return (t, fn) => {
    let lo = 0;
    let hi = froms.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (froms[mid]! <= t) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at < 0) return;
    const b = order[at]!;
    if (t < buckets[b]!.to) fn(b);
  };
}
