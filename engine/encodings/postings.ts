// Event postings of one (event column, month, entity chunk): for every value code, the entities
// (delta-coded, ascending) and event times (offset from the month start in units of the segment's
// time step, e.g. whole days when every event is stamped at midnight). Queries decode only the codes
// and months they need. Each flush stores only the events appended since the previous one, as a small
// tail row; the sorted base is rewritten (tails merged in, tail rows dropped) only when the tails
// reach half the base, so ingest re-encodes each event a few times rather than once per batch.
// Counts read unmerged tails as they are; other readers merge them in memory first.
//
// Base payload (segment kind "postings", key (column, month, chunk)):
//   u8 layout = 1 | f64 month start (epoch ms) | f64 time unit (ms, >= 1) | u32 code count K |
//   K x (u32 code, u32 events, u32 entity bytes, u32 time bytes)          -- ascending codes
//   then per code: events x varint(entity - previous entity), events x varint((t - start) / unit)
//   then u32 0 (room for an inline tail; always empty in base rows)
// Tail payload (segment kind "postings tail", key (column, month, chunk * 65536 + sequence)):
//   u8 layout = 2 | u32 count T | T x (varint code, varint entity, varint (t - month start))

import { ByteReader, ByteWriter, FormatError } from "../format/bytes";
import { SegmentKind, frameSegment, unframeSegment } from "../format/segment";
import type { SegKey } from "../store/blobs";
import type { Segment } from "../store/cache";
import { POSTINGS_TAIL_MERGE_EVENTS_MIN, POSTINGS_TAIL_ROWS_MAX } from "../../contract/limits";

const LAYOUT = 1;
const TAIL_LAYOUT = 2;

/** Decoded, mutable form: parallel arrays, the sorted base plus an unsorted tail of appends. */
interface OpenPostings {
  codes: number[];
  locals: number[];
  offs: number[];
  sorted: number; // events [0, sorted) are in (code, local, offset) order
}

interface Tail {
  codes: number[];
  locals: number[];
  offs: number[];
}

const emptyTail = (): Tail => ({ codes: [], locals: [], offs: [] });

export class PostingsSegment implements Segment {
  // Encoded base (null while open), plus appends not merged into it yet.
  private buf: Uint8Array | null = null;
  private tail: Tail = emptyTail();
  /** Appends since the last flush (also in `tail` or the open form): the next tail row. */
  private unflushed: Tail = emptyTail();
  /** Tail rows stored after the stored base. */
  private storedTails = 0;
  /** Whether a base row is stored (a new segment writes its base first). */
  private baseStored = false;
  codes = new Uint32Array(0);
  counts = new Uint32Array(0);
  entAt = new Uint32Array(0);
  timeAt = new Uint32Array(0);
  unit = 1;
  private open: OpenPostings | null = null;

  constructor(
    readonly key: SegKey,
    readonly start: number,
  ) {}

  static empty(key: SegKey, start: number): PostingsSegment {
    const s = new PostingsSegment(key, start);
    s.open = { codes: [], locals: [], offs: [], sorted: 0 };
    return s;
  }

  private get baseEvents(): number {
    let n = 0;
    for (let i = 0; i < this.counts.length; i++) n += this.counts[i]!;
    return n;
  }

  get events(): number {
    if (this.open !== null) return this.open.codes.length;
    return this.baseEvents + this.tail.codes.length;
  }

  // --- reading (encoded form) ------------------------------------------------------------------

  /** The encoded base with every append merged in (queries read only this form). */
  bytes(): Uint8Array {
    if (this.open === null && this.tail.codes.length > 0) this.opened();
    if (this.open !== null) this.seal();
    return this.buf!;
  }

