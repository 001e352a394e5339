// One chunk of a bit-sliced index (FeatureBase's int layout): an exists bitmap, a sign bitmap and
// one bitmap per magnitude bit, plus "odd" values that do not fit a scaled integer below 2^52
// (kept exactly, evaluated one by one). Datetime columns also carry a forward array of text codes.
// Range, min, max and sum cost a fixed number of bitmap passes per slice, whatever the selectivity.
//
// Chunk payload (segment kind "column chunk", key (column, chunk)):
//   u8 layout = 2 | u8 has-forward, [forward: u8 width, [u32 n, n words]] | exists: u8 present, [container] |
//   sign: u8 present, [container] | u8 slice count B | B x (u8 present, [container]) |
//   u32 odd count | odd x (u16 entity, f64 value)

import {
  ARRAY_MAX,
  BITSET,
  BITSET_WORDS,
  type Container,
  containerAdd,
  containerHas,
  containerHeapBytes,
  containerRemove,
  fromWords,
  orIntoWords,
  popcount32,
  singleton,
  toValues,
} from "../bitmap/container";
import { andC, andCountC, andNotC } from "../bitmap/container-ops";
import { ByteWriter, FormatError } from "../format/bytes";
import { SegmentKind, frameSegment } from "../format/segment";
import type { SegKey } from "../store/blobs";
import type { Segment } from "../store/cache";
import { openChunkPayload } from "./column-base";
import { readMaybeContainer, writeMaybeContainer } from "./containers-io";
import { kernel } from "../kernel/kernel";
import { COST, pathsTaken, perEntity } from "./paths";
import { PackedCodes } from "./packed";
import { ChunkTail, TailOp, type TailedChunk } from "./chunk-tail";

const LAYOUT = 2;
/** Stored integers stay below this magnitude so every step of the arithmetic is exact in a double. */
export const BSI_MAGNITUDE_LIMIT = 2 ** 52;
const POW2: number[] = Array.from({ length: 54 }, (_, j) => 2 ** j);
const ZERO_WORDS = new Uint32Array(BITSET_WORDS);
const CHUNK_LOCALS = 65536;

/** Word views of a chunk for the kernels, built on first query and dropped by any write. */
interface BsiViews {
  ints: Uint32Array; // entities holding a stored integer (exists minus odd)
  intsC: Container | null;
  sign: Uint32Array;
  slices: Uint32Array[];
  /** Every stored integer by local (0 where none), once gathers have paid for it (decodedInts). */
  decoded: Int32Array | null;
  /** Entities the gathers read since the views were built (the rent of the ski rental). */
  gathered: number;
  /** Entities holding a stored integer (the bits of `ints`). */
  stored: number;
}

/**
 * Gathering one entity's integer reads every slice (~0.8 ns each); the decoded array answers it
 * with one read. Building it (a 32 x 32 bit transpose per word of entities holding an integer) costs
 * about one gather of every entity of the chunk. A ski rental that buys early: once the gathers since
 * the last write have read an eighth of the chunk's stored integers, the chunk builds it, because a
 * column aggregated by group is usually aggregated again (the worst case, no further query, pays the
 * rent plus the price, nine times the rent). The rent scales with the chunk's own entities (a
 * partly filled last chunk decodes as soon as a full one), so a query that reads a tenth of every
 * chunk decodes all of them on its second run, not chunk by chunk over the next few; each switch
 * of a chunk's path runs code V8 has not optimised yet. Only chunks of at most 31 slices, whose
 * integers fit an int32.
 */
const DECODE_AFTER_SHARE = 1 / 8;
/** Test override: decode once gathers read this many entities (0: on the first gather); null: the share. */
let decodeAfter: number | null = null;

/** Sets the rent after which chunks decode (tests: 0 decodes on the first gather); null restores it. */
export function decodeIntsAfter(entities: number | null): void {
  decodeAfter = entities;
}
const DECODE_MAX_SLICES = 31;

export class BsiChunk implements Segment, TailedChunk {
  private views: BsiViews | null = null;
  readonly tail = new ChunkTail();

