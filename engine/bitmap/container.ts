// The three roaring container kinds for one 2^16-value chunk (array, 8 KiB bitset, run), their
// invariants, point updates and conversions. Set algebra between containers lives in container-ops.ts.

export const ARRAY = 1;
export const BITSET = 2;
export const RUN = 3;

/** Arrays hold at most this many values; above it a bitset is smaller (RoaringFormatSpec's rule). */
export const ARRAY_MAX = 4096;
export const BITSET_WORDS = 2048;

/** Sorted distinct 16-bit values; `data` may have spare capacity past `n`. */
export class ArrayContainer {
  readonly kind = ARRAY;
  constructor(
    public data: Uint16Array,
    public n: number,
  ) {}
}

/** 65,536 bits as 2048 little-endian 32-bit words; `n` is the cached cardinality. */
export class BitsetContainer {
  readonly kind = BITSET;
  constructor(
    public words: Uint32Array,
    public n: number,
  ) {}
}

/** Runs as (start, length - 1) pairs, sorted, non-overlapping and non-adjacent; `n` = cardinality. */
export class RunContainer {
  readonly kind = RUN;
  constructor(
    public runs: Uint16Array,
    public nRuns: number,
    public n: number,
  ) {}
}

export type Container = ArrayContainer | BitsetContainer | RunContainer;

export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

export function popcountWords(w: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < w.length; i++) n += popcount32(w[i]!);
  return n;
}

// ------------------------------------------------------------------------------------------------
// Conversions
// ------------------------------------------------------------------------------------------------

/** The cheapest of array/bitset for a set given as bitset words (null when empty). Takes ownership. */
export function fromWords(words: Uint32Array, n: number): Container | null {
  if (n === 0) return null;
  if (n > ARRAY_MAX) return new BitsetContainer(words, n);
  return new ArrayContainer(wordsToValues(words, n), n);
}

export function wordsToValues(words: Uint32Array, n: number): Uint16Array {
  const out = new Uint16Array(n);
  // An int32 view keeps every step in int32 arithmetic (a uint32 load above 2^31 is a double in V8),
  // which measured about 2x faster on sparse rows.
  const s = new Int32Array(words.buffer, words.byteOffset, BITSET_WORDS);
  let k = 0;
  for (let i = 0; i < BITSET_WORDS; i++) {
    let w = s[i]!;
    if (w === 0) continue;
    const base = i << 5;
    do {
      const t = w & (-w | 0);
      out[k++] = base | (31 - Math.clz32(t));
      w = (w ^ t) | 0;
    } while (w !== 0);
  }
  return out;
}

/** Bitset words of any container (a fresh array; callers may mutate it). */
export function toWords(c: Container): Uint32Array {
  if (c.kind === BITSET) return c.words.slice();
  const w = new Uint32Array(BITSET_WORDS);
  orIntoWords(w, c);
  return w;
}

/** Sets the container's bits in `w` (any kind). */
export function orIntoWords(w: Uint32Array, c: Container): void {
  if (c.kind === ARRAY) {
    const d = c.data;
    for (let i = 0; i < c.n; i++) {
      const v = d[i]!;
      w[v >>> 5] = w[v >>> 5]! | (1 << (v & 31));
    }
  } else if (c.kind === BITSET) {
    const s = c.words;
    for (let i = 0; i < BITSET_WORDS; i++) w[i] = w[i]! | s[i]!;
  } else {
    for (let r = 0; r < c.nRuns; r++) setRange(w, c.runs[2 * r]!, c.runs[2 * r]! + c.runs[2 * r + 1]!);
  }
}

/** Sets bits [lo, hi] (inclusive) in bitset words. */
export function setRange(w: Uint32Array, lo: number, hi: number): void {
  const a = lo >>> 5;
  const b = hi >>> 5;
  if (a === b) {
    w[a] = w[a]! | maskBetween(lo & 31, hi & 31);
    return;
  }
  w[a] = w[a]! | maskBetween(lo & 31, 31);
  for (let i = a + 1; i < b; i++) w[i] = 0xffffffff;
  w[b] = w[b]! | maskBetween(0, hi & 31);
}