  /** Index of `code` in the directory, or -1. */
  find(code: number): number {
    const codes = this.codes;
    let lo = 0;
    let hi = codes.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = codes[mid]!;
      if (c < code) lo = mid + 1;
      else if (c > code) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  /**
   * Calls fn(local, t) for every event of directory entry i (t in epoch ms). With `needTime` false
   * the time stream is not decoded and t is NaN.
   */
  scan(i: number, needTime: boolean, fn: (local: number, t: number) => void): void {
    this.scanBase(this.bytes(), i, needTime, fn);
  }

  private scanBase(buf: Uint8Array, i: number, needTime: boolean, fn: (local: number, t: number) => void): void {
    const n = this.counts[i]!;
    let p = this.entAt[i]!;
    let q = this.timeAt[i]!;
    let e = 0;
    const unit = this.unit;
    const start = this.start;
    for (let k = 0; k < n; k++) {
      let b = buf[p++]!;
      let d = b & 0x7f;
      if (b >= 0x80) {
        b = buf[p++]!;
        d |= (b & 0x7f) << 7;
        if (b >= 0x80) d |= (buf[p++]! & 0x7f) << 14;
      }
      e += d;
      if (!needTime) {
        fn(e, NaN);
        continue;
      }
      let v = 0;
      let mul = 1;
      for (;;) {
        const c = buf[q++]!;
        v += (c & 0x7f) * mul;
        if (c < 0x80) break;
        mul *= 128;
      }
      fn(e, start + v * unit);
    }
  }

  /**
   * counts[local] += number of events of the flagged codes with t in [from, to], marking each counted
   * local in `touched` (bitset words) so callers visit only those; the hot loop of minfreq, freqgroup
   * and count-event. `whole` = the window covers the whole month (skip times). Appends not merged
   * into the base yet are counted from the tail as they are: a segment paged in with stored tails is
   * counted without re-encoding it (that merge costs far more than the count).
   */
  countInto(flags: Uint8Array | null, from: number, to: number, whole: boolean, counts: Uint32Array, touched: Uint32Array): void {
    if (this.open !== null) this.seal();
    const buf = this.buf!;
    const unit = this.unit;
    const lo = (from - this.start) / unit;
    const hi = (to - this.start) / unit;
    for (let i = 0; i < this.codes.length; i++) {
      const code = this.codes[i]!;
      if (flags !== null && (code >= flags.length || flags[code] !== 1)) continue;
      countRun(buf, this.entAt[i]!, this.timeAt[i]!, this.counts[i]!, whole, lo, hi, counts, touched);
    }
    const tail = this.tail;
    const tlo = from - this.start;
    const thi = to - this.start;
    for (let i = 0; i < tail.codes.length; i++) {
      const code = tail.codes[i]!;
      if (flags !== null && (code >= flags.length || flags[code] !== 1)) continue;
      const off = tail.offs[i]!;
      if (!whole && (off < tlo || off > thi)) continue;
      const e = tail.locals[i]!;
      counts[e]!++;
      touched[e >>> 5] = touched[e >>> 5]! | (1 << (e & 31));
    }
  }

  /**
   * The events of one value code (base slice and unmerged tail), copied out so the projection keeps
   * none of this segment's buffers alive; `version` is the owner's write count when it was taken.
   */
  slice(code: number, version: number): PostingsSlice {
    if (this.open !== null) this.seal();
    const buf = this.buf!;
    const i = this.find(code);
    let n = 0;
    let data = EMPTY_BYTES;
    let timeAt = 0;
    if (i >= 0) {
      n = this.counts[i]!;
      const end = i + 1 < this.codes.length ? this.entAt[i + 1]! : buf.length;
      data = buf.slice(this.entAt[i]!, end);
      timeAt = this.timeAt[i]! - this.entAt[i]!;
    }
    const tail = this.tail;
    let m = 0;
    for (let j = 0; j < tail.codes.length; j++) if (tail.codes[j] === code) m++;
    const tailLocals = new Uint16Array(m);
    const tailOffs = new Float64Array(m);
    m = 0;
    for (let j = 0; j < tail.codes.length; j++) {
      if (tail.codes[j] !== code) continue;
      tailLocals[m] = tail.locals[j]!;
      tailOffs[m++] = tail.offs[j]!;
    }
    return new PostingsSlice(version, this.start, this.unit, n, data, timeAt, tailLocals, tailOffs);
  }

  // --- writing (open form) -----------------------------------------------------------------------

  private opened(): OpenPostings {
    if (this.open !== null) return this.open;
    const o: OpenPostings = { codes: [], locals: [], offs: [], sorted: 0 };
    const buf = this.buf!;
    for (let i = 0; i < this.codes.length; i++) {
      const code = this.codes[i]!;
      this.scanBase(buf, i, true, (local, t) => {
        o.codes.push(code);
        o.locals.push(local);
        o.offs.push(t - this.start);
      });
    }
    o.sorted = o.codes.length;
    const tail = this.tail;
    for (let i = 0; i < tail.codes.length; i++) {
      o.codes.push(tail.codes[i]!);
      o.locals.push(tail.locals[i]!);
      o.offs.push(tail.offs[i]!);
    }
    this.tail = emptyTail();
    this.open = o;
    this.buf = null;
    return o;
  }

  /** Appends to the open form when open, else to the tail (the base stays encoded). */
  append(local: number, code: number, t: number): void {
    const off = t - this.start;
    const o = this.open ?? this.tail;
    o.codes.push(code);
    o.locals.push(local);
    o.offs.push(off);
    const u = this.unflushed;
    u.codes.push(code);
    u.locals.push(local);
    u.offs.push(off);
  }

  /** Drops the events of entities flagged in `drop` (by local id); answers how many went. */
  removeEntities(drop: (local: number) => boolean): number {
    const o = this.opened();
    let k = 0;
    let sortedKept = 0;
    for (let i = 0; i < o.codes.length; i++) {
      if (drop(o.locals[i]!)) continue;
      o.codes[k] = o.codes[i]!;
      o.locals[k] = o.locals[i]!;
      o.offs[k] = o.offs[i]!;
      if (i < o.sorted) sortedKept++;
      k++;
    }
    const removed = o.codes.length - k;
    o.codes.length = k;
    o.locals.length = k;
    o.offs.length = k;
    o.sorted = sortedKept;
    return removed;
  }

  /** Encodes the open form into the compact form (sort the tail, merge, delta/varint code). */
  private seal(): void {
    const o = this.open!;
    const n = o.codes.length;
    const order = mergeOrder(o);
    let unit = 0;
    for (let i = 0; i < n; i++) unit = gcd(unit, o.offs[i]!);
    if (unit === 0) unit = 1;
    const dir: Array<[number, number, number, number]> = [];
    const ents = new ByteWriter(2 * n + 16);
    const times = new ByteWriter(2 * n + 16);
    const parts: Array<[Uint8Array, Uint8Array]> = [];
    let i = 0;
    while (i < n) {
      const code = o.codes[order[i]!]!;
      ents.length = 0;
      times.length = 0;
      let prev = 0;
      let count = 0;
      while (i < n && o.codes[order[i]!] === code) {
        const j = order[i]!;
        ents.varint(o.locals[j]! - prev);
        prev = o.locals[j]!;
        times.varint(o.offs[j]! / unit);
        count++;
        i++;
      }
      const e = ents.finish();
      const t = times.finish();
      parts.push([e, t]);
      dir.push([code, count, e.length, t.length]);
    }
    const w = new ByteWriter(32 + 16 * dir.length + n * 3);
    w.u8(LAYOUT);
    w.f64(this.start);
    w.f64(unit);
    w.u32(dir.length);
    for (const [code, count, eb, tb] of dir) {
      w.u32(code);
      w.u32(count);
      w.u32(eb);
      w.u32(tb);
    }
    for (const [e, t] of parts) {
      w.bytes(e);
      w.bytes(t);
    }
    w.u32(0); // empty tail
    this.open = null;
    this.load(w.finish());
  }

  /** Parses an encoded payload into the directory (validating lengths and order). */
  private load(payload: Uint8Array): void {
    const r = new ByteReader(payload);
    const layout = r.u8();
    if (layout !== LAYOUT) throw new FormatError(`postings layout ${layout}, expected ${LAYOUT}`);
    const start = r.f64();
    if (start !== this.start) throw new FormatError(`postings month start ${start}, expected ${this.start}`);
    const unit = r.f64();
    if (!(unit >= 1) || !Number.isInteger(unit)) throw new FormatError(`postings time unit ${unit}`);
    const k = r.u32();
    if (k > r.remaining / 16) throw new FormatError(`postings directory of ${k} codes does not fit`);
    const codes = new Uint32Array(k);
    const counts = new Uint32Array(k);
    const entAt = new Uint32Array(k);
    const timeAt = new Uint32Array(k);
    const sizes: number[] = [];
    for (let i = 0; i < k; i++) {
      codes[i] = r.u32();
      counts[i] = r.u32();
      sizes.push(r.u32(), r.u32());
      if (i > 0 && codes[i]! <= codes[i - 1]!) throw new FormatError(`postings codes not increasing`);
    }
    let at = r.pos;
    for (let i = 0; i < k; i++) {
      entAt[i] = at;
      at += sizes[2 * i]!;
      timeAt[i] = at;
      at += sizes[2 * i + 1]!;
    }
    if (at > payload.length) throw new FormatError(`postings data is ${payload.length - r.pos} bytes, directory says ${at - r.pos}`);
    const t = new ByteReader(payload, at);
    const n = t.u32();
    const tail = emptyTail();
    for (let i = 0; i < n; i++) {
      tail.codes.push(t.varint());
      tail.locals.push(t.varint());
      tail.offs.push(t.varint());
      if (tail.locals[i]! > 0xffff) throw new FormatError(`postings tail entity ${tail.locals[i]} out of the chunk`);
    }
    if (t.remaining !== 0) throw new FormatError(`${t.remaining} trailing bytes after the postings tail`);
    this.buf = payload.subarray(0, at);
    this.tail = tail;
    this.codes = codes;
    this.counts = counts;
    this.entAt = entAt;
    this.timeAt = timeAt;
    this.unit = unit;
  }

  /** A stored segment: its base row and its tail rows in sequence order. */
  static decode(key: SegKey, start: number, framed: Uint8Array, tails: readonly Uint8Array[] = []): PostingsSegment {
    const s = new PostingsSegment(key, start);
    s.load(unframeSegment(framed, SegmentKind.postings).slice());
    s.baseStored = true;
    for (const t of tails) {
      const r = new ByteReader(unframeSegment(t, SegmentKind.postingsTail));
      const layout = r.u8();
      if (layout !== TAIL_LAYOUT) throw new FormatError(`postings tail layout ${layout}, expected ${TAIL_LAYOUT}`);
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        s.tail.codes.push(r.varint());
        const local = r.varint();
        if (local > 0xffff) throw new FormatError(`postings tail entity ${local} out of the chunk`);
        s.tail.locals.push(local);
        s.tail.offs.push(r.varint());
      }
      if (r.remaining !== 0) throw new FormatError(`${r.remaining} trailing bytes after a postings tail`);
      s.storedTails++;
    }
    return s;
  }

