// Per-slice all-ones/zero masks of the bits of a range's bounds, shared by the kernels so their word
// loops stay branchless. Bounds reach 2^53, so bits come from arithmetic, not 32-bit shifts.

const POW2: number[] = Array.from({ length: 54 }, (_, j) => 2 ** j);

export interface SliceMasks {
  lo: Int32Array;
  hi: Int32Array;
  useLo: boolean;
  useHi: boolean;
}

/** Masks for [lo, hi] over B slices (0 <= lo <= hi <= 2^B - 1); a bound at its extreme is not tested. */
export function sliceMasks(B: number, lo: number, hi: number): SliceMasks {
  const loM = new Int32Array(B);
  const hiM = new Int32Array(B);
  let loRest = lo;
  let hiRest = hi;
  for (let j = B - 1; j >= 0; j--) {
    const p = POW2[j]!;
    if (loRest >= p) {
      loRest -= p;
      loM[j] = -1;
    }
    if (hiRest >= p) {
      hiRest -= p;
      hiM[j] = -1;
    }
  }
  return { lo: loM, hi: hiM, useLo: lo > 0, useHi: hi < POW2[B]! - 1 };
}
