// Latest-value numeric and time columns (integer, decimal, enumerated, datetime) as a bit-sliced
// index. Decimals are scaled to integers by the column's decimal exponent, which only grows (a value
// needing more places rescales the column once). Datetimes also keep their inserted text through a
// dictionary + forward array, because answers show that text.

import type { MetricName, MetricPartial, Scalar, ValueTest, Window } from "../../contract/plan";
import { DECIMAL_PLACES_MAX } from "../../contract/limits";
import { Bitmap } from "../bitmap/bitmap";
import { ARRAY_MAX, BITSET, BITSET_WORDS, type Container, containerHas, fromWords, orIntoWords, popcountWords, toWords } from "../bitmap/container";
import { compileOptionalTest, compileTest } from "../../contract/value-test";
import { addToPartial, emptyPartial, type AttrCodec, type ColumnMeta, type StoredValue, type ValueGroup } from "./codec";
import { ChunkedColumn, type ShardIO, chunkKey } from "./column-base";
import { BSI_MAGNITUDE_LIMIT, BsiChunk, GroupIntStats, foldIntsByGroup, intRange, intRangeCount, intRangeTally, intStats, intsOf, wordsToContainer } from "./bsi";
import { countLocal, forEachLocal } from "./dict-column";

/** Scratch rows of leafRange (single-threaded, not re-entered): a chunk's scope and its result. */
const SCOPE = new Uint32Array(BITSET_WORDS);
const RESULT = new Uint32Array(BITSET_WORDS);

export class NumberColumn extends ChunkedColumn<BsiChunk> implements AttrCodec {
  readonly event = false;
  private readonly isDatetime: boolean;

  constructor(meta: ColumnMeta, io: ShardIO) {
    super(meta, io);
    this.isDatetime = meta.type === "datetime";
  }

  protected decodeChunk(framed: Uint8Array, chunk: number): BsiChunk {
    return BsiChunk.decode(chunkKey(this.meta.id, chunk), framed);
  }

  protected newChunk(chunk: number): BsiChunk {
    return BsiChunk.empty(chunkKey(this.meta.id, chunk), this.isDatetime);
  }

  private get factor(): number {
    return 10 ** this.meta.scale;
  }

  private decode(n: number): number {
    return this.meta.scale === 0 ? n : n / this.factor;
  }

  /** The scaled integer of v at exponent e, or null when v has no exact form there. */
  private static scaled(v: number, e: number): number | null {
    if (e === 0) return Number.isInteger(v) && Math.abs(v) < BSI_MAGNITUDE_LIMIT ? v : null;
    const f = 10 ** e;
    const n = Math.round(v * f);
    return Math.abs(n) < BSI_MAGNITUDE_LIMIT && n / f === v ? n : null;
  }

  put(id: number, value: Scalar, text: string | undefined): void {
    if (typeof value !== "number") throw new Error(`segment engine: column ${this.meta.id} (${this.meta.type}) takes numbers, got ${typeof value}`);
    const v = Object.is(value, -0) ? 0 : value;
    let n = NumberColumn.scaled(v, this.meta.scale);
    if (n === null && !this.isDatetime && Number.isFinite(v)) {
      for (let e = this.meta.scale + 1; e <= DECIMAL_PLACES_MAX; e++) {
        if (NumberColumn.scaled(v, e) !== null) {
          this.rescale(e);
          n = NumberColumn.scaled(v, e);
          break;
        }
      }
    }
    const ch = this.chunkForWrite(id >>> 16);
    const local = id & 0xffff;
    if (n === null) ch.setOdd(local, v);
    else ch.setInt(local, n);
    if (ch.fwd !== null) ch.setForward(local, this.dictForWrite().intern(v, text));
  }