  private tailKey(seq: number): SegKey {
    return { kind: SegmentKind.postingsTail, a: this.key.a, b: this.key.b, c: this.key.c * 65536 + seq };
  }

  heapBytes(): number {
    if (this.open !== null) return 128 + 24 * this.open.codes.length;
    return 128 + (this.buf?.byteLength ?? 0) + 16 * this.codes.length + 24 * this.tail.codes.length;
  }

  /**
   * Stores the appends since the last flush as one tail row, or, when the tails have grown to half
   * the base (or the segment was opened by a removal), rewrites the base and drops the tail rows.
   */
  flush(write: (key: SegKey, framed: Uint8Array) => void, remove: (key: SegKey) => void): void {
    const tailN = this.tail.codes.length;
    const merge = !this.baseStored || this.open !== null || this.storedTails >= POSTINGS_TAIL_ROWS_MAX || (tailN >= POSTINGS_TAIL_MERGE_EVENTS_MIN && 2 * tailN >= this.baseEvents);
    if (merge) {
      const base = this.bytes();
      const w = new ByteWriter(base.length + 4);
      w.bytes(base);
      w.u32(0);
      write(this.key, frameSegment(SegmentKind.postings, w.finish()));
      for (let i = 0; i < this.storedTails; i++) remove(this.tailKey(i));
      this.storedTails = 0;
      this.baseStored = true;
    } else if (this.unflushed.codes.length > 0) {
      const u = this.unflushed;
      const w = new ByteWriter(5 + 6 * u.codes.length);
      w.u8(TAIL_LAYOUT);
      w.u32(u.codes.length);
      for (let i = 0; i < u.codes.length; i++) {
        w.varint(u.codes[i]!);
        w.varint(u.locals[i]!);
        w.varint(u.offs[i]!);
      }
      write(this.tailKey(this.storedTails++), frameSegment(SegmentKind.postingsTail, w.finish()));
    }
    this.unflushed = emptyTail();
  }
}

