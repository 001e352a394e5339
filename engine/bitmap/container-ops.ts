// Set algebra between two containers of the same chunk: and, or, andNot, xor and intersection count.
// Results are fresh containers (or null when empty) and inputs are never mutated; run containers are
// widened to array/bitset first, since runs come only from storage and rarely meet hot loops.

import { ARRAY, ARRAY_MAX, ArrayContainer, BITSET, BITSET_WORDS, BitsetContainer, RUN, type Container, fromWords, orIntoWords, popcount32, toWords, unrun } from "./container";
import { kernel } from "../kernel/kernel";

const FULL = 65536;
const AND_SCRATCH = new Uint32Array(BITSET_WORDS);

export function andC(x: Container, y: Container): Container | null {
  if (x.kind === RUN && x.n === FULL) return y;
  if (y.kind === RUN && y.n === FULL) return x;
  const a = unrun(x);
  const b = unrun(y);
  if (a.kind === ARRAY) {
    if (b.kind === ARRAY) return intersectArrays(a, b);
    return filterArray(a, b, true);
  }
  if (b.kind === ARRAY) return filterArray(b, a, true);
  // Bitset ∧ bitset: the word kernel (WASM when the host installed it), into a scratch row that is
  // copied only when the result stays a bitset (an array result does not keep it).
  const n = kernel().and(a.words, b.words, AND_SCRATCH);
  return fromWords(n > ARRAY_MAX ? AND_SCRATCH.slice() : AND_SCRATCH, n);
}

export function orC(x: Container, y: Container): Container {
  if (x.kind === RUN && x.n === FULL) return x;
  if (y.kind === RUN && y.n === FULL) return y;
  const a = unrun(x);
  const b = unrun(y);
  if (a.kind === ARRAY && b.kind === ARRAY) {
    if (a.n + b.n <= ARRAY_MAX) return unionArrays(a, b);
  }
  let w: Uint32Array;
  let other: ArrayContainer | BitsetContainer;
  if (a.kind === BITSET) {
    w = a.words.slice();
    other = b;
  } else {
    w = toWords(b);
    other = a;
  }
  let n = 0;
  if (other.kind === BITSET) n = kernel().or(w, other.words, w);
  else {
    const d = other.data;
    for (let i = 0; i < other.n; i++) {
      const v = d[i]!;
      w[v >>> 5] = w[v >>> 5]! | (1 << (v & 31));
    }
    for (let i = 0; i < BITSET_WORDS; i++) n += popcount32(w[i]!);
  }
  return fromWords(w, n)!;
}

/** Union of a chunk's containers: pairwise (array merges, kernel ORs) for a few, one scratch row for many. */
export function unionMany(parts: readonly Container[]): Container | null {
  if (parts.length === 0) return null;
  let acc = parts[0]!;
  if (parts.length <= 4) {
    for (let i = 1; i < parts.length; i++) acc = orC(acc, parts[i]!);
    return acc;
  }
  const w = new Uint32Array(BITSET_WORDS);
  for (const c of parts) orIntoWords(w, c);
  let n = 0;
  for (let i = 0; i < BITSET_WORDS; i++) n += popcount32(w[i]!);
  return fromWords(w, n);
}

export function andNotC(x: Container, y: Container): Container | null {
  if (y.kind === RUN && y.n === FULL) return null;
  const a = unrun(x);
  const b = unrun(y);
  if (a.kind === ARRAY) {
    if (b.kind === ARRAY) return differenceArrays(a, b);
    return filterArray(a, b, false);
  }
  const w = a.words.slice();
  let n = a.n;
  if (b.kind === ARRAY) {
    const d = b.data;
    for (let i = 0; i < b.n; i++) {
      const v = d[i]!;
      const bit = 1 << (v & 31);
      if ((w[v >>> 5]! & bit) !== 0) {
        w[v >>> 5] = w[v >>> 5]! & ~bit;
        n--;
      }
    }
    return fromWords(w, n);
  }
  return fromWords(w, kernel().andNot(w, b.words, w));
}

export function xorC(x: Container, y: Container): Container | null {
  const a = unrun(x);
  const b = unrun(y);
  if (a.kind === ARRAY && b.kind === ARRAY && a.n + b.n <= ARRAY_MAX) return symmetricArrays(a, b);
  let w: Uint32Array;
  let other: ArrayContainer | BitsetContainer;
  if (a.kind === BITSET) {
    w = a.words.slice();
    other = b;
  } else {
    w = toWords(b);
    other = a;
  }
  if (other.kind === BITSET) {
    const o = other.words;
    for (let i = 0; i < BITSET_WORDS; i++) w[i] = w[i]! ^ o[i]!;
  } else {
    const d = other.data;
    for (let i = 0; i < other.n; i++) {
      const v = d[i]!;
      w[v >>> 5] = w[v >>> 5]! ^ (1 << (v & 31));
    }
  }
  let n = 0;
  for (let i = 0; i < BITSET_WORDS; i++) n += popcount32(w[i]!);
  return fromWords(w, n);
}