  /** Moves the column to a larger decimal exponent (every stored integer times 10^(e - scale)). */
  private rescale(e: number): void {
    const mul = 10 ** (e - this.meta.scale);
    const old = this.meta.scale;
    for (const k of [...this.meta.chunks]) {
      const ch = this.chunkForWrite(k);
      ch.tail.requireRewrite(); // stored integers change meaning with the scale: tails of the old scale must go
      if (ch.exists === null) continue;
      const all = ch.exists;
      const { locals, ints } = intsOf(ch, all);
      for (let i = 0; i < locals.length; i++) {
        const n = ints[i]! * mul;
        if (Math.abs(n) < BSI_MAGNITUDE_LIMIT) ch.setInt(locals[i]!, n);
        else ch.setOdd(locals[i]!, ints[i]! / 10 ** old);
      }
    }
    this.meta.scale = e;
    this.io.metaChanged(this.meta);
  }

  clear(ids: Bitmap): number {
    return this.clearIn(ids, (ch, selection) => countLocal(selection, (local) => ch.clear(local)));
  }

  has(): Bitmap {
    const out = new Bitmap();
    for (const k of this.meta.chunks) out.push(k, this.chunk(k)?.exists ?? null);
    return out;
  }

  // --- filters -----------------------------------------------------------------------------------

  select(test: ValueTest): Bitmap {
    const out = new Bitmap();
    for (const k of this.meta.chunks) {
      const ch = this.chunk(k);
      if (ch === null || ch.exists === null) continue;
      const fast = this.leafRange(ch, test, ch.wordViews().ints);
      out.push(k, fast !== undefined ? fast : wordsToContainer(this.evalChunk(ch, test, this.existsWords(ch))));
    }
    return out;
  }

  /**
   * select(test) ∧ within, computed only inside `within`: the bit-sliced comparison skips empty
   * words and stops on a word once all its entities are decided, so a selective `within` (the rest
   * of an AND) makes ranges far cheaper.
   */
  selectWithin(test: ValueTest, within: Bitmap): Bitmap {
    const out = new Bitmap();
    for (const [k, ch, w] of this.overlap(within)) {
      if (ch.exists === null) continue;
      let inWords: Uint32Array = SCOPE;
      if (w.kind === BITSET) inWords = w.words;
      else {
        SCOPE.fill(0);
        orIntoWords(SCOPE, w);
      }
      const fast = this.leafRange(ch, test, inWords);
      if (fast !== undefined) {
        out.push(k, fast);
        continue;
      }
      const scope = this.existsWords(ch);
      const mask = toWords(w);
      for (let i = 0; i < BITSET_WORDS; i++) scope[i] = scope[i]! & mask[i]!;
      out.push(k, wordsToContainer(this.evalChunk(ch, test, scope)));
    }
    return out;
  }

  /**
   * The hot case in one kernel pass: an eq/range leaf on a chunk without odd values, where the
   * kernel's own "ints ∧ scope" replaces the exists row and its count replaces a popcount pass.
   * `scope` is only read. Undefined: not this case, use evalChunk.
   */
  private leafRange(ch: BsiChunk, test: ValueTest, scope: Uint32Array): Container | null | undefined {
    if (ch.odd.size > 0) return undefined;
    const b = this.leafBounds(test);
    if (b === undefined) return undefined;
    RESULT.fill(0);
    const { n } = intRangeCount(ch, b.L, b.H, scope, RESULT);
    // Results of at most ARRAY_MAX become arrays (the scratch is not kept); larger ones need their own row.
    return fromWords(n > ARRAY_MAX ? RESULT.slice() : RESULT, n);
  }

  /** Stored-integer bounds [L, H] of an eq/range leaf with numeric (or open) ends; undefined otherwise. */
  private leafBounds(test: ValueTest): { L: number; H: number } | undefined {
    let lo: Scalar | null;
    let hi: Scalar | null;
    let loInc = true;
    let hiInc = true;
    if (test.op === "eq") lo = hi = test.value;
    else if (test.op === "range") {
      lo = test.min;
      hi = test.max;
      loInc = test.minInclusive;
      hiInc = test.maxInclusive;
    } else return undefined;
    if ((lo !== null && typeof lo !== "number") || (hi !== null && typeof hi !== "number") || Number.isNaN(lo) || Number.isNaN(hi)) return undefined;
    return { L: lo === null ? -Infinity : this.lowerBound(lo, loInc), H: hi === null ? Infinity : this.upperBound(hi, hiInc) };
  }