  constructor(
    readonly key: SegKey,
    public exists: Container | null,
    public sign: Container | null,
    public slices: Array<Container | null>,
    public odd: Map<number, number>,
    public fwd: PackedCodes | null,
  ) {}

  static empty(key: SegKey, withForward: boolean): BsiChunk {
    return new BsiChunk(key, null, null, [], new Map(), withForward ? PackedCodes.empty() : null);
  }

  present(local: number): boolean {
    return this.exists !== null && containerHas(this.exists, local);
  }

  /** Stores the signed integer n (|n| < 2^52) for the entity, replacing what it had. */
  setInt(local: number, n: number): void {
    this.views = null;
    const had = this.present(local) && !this.odd.delete(local);
    const mag = Math.abs(n);
    while (this.slices.length < 53 && POW2[this.slices.length]! <= mag) this.slices.push(null);
    let rest = mag;
    for (let j = 0; j < this.slices.length; j++) {
      const bit = rest % 2;
      rest = (rest - bit) / 2;
      if (bit === 1) this.slices[j] = add(this.slices[j]!, local);
      else if (had) this.slices[j] = remove(this.slices[j]!, local);
    }
    if (n < 0) this.sign = add(this.sign, local);
    else if (had) this.sign = remove(this.sign, local);
    this.exists = add(this.exists, local);
    this.tail.record(TailOp.setInt, local, n);
  }

  /** Stores a value that has no exact scaled-integer form. */
  setOdd(local: number, v: number): void {
    this.views = null;
    if (this.present(local) && !this.odd.has(local)) this.clearBits(local);
    this.odd.set(local, v);
    this.exists = add(this.exists, local);
    this.tail.record(TailOp.setOdd, local, v);
  }

  /** A datetime's forward code: the text its value was written with (chunks with a forward array only). */
  setForward(local: number, code: number): void {
    this.fwd!.set(local, code);
    this.tail.record(TailOp.setForward, local, code);
  }

  replay(op: number, local: number, value: number): void {
    if (op === TailOp.setInt) this.setInt(local, value);
    else if (op === TailOp.setOdd) this.setOdd(local, value);
    else if (op === TailOp.clear) this.clear(local);
    else if (op === TailOp.setForward && this.fwd !== null) this.setForward(local, value);
    else throw new FormatError(`column ${this.key.a} chunk ${this.key.b}: tail operation ${op} is not a number column's`);
  }

  /** Removes the entity's value; answers whether it had one. */
  clear(local: number): boolean {
    if (!this.present(local)) return false;
    this.views = null;
    if (!this.odd.delete(local)) this.clearBits(local);
    this.exists = remove(this.exists, local);
    this.fwd?.set(local, 0);
    this.tail.record(TailOp.clear, local, 0);
    return true;
  }

  private clearBits(local: number): void {
    for (let j = 0; j < this.slices.length; j++) this.slices[j] = remove(this.slices[j]!, local);
    this.sign = remove(this.sign, local);
  }

  /** The stored integer of one entity (undefined: none or odd). */
  intAt(local: number): number | undefined {
    // Through the word views (built once, kept until a write): one word read per slice instead of a
    // binary search in each array container, which made result pages slow on small chunks.
    const v = this.wordViews();
    const w = local >>> 5;
    const bit = 1 << (local & 31);
    if ((v.ints[w]! & bit) === 0) return undefined; // none, or an odd value
    let n = 0;
    for (let j = 0; j < v.slices.length; j++) if ((v.slices[j]![w]! & bit) !== 0) n += POW2[j]!;
    return (v.sign[w]! & bit) !== 0 ? -n : n;
  }

  /** Bitset words of the stored-integer set, the sign and every slice (cached until a write). */
  wordViews(): BsiViews {
    if (this.views !== null) return this.views;
    const ints = new Uint32Array(BITSET_WORDS);
    if (this.exists !== null) orIntoWords(ints, this.exists);
    for (const local of this.odd.keys()) ints[local >>> 5] = ints[local >>> 5]! & ~(1 << (local & 31));
    const intsC = wordsToContainer(ints.slice());
    this.views = {
      ints,
      intsC,
      sign: this.sign === null ? ZERO_WORDS : sliceWords(this.sign),
      slices: this.slices.map((c) => sliceWords(c)),
      decoded: null,
      gathered: 0,
      stored: intsC?.n ?? 0,
    };
    return this.views;
  }

