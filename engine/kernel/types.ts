// The word kernel's interface, which the JS and WASM kernels implement and kernel.ts installs; apart
// so that the kernels and the installer do not import each other.

/** Word views of one bit-sliced chunk; the same object stands for the same contents (views are rebuilt after writes). */
export interface BsiWords {
  readonly ints: Uint32Array;
  readonly sign: Uint32Array;
  readonly slices: readonly Uint32Array[];
}

/** Loops over 2048-word rows (one 65,536-entity chunk). Every result is identical across kernels. */
export interface WordKernel {
  readonly name: string;
  /**
   * Scratch rows of 2048 words the caller may use freely (eval/count-rows.ts keeps a count's
   * intermediate rows here). The WASM kernel's live in its own memory, so its operations on them copy
   * nothing in or out; the JS kernel's are plain arrays.
   */
  readonly rows: ReadonlyArray<Uint32Array<ArrayBuffer>>;
  /** out = a ∧ b (a ∨ b, a ∧ ¬b); answers popcount(out). out may alias a or b. */
  and(a: Uint32Array, b: Uint32Array, out: Uint32Array): number;
  or(a: Uint32Array, b: Uint32Array, out: Uint32Array): number;
  andNot(a: Uint32Array, b: Uint32Array, out: Uint32Array): number;
  andCount(a: Uint32Array, b: Uint32Array): number;
  /**
   * OR-s into out the entities of ints ∧ scope ∧ (neg ? sign : ¬sign) whose magnitude lies in
   * [lo, hi], where 0 <= lo <= hi <= 2^B - 1 (B = slice count); answers how many it added.
   */
  bsiRange(v: BsiWords, scope: Uint32Array, lo: number, hi: number, neg: boolean, out: Uint32Array): number;
  /** How many entities bsiRange would add to an empty row (scope null: all of ints); writes nothing. */
  bsiRangeCount(v: BsiWords, scope: Uint32Array | null, lo: number, hi: number, neg: boolean): number;
  /**
   * Bit-sliced counters of one chunk: `rows` holds `bits` rows of 2048 words (slice j at j * 2048,
   * least significant first; counts stay below 2^bits). Adds 1 for every member of each of `terms`,
   * then sets hist[l] to how many entities count exactly l, for 1 <= l < hist.length.
   */
  countLevels(rows: Uint32Array, bits: number, terms: readonly Uint32Array[], hist: Float64Array): void;
  /** Writes to out (overwriting it) the entities whose counter in rows is exactly level; answers how many. */
  levelRow(rows: Uint32Array, bits: number, level: number, out: Uint32Array): number;
}