  /**
   * select(test).size without building it: on chunks without odd values an eq/range leaf is counted
   * by the kernel over the chunk's own (resident) rows, copying no scope in and no result out.
   */
  countSelect(test: ValueTest): number {
    const b = this.leafBounds(test);
    if (b === undefined) return this.select(test).size;
    let n = 0;
    for (const k of this.meta.chunks) {
      const ch = this.chunk(k);
      if (ch === null || ch.exists === null) continue;
      if (ch.odd.size === 0) n += intRangeTally(ch, b.L, b.H, null);
      else n += popcountWords(this.evalChunk(ch, test, this.existsWords(ch)));
    }
    return n;
  }

  /** The stored-integer bounds of an eq/range leaf with numeric (or open) ends (eval/count-rows.ts); undefined otherwise. */
  rangeBounds(test: ValueTest): { L: number; H: number } | undefined {
    return this.leafBounds(test);
  }

  /**
   * For eval/count-rows.ts: OR-s into `out` the entities of `scope` (null: every stored integer) in chunk
   * k whose stored integer lies in [b.L, b.H], and answers how many; undefined when the chunk holds odd
   * values (the caller then uses select()). `out` must not be `scope`.
   */
  rangeRow(k: number, b: { L: number; H: number }, scope: Uint32Array | null, out: Uint32Array<ArrayBuffer>): number | undefined {
    const ch = this.chunk(k);
    if (ch === null || ch.exists === null) return 0;
    if (ch.odd.size > 0) return undefined;
    return intRangeCount(ch, b.L, b.H, scope ?? ch.wordViews().ints, out).n;
  }

  /** Per-entity set algebra is exact here (each entity holds one value); every result ⊆ scope. */
  private evalChunk(ch: BsiChunk, test: ValueTest, scope: Uint32Array): Uint32Array {
    switch (test.op) {
      case "and": {
        if (test.tests.length === 0) return scope.slice();
        const parts = test.tests.map((t) => this.evalChunk(ch, t, scope));
        const w = parts[0]!;
        for (const p of parts.slice(1)) for (let i = 0; i < BITSET_WORDS; i++) w[i] = w[i]! & p[i]!;
        return w;
      }
      case "or": {
        const w = new Uint32Array(BITSET_WORDS);
        for (const t of test.tests) {
          const p = this.evalChunk(ch, t, scope);
          for (let i = 0; i < BITSET_WORDS; i++) w[i] = w[i]! | p[i]!;
        }
        return w;
      }
      case "not": {
        const inner = this.evalChunk(ch, test.test, scope);
        const w = scope.slice();
        for (let i = 0; i < BITSET_WORDS; i++) w[i] = w[i]! & ~inner[i]!;
        return w;
      }
      case "ne": {
        if (typeof test.value !== "number") return this.oddOnly(ch, test, scope);
        const eq = this.evalChunk(ch, { op: "eq", value: test.value }, scope);
        const w = scope.slice();
        for (let i = 0; i < BITSET_WORDS; i++) w[i] = w[i]! & ~eq[i]!;
        return w;
      }
      case "eq":
        return this.rangeWords(ch, test, test.value, test.value, true, true, scope);
      case "in": {
        const w = new Uint32Array(BITSET_WORDS);
        for (const v of new Set(test.values)) {
          const p = this.rangeWords(ch, test, v, v, true, true, scope);
          for (let i = 0; i < BITSET_WORDS; i++) w[i] = w[i]! | p[i]!;
        }
        return w;
      }
      case "range":
        return this.rangeWords(ch, test, test.min, test.max, test.minInclusive, test.maxInclusive, scope);
      default:
        return this.oddOnly(ch, test, scope); // text tests never match numbers
    }
  }