  /** The decoded integers by local, when built (see DECODE_AFTER_SHARE); null otherwise. */
  decodedInts(): Int32Array | null {
    return this.views?.decoded ?? null;
  }

  /**
   * Records that a gather read n entities' integers; builds the decoded array once the gathers since
   * the last write reach the rent (DECODE_AFTER_SHARE). Answers whether it was built now (the chunk grew).
   */
  noteGathered(n: number): boolean {
    const v = this.wordViews();
    const B = v.slices.length;
    if (v.decoded !== null || B > DECODE_MAX_SLICES || B === 0) return false;
    v.gathered += n;
    if (v.gathered < (decodeAfter ?? DECODE_AFTER_SHARE * v.stored)) return false;
    v.decoded = decodeInts(v);
    return true;
  }

  heapBytes(): number {
    const views = this.views === null ? 0 : 8192 * (2 + this.slices.length) + (this.views.decoded === null ? 0 : this.views.decoded.byteLength);
    let n = 128 + this.tail.heapBytes() + 40 * this.odd.size + (this.fwd?.heapBytes() ?? 0) + views;
    for (const c of [this.exists, this.sign, ...this.slices]) if (c != null) n += containerHeapBytes(c);
    return n;
  }

  flush(write: (key: SegKey, framed: Uint8Array) => void, remove: (key: SegKey) => void): void {
    this.tail.flush(this.key, this.exists?.n ?? 0, () => this.encode(), write, remove);
  }

  encode(): Uint8Array {
    const w = new ByteWriter(4096);
    w.u8(LAYOUT);
    if (this.fwd === null) w.u8(0);
    else {
      w.u8(1);
      this.fwd.write(w);
    }
    writeMaybeContainer(w, this.exists);
    writeMaybeContainer(w, this.sign);
    // Trailing all-zero slices carry nothing; dropping them keeps encodings canonical.
    let b = this.slices.length;
    while (b > 0 && this.slices[b - 1] == null) b--;
    w.u8(b);
    for (let j = 0; j < b; j++) writeMaybeContainer(w, this.slices[j] ?? null);
    const odd = [...this.odd].sort((x, y) => x[0] - y[0]);
    w.u32(odd.length);
    for (const [local, v] of odd) {
      w.u16(local);
      w.f64(v);
    }
    return frameSegment(SegmentKind.columnChunk, w.finish());
  }

  static decode(key: SegKey, framed: Uint8Array): BsiChunk {
    const r = openChunkPayload(framed, LAYOUT, `column ${key.a} chunk ${key.b}`);
    const hasFwd = r.u8();
    if (hasFwd > 1) throw new FormatError(`bad forward flag ${hasFwd}`);
    const fwd = hasFwd === 1 ? PackedCodes.read(r) : null;
    const exists = readMaybeContainer(r);
    const sign = readMaybeContainer(r);
    const b = r.u8();
    if (b > 53) throw new FormatError(`${b} slices in a bit-sliced index`);
    const slices: Array<Container | null> = [];
    for (let j = 0; j < b; j++) slices.push(readMaybeContainer(r));
    const nOdd = r.u32();
    const odd = new Map<number, number>();
    for (let i = 0; i < nOdd; i++) odd.set(r.u16(), r.f64());
    if (r.remaining !== 0) throw new FormatError(`trailing bytes in bit-sliced chunk ${key.b} of column ${key.a}`);
    return new BsiChunk(key, exists, sign, slices, odd, fwd);
  }
}

function add(c: Container | null, v: number): Container {
  return c === null ? singleton(v) : containerAdd(c, v);
}

function remove(c: Container | null, v: number): Container | null {
  return c === null ? null : containerRemove(c, v);
}