const EMPTY_BYTES = new Uint8Array(0);

/**
 * counts[local] += 1 for each of the n events of one code whose entity deltas start at p and time
 * offsets (in units) at q, when the offset is in [lo, hi] or `whole`; marks counted locals in `touched`.
 */
function countRun(buf: Uint8Array, p: number, q: number, n: number, whole: boolean, lo: number, hi: number, counts: Uint32Array, touched: Uint32Array): void {
  let e = 0;
  if (whole) {
    for (let k = 0; k < n; k++) {
      let b = buf[p++]!;
      let d = b & 0x7f;
      if (b >= 0x80) {
        b = buf[p++]!;
        d |= (b & 0x7f) << 7;
        if (b >= 0x80) d |= (buf[p++]! & 0x7f) << 14;
      }
      e += d;
      counts[e]!++;
      touched[e >>> 5] = touched[e >>> 5]! | (1 << (e & 31));
    }
    return;
  }
  for (let k = 0; k < n; k++) {
    let b = buf[p++]!;
    let d = b & 0x7f;
    if (b >= 0x80) {
      b = buf[p++]!;
      d |= (b & 0x7f) << 7;
      if (b >= 0x80) d |= (buf[p++]! & 0x7f) << 14;
    }
    e += d;
    let v = 0;
    let mul = 1;
    for (;;) {
      const c = buf[q++]!;
      v += (c & 0x7f) * mul;
      if (c < 0x80) break;
      mul *= 128;
    }
    if (v >= lo && v <= hi) {
      counts[e]!++;
      touched[e >>> 5] = touched[e >>> 5]! | (1 << (e & 31));
    }
  }
}