  private existsWords(ch: BsiChunk): Uint32Array {
    if (ch.exists === null) return new Uint32Array(BITSET_WORDS);
    if (ch.odd.size === 0) return ch.wordViews().ints.slice();
    return toWords(ch.exists);
  }

  /** Odd values in scope passing a leaf test, checked one by one. */
  private oddOnly(ch: BsiChunk, test: ValueTest, scope: Uint32Array): Uint32Array {
    const w = new Uint32Array(BITSET_WORDS);
    if (ch.odd.size === 0) return w;
    const pass = compileTest(test);
    for (const [local, v] of ch.odd) {
      const bit = 1 << (local & 31);
      if ((scope[local >>> 5]! & bit) !== 0 && pass(v)) w[local >>> 5] = w[local >>> 5]! | bit;
    }
    return w;
  }

  private rangeWords(ch: BsiChunk, leaf: ValueTest, min: Scalar | null, max: Scalar | null, minInc: boolean, maxInc: boolean, scope: Uint32Array): Uint32Array {
    if ((min !== null && typeof min !== "number") || (max !== null && typeof max !== "number")) return new Uint32Array(BITSET_WORDS);
    if (Number.isNaN(min) || Number.isNaN(max)) return this.oddOnly(ch, leaf, scope);
    const L = min === null ? -Infinity : this.lowerBound(min, minInc);
    const H = max === null ? Infinity : this.upperBound(max, maxInc);
    const w = intRange(ch, L, H, scope);
    if (ch.odd.size > 0) {
      const o = this.oddOnly(ch, leaf, scope);
      for (let i = 0; i < BITSET_WORDS; i++) w[i] = w[i]! | o[i]!;
    }
    return w;
  }

  /** Smallest stored integer whose decoded value is >= x (> x when exclusive). */
  private lowerBound(x: number, inclusive: boolean): number {
    const f = this.factor;
    const raw = x * f;
    if (!(Math.abs(raw) < BSI_MAGNITUDE_LIMIT)) return raw > 0 ? Infinity : -Infinity;
    const ok = (n: number): boolean => (inclusive ? this.decode(n) >= x : this.decode(n) > x);
    let n = Math.ceil(raw);
    while (ok(n - 1)) n--;
    while (!ok(n)) n++;
    return n;
  }

  private upperBound(x: number, inclusive: boolean): number {
    const f = this.factor;
    const raw = x * f;
    if (!(Math.abs(raw) < BSI_MAGNITUDE_LIMIT)) return raw > 0 ? Infinity : -Infinity;
    const ok = (n: number): boolean => (inclusive ? this.decode(n) <= x : this.decode(n) < x);
    let n = Math.floor(raw);
    while (ok(n + 1)) n++;
    while (!ok(n)) n--;
    return n;
  }

  // --- values ------------------------------------------------------------------------------------

  /** Decoded values of the entities of `sel` in one chunk (odd included), ascending locals. */
  private chunkValues(ch: BsiChunk, sel: Container): Array<[number, number]> {
    const { locals, ints } = intsOf(ch, sel);
    const out: Array<[number, number]> = new Array(locals.length);
    for (let i = 0; i < locals.length; i++) out[i] = [locals[i]!, this.decode(ints[i]!)];
    if (ch.odd.size > 0) {
      for (const [local, v] of ch.odd) if (containsLocal(sel, local)) out.push([local, v]);
      out.sort((a, b) => a[0] - b[0]);
    }
    return out;
  }