// ------------------------------------------------------------------------------------------------
// Kernels over one chunk (bitset words)
// ------------------------------------------------------------------------------------------------

function sliceWords(c: Container | null | undefined): Uint32Array {
  if (c == null) return ZERO_WORDS;
  if (c.kind === BITSET) return c.words;
  const w = new Uint32Array(BITSET_WORDS);
  orIntoWords(w, c);
  return w;
}

/**
 * Entities of `scope` whose stored integer n satisfies L <= n <= H, as bitset words and their count:
 * one fused kernel pass over the words for the non-negative part and one for the negative part.
 * `scope` is only read (it may be a container's own words); `words` must be all zero.
 */
export function intRangeCount(ch: BsiChunk, L: number, H: number, scope: Uint32Array, words = new Uint32Array(BITSET_WORDS)): { words: Uint32Array; n: number } {
  let n = 0;
  if (ch.exists === null || L > H) return { words, n };
  const v = ch.wordViews();
  const max = POW2[ch.slices.length]! - 1;
  const k = kernel();
  // Magnitudes above the top slice cannot occur, so bounds are clipped to [0, max].
  if (H >= 0 && Math.max(L, 0) <= max) n += k.bsiRange(v, scope, Math.max(L, 0), Math.min(H, max), false, words);
  if (L < 0 && ch.sign !== null && Math.max(-H, 0) <= max) n += k.bsiRange(v, scope, Math.max(-H, 0), Math.min(-L, max), true, words);
  return { words, n };
}

/** How many entities intRangeCount would find, without writing them (scope null: every stored integer). */
export function intRangeTally(ch: BsiChunk, L: number, H: number, scope: Uint32Array | null): number {
  let n = 0;
  if (ch.exists === null || L > H) return n;
  const v = ch.wordViews();
  const max = POW2[ch.slices.length]! - 1;
  const k = kernel();
  if (H >= 0 && Math.max(L, 0) <= max) n += k.bsiRangeCount(v, scope, Math.max(L, 0), Math.min(H, max), false);
  if (L < 0 && ch.sign !== null && Math.max(-H, 0) <= max) n += k.bsiRangeCount(v, scope, Math.max(-H, 0), Math.min(-L, max), true);
  return n;
}

export function intRange(ch: BsiChunk, L: number, H: number, scope: Uint32Array): Uint32Array {
  return intRangeCount(ch, L, H, scope).words;
}

export function wordsToContainer(w: Uint32Array): Container | null {
  let n = 0;
  for (let i = 0; i < BITSET_WORDS; i++) n += popcount32(w[i]!);
  return fromWords(w, n);
}

/** Scratch of decodeInts: 32 slice words of one word of entities, transposed in place. */
const TRANSPOSE = new Int32Array(32);

/**
 * Every stored integer of a chunk of at most 31 slices by local: per word of entities, the slice
 * words form a 32 x 32 bit matrix (row j = slice j) whose transpose holds one entity's magnitude
 * per row, then the sign applies. Locals without a stored integer read 0.
 */
export function decodeInts(v: BsiViews): Int32Array {
  const out = new Int32Array(CHUNK_LOCALS);
  const B = v.slices.length;
  const a = TRANSPOSE;
  for (let i = 0; i < BITSET_WORDS; i++) {
    if (v.ints[i] === 0) continue;
    for (let j = 0; j < B; j++) a[j] = v.slices[j]![i]!;
    a.fill(0, B);
    transpose32(a);
    const base = i << 5;
    const sign = v.sign[i]!;
    for (let b = 0; b < 32; b++) out[base + b] = ((sign >>> b) & 1) !== 0 ? -a[b]! : a[b]!;
  }
  return out;
}

/**
 * In-place transpose of a 32 x 32 bit matrix, row r = a[r], column c = bit c: swap the off-diagonal
 * blocks of each size (16, 8, 4, 2, 1), element (k, j + x) with (k + j, x) (Hacker's Delight 7-3).
 */