function maskBetween(lo: number, hi: number): number {
  // Bits lo..hi of a 32-bit word, without the 1 << 32 pitfall.
  const upper = hi === 31 ? 0xffffffff : (1 << (hi + 1)) - 1;
  return (upper & ~((1 << lo) - 1)) >>> 0;
}

/** Values of any container as a sorted Uint16Array (exact length; may alias array data). */
export function toValues(c: Container): Uint16Array {
  if (c.kind === ARRAY) return c.n === c.data.length ? c.data : c.data.subarray(0, c.n);
  if (c.kind === BITSET) return wordsToValues(c.words, c.n);
  const out = new Uint16Array(c.n);
  let k = 0;
  for (let r = 0; r < c.nRuns; r++) {
    const s = c.runs[2 * r]!;
    const e = s + c.runs[2 * r + 1]!;
    for (let v = s; v <= e; v++) out[k++] = v;
  }
  return out;
}

/** Array or bitset form of a run container (ops work on those two kinds). */
export function unrun(c: Container): ArrayContainer | BitsetContainer {
  if (c.kind !== RUN) return c;
  if (c.n > ARRAY_MAX) return new BitsetContainer(toWords(c), c.n);
  return new ArrayContainer(toValues(c), c.n);
}

function countRunsInValues(d: Uint16Array, n: number): number {
  let runs = 0;
  for (let i = 0; i < n; i++) if (i === 0 || d[i]! !== d[i - 1]! + 1) runs++;
  return runs;
}

function countRunsInWords(w: Uint32Array): number {
  // A run starts at every set bit whose predecessor bit is clear.
  let runs = 0;
  let carry = 0;
  for (let i = 0; i < BITSET_WORDS; i++) {
    const x = w[i]!;
    const prev = ((x << 1) | carry) >>> 0;
    runs += popcount32(x & ~prev);
    carry = x >>> 31;
  }
  return runs;
}

/** Serialized size of each representation, as RoaringFormatSpec lays them out. */
export function arrayBytes(n: number): number {
  return 2 * n;
}
export function runBytes(nRuns: number): number {
  return 2 + 4 * nRuns;
}

/** The smallest representation of the container (runs where they pay off), as CRoaring's runOptimize. */
export function optimize(c: Container): Container {
  const nRuns = c.kind === RUN ? c.nRuns : c.kind === ARRAY ? countRunsInValues(c.data, c.n) : countRunsInWords(c.words);
  const plain = c.n > ARRAY_MAX ? 8192 : arrayBytes(c.n);
  if (runBytes(nRuns) < plain) return c.kind === RUN ? c : toRun(c, nRuns);
  return unrun(c);
}

function toRun(c: ArrayContainer | BitsetContainer, nRuns: number): RunContainer {
  const runs = new Uint16Array(2 * nRuns);
  let r = -1;
  let prev = -2;
  const push = (v: number): void => {
    if (v === prev + 1) runs[2 * r + 1]!++;
    else {
      r++;
      runs[2 * r] = v;
      runs[2 * r + 1] = 0;
    }
    prev = v;
  };
  if (c.kind === ARRAY) for (let i = 0; i < c.n; i++) push(c.data[i]!);
  else forEachInWords(c.words, push);
  return new RunContainer(runs, nRuns, c.n);
}