  groups(test: ValueTest | null, _window: Window | null, within: Bitmap, wantSets: boolean): ValueGroup[] {
    const pass = compileOptionalTest(test);
    if (this.isDatetime) return this.groupsByText(pass, within, wantSets);
    const counts = new Map<number, number>();
    const sets = wantSets ? new Map<number, number[]>() : null;
    for (const [k, ch, w] of this.overlap(within)) {
      for (const [local, v] of this.chunkValues(ch, w)) {
        if (!pass(v)) continue;
        counts.set(v, (counts.get(v) ?? 0) + 1);
        if (sets !== null) {
          let list = sets.get(v);
          if (list === undefined) sets.set(v, (list = []));
          list.push(k * 65536 + local);
        }
      }
    }
    return [...counts].map(([v, count]) => ({ display: String(v), count, set: sets === null ? null : Bitmap.fromSorted(sets.get(v)!) }));
  }

  /** Datetimes group by their text (what the answer shows), through the forward array of text codes. */
  private groupsByText(pass: (v: Scalar) => boolean, within: Bitmap, wantSets: boolean): ValueGroup[] {
    const dict = this.dict();
    const members = new Map<number, number[]>();
    for (const [k, ch, w] of this.overlap(within)) {
      if (ch.exists === null || ch.fwd === null) continue;
      const fwd = ch.fwd;
      forEachLocal(w, (local) => {
        const code = fwd.get(local);
        if (code === 0 || !pass(dict.value(code))) return;
        let list = members.get(code);
        if (list === undefined) members.set(code, (list = []));
        list.push(k * 65536 + local);
      });
    }
    const byDisplay = new Map<string, number[]>();
    for (const [code, ids] of members) {
      const d = dict.display(code);
      const prev = byDisplay.get(d);
      byDisplay.set(d, prev === undefined ? ids : [...prev, ...ids].sort((a, b) => a - b));
    }
    return [...byDisplay].map(([display, ids]) => ({ display, count: ids.length, set: wantSets ? Bitmap.fromSorted(ids) : null }));
  }

  metric(within: Bitmap, _metric: MetricName, extremes: boolean): MetricPartial {
    const acc = new NumberGroups(1, extremes);
    for (const [k, , w] of this.overlap(within)) this.foldGroup(k, 0, w, acc);
    return this.groupPartial(acc, 0);
  }

  // Per-group metrics: aggregation's innermost level computes metric() of many disjoint groups at
  // once (queries/group-metrics.ts), either group by group or entity by entity within a chunk.

  /** Adds the values of group g's entities `w` of chunk k (metric() of a group, one chunk). */
  foldGroup(k: number, g: number, w: Container, acc: NumberGroups): void {
    const ch = this.chunk(k);
    if (ch === null || ch.exists === null) return;
    const had = ch.decodedInts() !== null;
    acc.ints.add(g, intStats(ch, w, acc.extremes));
    if (!had && ch.decodedInts() !== null) this.grew(k);
    for (const [local, v] of ch.odd) if (containsLocal(w, local)) addToPartial(acc.oddOf(g), "sum", v);
  }

  /** Adds the values of chunk k's listed entities (ascending locals) to their groups (groups[i] < 0: none). */
  foldEntities(k: number, locals: Uint16Array, groups: Int32Array, n: number, acc: NumberGroups): void {
    const ch = this.chunk(k);
    if (ch === null || ch.exists === null) return;
    const had = ch.decodedInts() !== null;
    foldIntsByGroup(ch, locals, groups, n, acc.ints);
    if (!had && ch.decodedInts() !== null) this.grew(k);
    for (const [local, v] of ch.odd) {
      const i = indexOfLocal(locals, n, local);
      if (i >= 0 && groups[i]! >= 0) addToPartial(acc.oddOf(groups[i]!), "sum", v);
    }
  }

  /** The partial of group g: odd values as they came, then the integers decoded once (as metric()). */
  groupPartial(acc: NumberGroups, g: number): MetricPartial {
    const odd = acc.odd[g];
    const p = odd === undefined ? emptyPartial() : { ...odd };
    const { count, sum, min, max } = acc.ints;
    if (count[g]! > 0) {
      p.count += count[g]!;
      p.sum += this.decode(sum[g]!);
      // Extremes stay ±Infinity when no fold computed them (acc.extremes false): null, as for sum/avg.
      if (min[g] !== Infinity) {
        const lo = this.decode(min[g]!);
        p.min = p.min === null || lo < p.min ? lo : p.min;
      }
      if (max[g] !== -Infinity) {
        const hi = this.decode(max[g]!);
        p.max = p.max === null || hi > p.max ? hi : p.max;
      }
    }
    return p;
  }