export function transpose32(a: Int32Array): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>>= 1, m ^= m << j) {
    for (let k = 0; k < 32; k = (k + j + 1) & ~j) {
      const t = ((a[k]! >>> j) ^ a[k + j]!) & m;
      a[k] = a[k]! ^ (t << j);
      a[k + j] = a[k + j]! ^ t;
    }
  }
}

/** Integer sum, count, min and max of the stored integers of `sel` (odd values excluded). */
export interface IntStats {
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
}

/** `extremes`: also min and max (two narrowing passes per slice on the bitmap path); else they are null. */
export function intStats(ch: BsiChunk, sel: Container, extremes = true): IntStats {
  const cost = intStatsCost(ch.slices.length, sel.n, extremes, ch.decodedInts() !== null);
  if (perEntity(cost.entities, cost.bitmaps)) return gatherStats(ch, sel);
  const ints = ch.wordViews().intsC;
  const s = ints === null ? null : andC(sel, ints);
  if (s === null) return { count: 0, sum: 0, min: null, max: null };
  const neg = ch.sign === null ? null : andC(s, ch.sign);
  const pos = neg === null ? s : andNotC(s, neg);
  let sum = 0;
  for (let j = 0; j < ch.slices.length; j++) {
    const sl = ch.slices[j];
    if (sl == null) continue;
    const p = pos === null ? 0 : andCountC(sl, pos);
    const q = neg === null ? 0 : andCountC(sl, neg);
    sum += POW2[j]! * (p - q);
  }
  if (!extremes) return { count: s.n, sum, min: null, max: null };
  const max = pos !== null ? maxMagnitude(ch, pos) : -minMagnitude(ch, neg!);
  const min = neg !== null ? -maxMagnitude(ch, neg) : minMagnitude(ch, pos!);
  return { count: s.n, sum, min, max };
}

/** Cost of gathering one entity's bit of one slice (ns), against paths.ts COST. */
export const GATHER_PROBE = 0.8;
/** Cost of reading one entity's integer from the decoded array and folding it (ns). */
export const DECODED_READ = 1.5;

/**
 * Estimated cost (ns) of intStats over n entities of a chunk with B slices, both ways. Bitmaps:
 * about 3 passes per slice (sum counts, min and max narrowing), word kernel passes when the set is a
 * bitset, array probes otherwise. Entity by entity: one probe per slice per entity (one read when
 * the chunk's integers are decoded), min/max for free.
 */
export function intStatsCost(B: number, n: number, extremes = true, decoded = false): { entities: number; bitmaps: number } {
  const passes = extremes ? 3 * B + 3 : B + 2;
  return { entities: n * (decoded ? DECODED_READ : (B + 2) * GATHER_PROBE), bitmaps: passes * (n > ARRAY_MAX ? COST.kernelPass : n * COST.probe) };
}
/** Scratch of the gathers (single-threaded, never re-entered): entities, their groups and integers. */
const GATHER_LOCALS = new Uint16Array(65536);
const GATHER_GROUPS = new Int32Array(65536);
const GATHER_LOW = new Int32Array(65536);
const GATHER_INTS = new Float64Array(65536);

/**
 * intStats entity by entity: each selected entity's integer is assembled from the slice words and
 * folded into count/sum/min/max, which the bitmap path needs separate passes for.
 */
function gatherStats(ch: BsiChunk, sel: Container): IntStats {
  const v = ch.wordViews();
  const n = selectedLocals(sel, v.ints, GATHER_LOCALS);
  if (n === 0) return { count: 0, sum: 0, min: null, max: null };
  if (v.decoded !== null) {
    pathsTaken.decoded++;
    return decodedStats(v.decoded, GATHER_LOCALS, n);
  }
  const ints = gatherInts(v, GATHER_LOCALS, n);
  ch.noteGathered(n);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = ints[i]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { count: n, sum, min, max };
}

