// Pure-JS word kernel: the fallback when the host gives no WebAssembly, and the oracle the WASM
// kernel is tested against. Int32 views avoid uint32-to-double conversions in the loops.

import { popcount32 } from "../bitmap/container";
import type { BsiWords, WordKernel } from "./types";
import { sliceMasks } from "./masks";

const WORDS = 2048;

const i32 = (w: Uint32Array): Int32Array => new Int32Array(w.buffer, w.byteOffset, WORDS);
/** Int32 views of slice rows, cached per slice list (same object, same contents). */
const signedViews = new WeakMap<readonly Uint32Array[], Int32Array[]>();

/** How many scratch rows a kernel offers (WordKernel.rows). */
export const SCRATCH_ROWS = 8;

export const jsKernel: WordKernel = {
  name: "js",
  rows: Array.from({ length: SCRATCH_ROWS }, () => new Uint32Array(WORDS)),
  and(a, b, out) {
    let n = 0;
    for (let i = 0; i < WORDS; i++) {
      const v = a[i]! & b[i]!;
      out[i] = v;
      n += popcount32(v);
    }
    return n;
  },
  or(a, b, out) {
    let n = 0;
    for (let i = 0; i < WORDS; i++) {
      const v = a[i]! | b[i]!;
      out[i] = v;
      n += popcount32(v);
    }
    return n;
  },
  andNot(a, b, out) {
    let n = 0;
    for (let i = 0; i < WORDS; i++) {
      const v = a[i]! & ~b[i]!;
      out[i] = v;
      n += popcount32(v);
    }
    return n;
  },
  andCount(a, b) {
    let n = 0;
    for (let i = 0; i < WORDS; i++) n += popcount32(a[i]! & b[i]!);
    return n;
  },
  bsiRange: jsBsiRange,
  bsiRangeCount: (v, scope, lo, hi, neg) => jsBsiRange(v, scope ?? v.ints, lo, hi, neg, null),
  countLevels(rows, bits, terms, hist) {
    const r = new Int32Array(rows.buffer, rows.byteOffset, bits * WORDS);
    for (const t of terms) addRow(r, bits, i32(t));
    // A pass per level costs levels x 2048 words; one pass over the members beats it beyond a few levels.
    if (hist.length > 9) {
      hist.fill(0);
      countLevelsByEntity(rows, bits, hist);
    } else for (let l = 1; l < hist.length; l++) hist[l] = levelWords(r, bits, l, null);
  },
  levelRow: (rows, bits, level, out) => levelWords(new Int32Array(rows.buffer, rows.byteOffset, bits * WORDS), bits, level, out),
};

const CARRY = new Int32Array(WORDS);

/** Ripple-carry add of one row into the counters, slice by slice over whole rows until nothing carries. */
function addRow(rows: Int32Array, bits: number, t: Int32Array): void {
  CARRY.set(t);
  for (let off = 0; off < bits * WORDS; off += WORDS) {
    let any = 0;
    for (let i = 0; i < WORDS; i++) {
      const s = rows[off + i]!;
      const c = CARRY[i]!;
      rows[off + i] = s ^ c;
      const next = s & c;
      CARRY[i] = next;
      any |= next;
    }
    if (any === 0) return;
  }
}

/**
 * hist[l] += how many entities count exactly l (for l < hist.length), in one pass over the members,
 * each decoded from its slice bits: cheaper than a pass per level when there are many levels.
 */
export function countLevelsByEntity(rows: Uint32Array, bits: number, hist: Float64Array): void {
  const r = new Int32Array(rows.buffer, rows.byteOffset, bits * WORDS);
  for (let i = 0; i < WORDS; i++) {
    let any = 0;
    for (let j = 0; j < bits; j++) any |= r[j * WORDS + i]!;
    while (any !== 0) {
      const t = any & -any;
      any ^= t;
      let level = 0;
      for (let j = 0; j < bits; j++) if ((r[j * WORDS + i]! & t) !== 0) level += 2 ** j;
      if (level < hist.length) hist[level]!++;
    }
  }
}

/** Entities whose counter is exactly level (written to out when given, every word); answers how many. */
function levelWords(rows: Int32Array, bits: number, level: number, out: Uint32Array | null): number {
  let n = 0;
  for (let i = 0; i < WORDS; i++) {
    let m = -1;
    for (let j = 0; j < bits; j++) {
      const s = rows[j * WORDS + i]!;
      m &= (level >>> j) & 1 ? s : ~s;
    }
    if (out !== null) out[i] = m;
    if (m !== 0) n += popcount32(m);
  }
  return n;
}

/**
 * Word-major O'Neil & Quass compare: each word keeps "greater than lo" / "equal to lo's prefix" and
 * "less than hi" / "equal to hi's prefix" in registers from the top slice down, and stops as soon
 * as every entity in it is decided. The mask is formed per word, so no temporary rows are built.
 */
function jsBsiRange(v: BsiWords, scope: Uint32Array, lo: number, hi: number, neg: boolean, out: Uint32Array | null): number {
  const B = v.slices.length;
  const { lo: loM, hi: hiM, useLo, useHi } = sliceMasks(B, lo, hi);
  let slices = signedViews.get(v.slices);
  if (slices === undefined) signedViews.set(v.slices, (slices = v.slices.map(i32)));
  const ints = i32(v.ints);
  const sign = i32(v.sign);
  const sc = i32(scope);
  const flip = neg ? -1 : 0;
  let n = 0;
  for (let w = 0; w < WORDS; w++) {
    const m = ints[w]! & sc[w]! & ~(sign[w]! ^ flip);
    if (m === 0) continue;
    let gt = 0;
    let eqL = useLo ? m : 0;
    let lt = 0;
    let eqH = useHi ? m : 0;
    for (let j = B - 1; j >= 0; j--) {
      const x = slices[j]![w]!;
      const lm = loM[j]!;
      const hm = hiM[j]!;
      gt |= eqL & x & ~lm; // lo has 0 here, value has 1: greater from now on
      eqL &= ~(x ^ lm);
      lt |= eqH & ~x & hm; // hi has 1 here, value has 0: less from now on
      eqH &= ~(x ^ hm);
      if ((eqL | eqH) === 0) break;
    }
    const r = (useLo ? gt | eqL : m) & (useHi ? lt | eqH : m);
    if (r !== 0) {
      if (out !== null) out[w] = out[w]! | r;
      n += popcount32(r);
    }
  }
  return n;
}