  /** Bit slices of chunk k (what gathering one entity's integer costs). */
  slicesAt(k: number): number {
    return this.chunk(k)?.slices.length ?? 0;
  }

  /**
   * Chunk k's words of stored integers, its decoded integers and odd values, for a fused pass that
   * reads each entity's integer directly: undefined while the chunk is not decoded, null when the
   * column has no data there.
   */
  decodedView(k: number): DecodedChunk | null | undefined {
    const ch = this.chunk(k);
    if (ch === null || ch.exists === null) return null;
    const dec = ch.decodedInts();
    return dec === null ? undefined : { ints: ch.wordViews().ints, dec, odd: ch.odd };
  }

  /** Whether chunk k's integers are decoded (gathering one costs a read, not a probe per slice). */
  decodedAt(k: number): boolean {
    return (this.chunk(k)?.decodedInts() ?? null) !== null;
  }

  private valueAt(id: number): number | undefined {
    const ch = this.chunk(id >>> 16);
    if (ch === null) return undefined;
    const local = id & 0xffff;
    const odd = ch.odd.get(local);
    if (odd !== undefined) return odd;
    const n = ch.intAt(local);
    return n === undefined ? undefined : this.decode(n);
  }

  valuesOf(ids: Uint32Array): StoredValue[][] {
    const dict = this.isDatetime ? this.dict() : null;
    return Array.from(ids, (id) => {
      const v = this.valueAt(id);
      if (v === undefined) return [];
      const out: StoredValue = { value: v };
      if (dict !== null) {
        const code = this.chunk(id >>> 16)!.fwd?.get(id & 0xffff) ?? 0;
        const t = code === 0 ? undefined : dict.texts[code];
        if (t !== undefined) out.text = t;
      }
      return [out];
    });
  }

  sortValues(ids: Uint32Array): Array<Scalar | null> {
    // Many ids: decode chunk-wise through the slices instead of bit-probing each id.
    if (ids.length < 256) return Array.from(ids, (id) => this.valueAt(id) ?? null);
    const out: Array<Scalar | null> = new Array(ids.length).fill(null);
    const sel = Bitmap.fromSorted(ids);
    const pos = new Map<number, number>();
    ids.forEach((id, i) => pos.set(id, i));
    for (const [k, ch, w] of this.overlap(sel)) {
      for (const [local, v] of this.chunkValues(ch, w)) out[pos.get(k * 65536 + local)!] = v;
    }
    return out;
  }
}

function containsLocal(c: Container, local: number): boolean {
  return containerHas(c, local);
}

function indexOfLocal(locals: Uint16Array, n: number, local: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = locals[mid]!;
    if (x < local) lo = mid + 1;
    else if (x > local) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** What NumberColumn.decodedView answers. */
export interface DecodedChunk {
  ints: Uint32Array;
  dec: Int32Array;
  odd: ReadonlyMap<number, number>;
}

/** Per-group accumulators of NumberColumn.foldGroup / foldEntities (groups 0..n-1). */
export class NumberGroups {
  readonly ints: GroupIntStats;
  /** Odd (non-integer) values per group, in the order metric() adds them. */
  readonly odd: Array<MetricPartial | undefined>;

  /** `extremes`: some metric of these groups reads min/max (else the bitmap path skips them). */
  constructor(
    n: number,
    readonly extremes = true,
  ) {
    this.ints = new GroupIntStats(n);
    this.odd = new Array<MetricPartial | undefined>(n);
  }

  oddOf(g: number): MetricPartial {
    return (this.odd[g] ??= emptyPartial());
  }
}