/** gatherStats' fold when the chunk's integers are decoded: one read per listed entity. */
function decodedStats(dec: Int32Array, locals: Uint16Array, n: number): IntStats {
  let sum = 0;
  let min = 2147483647;
  let max = -2147483648;
  for (let i = 0; i < n; i++) {
    const x = dec[locals[i]!]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { count: n, sum, min, max };
}

/** Running integer stats of many groups (index 0..n-1): what intStats answers, summed over chunks. */
export class GroupIntStats {
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;

  constructor(n: number) {
    this.count = new Float64Array(n);
    this.sum = new Float64Array(n);
    this.min = new Float64Array(n).fill(Infinity);
    this.max = new Float64Array(n).fill(-Infinity);
  }

  add(g: number, s: IntStats): void {
    if (s.count === 0) return;
    this.count[g]! += s.count;
    this.sum[g]! += s.sum;
    if (s.min !== null && s.min < this.min[g]!) this.min[g] = s.min;
    if (s.max !== null && s.max > this.max[g]!) this.max[g] = s.max;
  }
}

/**
 * Adds the stored integers of the listed entities (ascending locals of this chunk) to their groups
 * (groups[i] < 0: no group) in one gather: the aggregation of many groups without a set per group.
 */
export function foldIntsByGroup(ch: BsiChunk, locals: Uint16Array, groups: Int32Array, n: number, acc: GroupIntStats): void {
  if (ch.exists === null) return;
  const v = ch.wordViews();
  const words = v.ints;
  const { count, sum, min, max } = acc;
  const dec = v.decoded;
  if (dec !== null) {
    pathsTaken.decoded++;
    // One read per entity: no scratch lists, no slice passes.
    for (let i = 0; i < n; i++) {
      const l = locals[i]!;
      const g = groups[i]!;
      if (g < 0 || ((words[l >>> 5]! >>> (l & 31)) & 1) === 0) continue;
      const x = dec[l]!;
      count[g]!++;
      sum[g]! += x;
      if (x < min[g]!) min[g] = x;
      if (x > max[g]!) max[g] = x;
    }
    return;
  }
  let m = 0;
  for (let i = 0; i < n; i++) {
    const l = locals[i]!;
    const g = groups[i]!;
    if (g >= 0 && ((words[l >>> 5]! >>> (l & 31)) & 1) !== 0) {
      GATHER_LOCALS[m] = l;
      GATHER_GROUPS[m++] = g;
    }
  }
  const ints = gatherInts(v, GATHER_LOCALS, m);
  ch.noteGathered(m);
  for (let i = 0; i < m; i++) {
    const g = GATHER_GROUPS[i]!;
    const x = ints[i]!;
    count[g]!++;
    sum[g]! += x;
    if (x < min[g]!) min[g] = x;
    if (x > max[g]!) max[g] = x;
  }
}

/**
 * The signed integers of the listed entities (each holding one), into GATHER_INTS[0..n): assembled
 * slice by slice, four slices per pass over the entities, the low 31 slices in int32 arithmetic.
 */
function gatherInts(v: BsiViews, loc: Uint16Array, n: number): Float64Array {
  const out = GATHER_INTS;
  const low = GATHER_LOW;
  low.fill(0, 0, n);
  const B = v.slices.length;
  const lowB = Math.min(B, 31);
  let j = 0;
  for (; j + 4 <= lowB; j += 4) {
    const s0 = v.slices[j]!;
    const s1 = v.slices[j + 1]!;
    const s2 = v.slices[j + 2]!;
    const s3 = v.slices[j + 3]!;
    for (let i = 0; i < n; i++) {
      const l = loc[i]!;
      const w = l >>> 5;
      const b = l & 31;
      const bits = ((s0[w]! >>> b) & 1) | (((s1[w]! >>> b) & 1) << 1) | (((s2[w]! >>> b) & 1) << 2) | (((s3[w]! >>> b) & 1) << 3);
      low[i] = low[i]! | (bits << j);
    }
  }
  for (; j < lowB; j++) {
    const sw = v.slices[j]!;
    for (let i = 0; i < n; i++) {
      const l = loc[i]!;
      low[i] = low[i]! | (((sw[l >>> 5]! >>> (l & 31)) & 1) << j);
    }
  }
  for (let i = 0; i < n; i++) out[i] = low[i]!;
  for (j = 31; j < B; j++) {
    const sw = v.slices[j]!;
    const p = POW2[j]!;
    for (let i = 0; i < n; i++) {
      const l = loc[i]!;
      out[i]! += ((sw[l >>> 5]! >>> (l & 31)) & 1) * p;
    }
  }
  const sign = v.sign;
  for (let i = 0; i < n; i++) {
    const l = loc[i]!;
    if (((sign[l >>> 5]! >>> (l & 31)) & 1) !== 0) out[i] = -out[i]!;
  }
  return out;
}

/** The values of `sel` that are set in `words`, ascending, into out; answers how many. */
function selectedLocals(sel: Container, words: Uint32Array, out: Uint16Array): number {
  let n = 0;
  if (sel.kind === BITSET) {
    const s = sel.words;
    for (let i = 0; i < BITSET_WORDS; i++) {
      let x = (s[i]! & words[i]!) | 0;
      if (x === 0) continue;
      const base = i << 5;
      do {
        const t = x & (-x | 0);
        out[n++] = base | (31 - Math.clz32(t));
        x = (x ^ t) | 0;
      } while (x !== 0);
    }
    return n;
  }
  const d = sel.kind === 1 ? sel.data : toValues(sel);
  for (let i = 0; i < sel.n; i++) {
    const l = d[i]!;
    if (((words[l >>> 5]! >>> (l & 31)) & 1) !== 0) out[n++] = l;
  }
  return n;
}

function maxMagnitude(ch: BsiChunk, set: Container): number {
  let cand = set;
  let m = 0;
  for (let j = ch.slices.length - 1; j >= 0; j--) {
    const sl = ch.slices[j];
    if (sl == null) continue;
    const t = andC(cand, sl);
    if (t !== null) {
      cand = t;
      m += POW2[j]!;
    }
  }
  return m;
}

function minMagnitude(ch: BsiChunk, set: Container): number {
  let cand = set;
  let m = 0;
  for (let j = ch.slices.length - 1; j >= 0; j--) {
    const sl = ch.slices[j];
    if (sl == null) continue;
    const t = andNotC(cand, sl);
    if (t !== null) cand = t;
    else m += POW2[j]!;
  }
  return m;
}

/** Stored integers of the entities of `sel` (odd ones excluded): parallel arrays, ascending locals. */
export function intsOf(ch: BsiChunk, sel: Container): { locals: Uint16Array; ints: Float64Array } {
  const intsC = ch.wordViews().intsC;
  const s = intsC === null ? null : andC(sel, intsC);
  if (s === null) return { locals: new Uint16Array(0), ints: new Float64Array(0) };
  const acc = new Float64Array(65536);
  for (let j = 0; j < ch.slices.length; j++) {
    const sl = ch.slices[j];
    if (sl == null) continue;
    const x = andC(sl, s);
    if (x === null) continue;
    const p = POW2[j]!;
    forEachIn(x, (l) => {
      acc[l]! += p;
    });
  }
  const locals = new Uint16Array(s.n);
  const ints = new Float64Array(s.n);
  let k = 0;
  forEachIn(s, (l) => {
    locals[k] = l;
    ints[k] = acc[l]!;
    k++;
  });
  if (ch.sign !== null) {
    for (let i = 0; i < k; i++) if (containerHas(ch.sign, locals[i]!)) ints[i] = -ints[i]!;
  }
  return { locals, ints };
}

function forEachIn(c: Container, fn: (v: number) => void): void {
  if (c.kind === BITSET) {
    const w = c.words;
    for (let i = 0; i < BITSET_WORDS; i++) {
      let x = w[i]!;
      while (x !== 0) {
        const t = x & -x;
        fn((i << 5) | (31 - Math.clz32(t)));
        x ^= t;
      }
    }
  } else if (c.kind === 1) for (let i = 0; i < c.n; i++) fn(c.data[i]!);
  else
    for (let r = 0; r < c.nRuns; r++) {
      const s = c.runs[2 * r]!;
      const e = s + c.runs[2 * r + 1]!;
      for (let v = s; v <= e; v++) fn(v);
    }
}