/**
 * One value code's events of one (column, month, chunk) postings segment, cached on its own: a count
 * over a few codes keeps only their slices resident (a few percent of the segments), so a working
 * set of segments far above the cache budget still runs from memory. Derived and never dirty; its
 * owner (EventColumn) compares `version` with the segment's write count to drop stale ones.
 */
export class PostingsSlice implements Segment {
  constructor(
    readonly version: number,
    readonly start: number,
    readonly unit: number,
    readonly n: number,
    /** The code's entity deltas, then (from timeAt) its time offsets, as in the base. */
    readonly data: Uint8Array,
    readonly timeAt: number,
    readonly tailLocals: Uint16Array,
    readonly tailOffs: Float64Array,
  ) {}

  heapBytes(): number {
    return 200 + this.data.byteLength + this.tailLocals.byteLength + this.tailOffs.byteLength;
  }

  flush(): void {}

  /** PostingsSegment.countInto restricted to this code. */
  countInto(from: number, to: number, whole: boolean, counts: Uint32Array, touched: Uint32Array): void {
    const unit = this.unit;
    if (this.n > 0) countRun(this.data, 0, this.timeAt, this.n, whole, (from - this.start) / unit, (to - this.start) / unit, counts, touched);
    const offs = this.tailOffs;
    const locals = this.tailLocals;
    const tlo = from - this.start;
    const thi = to - this.start;
    for (let i = 0; i < locals.length; i++) {
      const off = offs[i]!;
      if (!whole && (off < tlo || off > thi)) continue;
      const e = locals[i]!;
      counts[e]!++;
      touched[e >>> 5] = touched[e >>> 5]! | (1 << (e & 31));
    }
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Event order (code, local, offset): the sorted base merged with the sorted tail. */
function mergeOrder(o: OpenPostings): Uint32Array {
  const n = o.codes.length;
  const cmp = (a: number, b: number): number => o.codes[a]! - o.codes[b]! || o.locals[a]! - o.locals[b]! || o.offs[a]! - o.offs[b]!;
  const tail = Array.from({ length: n - o.sorted }, (_, i) => o.sorted + i).sort(cmp);
  const out = new Uint32Array(n);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < o.sorted && j < tail.length) out[k++] = cmp(i, tail[j]!) <= 0 ? i++ : tail[j++]!;
  while (i < o.sorted) out[k++] = i++;
  while (j < tail.length) out[k++] = tail[j++]!;
  return out;
}