export function forEachInWords(w: Uint32Array, fn: (v: number) => void): void {
  for (let i = 0; i < BITSET_WORDS; i++) {
    let x = w[i]!;
    while (x !== 0) {
      const t = x & -x;
      fn((i << 5) | (31 - Math.clz32(t)));
      x ^= t;
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Point queries and updates (the write path; query results are never mutated)
// ------------------------------------------------------------------------------------------------

/** Index of v in d[0..n), or -(insertion point) - 1. */
export function search16(d: Uint16Array, n: number, v: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = d[mid]!;
    if (x < v) lo = mid + 1;
    else if (x > v) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

export function containerHas(c: Container, v: number): boolean {
  if (c.kind === BITSET) return (c.words[v >>> 5]! & (1 << (v & 31))) !== 0;
  if (c.kind === ARRAY) return search16(c.data, c.n, v) >= 0;
  let lo = 0;
  let hi = c.nRuns - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const s = c.runs[2 * mid]!;
    if (v < s) hi = mid - 1;
    else if (v > s + c.runs[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Adds v; answers the container to keep (it may change kind). Mutates `c`. */
export function containerAdd(c: Container, v: number): Container {
  if (c.kind === RUN) c = unrun(c.n === 0 ? c : cloneContainer(c));
  if (c.kind === BITSET) {
    const i = v >>> 5;
    const bit = 1 << (v & 31);
    if ((c.words[i]! & bit) === 0) {
      c.words[i] = c.words[i]! | bit;
      c.n++;
    }
    return c;
  }
  const at = search16(c.data, c.n, v);
  if (at >= 0) return c;
  if (c.n >= ARRAY_MAX) {
    const w = toWords(c);
    w[v >>> 5] = w[v >>> 5]! | (1 << (v & 31));
    return new BitsetContainer(w, c.n + 1);
  }
  const pos = -at - 1;
  if (c.n === c.data.length) {
    const grown = new Uint16Array(Math.min(ARRAY_MAX, Math.max(4, c.data.length * 2)));
    grown.set(c.data.subarray(0, c.n));
    c.data = grown;
  }
  c.data.copyWithin(pos + 1, pos, c.n);
  c.data[pos] = v;
  c.n++;
  return c;
}

/** Removes v; answers the container to keep, or null when it became empty. Mutates `c`. */
export function containerRemove(c: Container, v: number): Container | null {
  if (c.kind === RUN) {
    if (!containerHas(c, v)) return c;
    c = unrun(c);
  }
  if (c.kind === BITSET) {
    const i = v >>> 5;
    const bit = 1 << (v & 31);
    if ((c.words[i]! & bit) === 0) return c;
    c.words[i] = c.words[i]! & ~bit;
    c.n--;
    if (c.n <= ARRAY_MAX) return fromWords(c.words, c.n);
    return c;
  }
  const at = search16(c.data, c.n, v);
  if (at < 0) return c;
  c.data.copyWithin(at, at + 1, c.n);
  c.n--;
  return c.n === 0 ? null : c;
}

export function singleton(v: number): ArrayContainer {
  const d = new Uint16Array(4);
  d[0] = v;
  return new ArrayContainer(d, 1);
}

export function cloneContainer(c: Container): Container {
  if (c.kind === ARRAY) return new ArrayContainer(c.data.slice(0, Math.max(c.n, 1)), c.n);
  if (c.kind === BITSET) return new BitsetContainer(c.words.slice(), c.n);
  return new RunContainer(c.runs.slice(0, 2 * c.nRuns), c.nRuns, c.n);
}

/** Exact bytes the container's typed arrays hold (for the cache's budget). */
export function containerHeapBytes(c: Container): number {
  if (c.kind === ARRAY) return 32 + c.data.byteLength;
  if (c.kind === BITSET) return 32 + c.words.byteLength;
  return 32 + c.runs.byteLength;
}

/** Checks the container's invariants; answers a description of the first violation, or null. */
export function containerProblem(c: Container): string | null {
  if (c.n <= 0) return "empty container";
  if (c.kind === ARRAY) {
    if (c.n > ARRAY_MAX) return `array container with ${c.n} > ${ARRAY_MAX} values`;
    if (c.data.length < c.n) return "array container shorter than its cardinality";
    for (let i = 1; i < c.n; i++) if (c.data[i]! <= c.data[i - 1]!) return `array container not strictly increasing at ${i}`;
    return null;
  }
  if (c.kind === BITSET) {
    if (c.words.length !== BITSET_WORDS) return "bitset container of the wrong size";
    const n = popcountWords(c.words);
    if (n !== c.n) return `bitset cardinality ${c.n} but ${n} bits set`;
    if (n <= ARRAY_MAX) return `bitset container with only ${n} values`;
    return null;
  }
  if (c.nRuns <= 0 || c.runs.length < 2 * c.nRuns) return "run container without runs";
  let n = 0;
  let prevEnd = -2;
  for (let r = 0; r < c.nRuns; r++) {
    const s = c.runs[2 * r]!;
    const e = s + c.runs[2 * r + 1]!;
    if (e > 0xffff) return `run ${r} overflows the chunk`;
    if (s <= prevEnd + 1) return `run ${r} overlaps or touches the previous run`;
    n += e - s + 1;
    prevEnd = e;
  }
  if (n !== c.n) return `run cardinality ${c.n} but runs cover ${n}`;
  return null;
}