/** |x ∧ y| without building the intersection. */
export function andCountC(x: Container, y: Container): number {
  if (x.kind === RUN && x.n === FULL) return y.n;
  if (y.kind === RUN && y.n === FULL) return x.n;
  const a = unrun(x);
  const b = unrun(y);
  if (a.kind === ARRAY) {
    if (b.kind === ARRAY) return countIntersectArrays(a, b);
    return countInWords(a, b.words);
  }
  if (b.kind === ARRAY) return countInWords(b, a.words);
  return kernel().andCount(a.words, b.words);
}

function countInWords(a: ArrayContainer, w: Uint32Array): number {
  const d = a.data;
  let n = 0;
  for (let i = 0; i < a.n; i++) {
    const v = d[i]!;
    n += (w[v >>> 5]! >>> (v & 31)) & 1;
  }
  return n;
}

function filterArray(a: ArrayContainer, b: BitsetContainer, keep: boolean): ArrayContainer | null {
  const d = a.data;
  const w = b.words;
  const out = new Uint16Array(a.n);
  let k = 0;
  for (let i = 0; i < a.n; i++) {
    const v = d[i]!;
    const hit = (w[v >>> 5]! & (1 << (v & 31))) !== 0;
    if (hit === keep) out[k++] = v;
  }
  return k === 0 ? null : new ArrayContainer(out, k);
}

/** Binary-search step for very lopsided intersections (galloping, as in CRoaring). */
function gallop(d: Uint16Array, n: number, from: number, v: number): number {
  let step = 1;
  let hi = from;
  while (hi < n && d[hi]! < v) {
    from = hi + 1;
    hi += step;
    step *= 2;
  }
  if (hi > n) hi = n;
  let lo = from;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (d[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function intersectArrays(a: ArrayContainer, b: ArrayContainer): ArrayContainer | null {
  if (a.n > b.n) [a, b] = [b, a];
  const out = new Uint16Array(a.n);
  const ad = a.data;
  const bd = b.data;
  let k = 0;
  if (b.n > 32 * a.n) {
    let j = 0;
    for (let i = 0; i < a.n && j < b.n; i++) {
      const v = ad[i]!;
      j = gallop(bd, b.n, j, v);
      if (j < b.n && bd[j] === v) out[k++] = v;
    }
  } else {
    let i = 0;
    let j = 0;
    while (i < a.n && j < b.n) {
      const u = ad[i]!;
      const v = bd[j]!;
      if (u < v) i++;
      else if (u > v) j++;
      else {
        out[k++] = u;
        i++;
        j++;
      }
    }
  }
  return k === 0 ? null : new ArrayContainer(out, k);
}

function countIntersectArrays(a: ArrayContainer, b: ArrayContainer): number {
  if (a.n > b.n) [a, b] = [b, a];
  const ad = a.data;
  const bd = b.data;
  let i = 0;
  let j = 0;
  let k = 0;
  if (b.n > 32 * a.n) {
    // Lopsided (65 entities of one city against 3600 of a country): gallop, as intersectArrays does.
    for (; i < a.n && j < b.n; i++) {
      const v = ad[i]!;
      j = gallop(bd, b.n, j, v);
      if (j < b.n && bd[j] === v) k++;
    }
    return k;
  }
  while (i < a.n && j < b.n) {
    const u = ad[i]!;
    const v = bd[j]!;
    if (u < v) i++;
    else if (u > v) j++;
    else {
      k++;
      i++;
      j++;
    }
  }
  return k;
}

function unionArrays(a: ArrayContainer, b: ArrayContainer): ArrayContainer {
  const out = new Uint16Array(a.n + b.n);
  const ad = a.data;
  const bd = b.data;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.n && j < b.n) {
    const u = ad[i]!;
    const v = bd[j]!;
    if (u < v) {
      out[k++] = u;
      i++;
    } else if (u > v) {
      out[k++] = v;
      j++;
    } else {
      out[k++] = u;
      i++;
      j++;
    }
  }
  while (i < a.n) out[k++] = ad[i++]!;
  while (j < b.n) out[k++] = bd[j++]!;
  return new ArrayContainer(out, k);
}

function differenceArrays(a: ArrayContainer, b: ArrayContainer): ArrayContainer | null {
  const out = new Uint16Array(a.n);
  const ad = a.data;
  const bd = b.data;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.n) {
    const u = ad[i]!;
    while (j < b.n && bd[j]! < u) j++;
    if (j >= b.n || bd[j]! !== u) out[k++] = u;
    i++;
  }
  return k === 0 ? null : new ArrayContainer(out, k);
}

function symmetricArrays(a: ArrayContainer, b: ArrayContainer): ArrayContainer | null {
  const out = new Uint16Array(a.n + b.n);
  const ad = a.data;
  const bd = b.data;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.n && j < b.n) {
    const u = ad[i]!;
    const v = bd[j]!;
    if (u < v) {
      out[k++] = u;
      i++;
    } else if (u > v) {
      out[k++] = v;
      j++;
    } else {
      i++;
      j++;
    }
  }
  while (i < a.n) out[k++] = ad[i++]!;
  while (j < b.n) out[k++] = bd[j++]!;
  return k === 0 ? null : new ArrayContainer(out, k);
}

export { ARRAY, BITSET, RUN };
