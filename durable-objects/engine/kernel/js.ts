// Pure-JS word kernel: the fallback when the host gives no WebAssembly, and the oracle the WASM
// kernel is tested against. Int32 views avoid uint32-to-double conversions in the loops.

import { popcount32 } from "../bitmap/container";
import type { BsiWords, WordKernel } from "./kernel";
import { sliceMasks } from "./masks";

const WORDS = 2048;

const i32 = (w: Uint32Array): Int32Array => new Int32Array(w.buffer, w.byteOffset, WORDS);
/** Int32 views of slice rows, cached per slice list (same object, same contents). */
const signedViews = new WeakMap<readonly Uint32Array[], Int32Array[]>();

export const jsKernel: WordKernel = {
  name: "js",
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
};

/**
 * Word-major O'Neil & Quass compare: each word keeps "greater than lo" / "equal to lo's prefix" and
 * "less than hi" / "equal to hi's prefix" in registers from the top slice down, and stops as soon
 * as every entity in it is decided. The mask is formed per word, so no temporary rows are built.
 */
function jsBsiRange(v: BsiWords, scope: Uint32Array, lo: number, hi: number, neg: boolean, out: Uint32Array): number {
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
      out[w] = out[w]! | r;
      n += popcount32(r);
    }
  }
  return n;
}
