// Grouping a chunk's entities by reading each one's code from the bit-packed forward array, the
// alternative to intersecting every value bitmap with the entities. Its cost grows with the number
// of entities and not with the number of values, so it wins for sparse entity sets and for columns
// with many values (1000 cities: ~1000 small intersections per chunk against one read per entity);
// intersections win when a few dense value bitmaps meet a dense set (word kernel, no per-entity work).
// For counts over a dense set, scanning the column's entities outside it and subtracting their codes
// from the value bitmaps' cardinalities reads fewer entities still.

import { ARRAY, ARRAY_MAX, ArrayContainer, BITSET, BITSET_WORDS, BitsetContainer, type Container, orIntoWords, toWords } from "../bitmap/container";
import { andCountC } from "../bitmap/container-ops";
import { kernel } from "../kernel/kernel";
import type { PackedCodes } from "./packed";
import { COST, forcedPath, perEntity } from "./paths";

// Per-entity costs in nanoseconds: reading one entity's code (and counting it, or filing it in its
// group's set); the fixed cost of one value bitmap (map step, call, result object when sets are built).
const READ_CODE = 3;
const FILE_ENTITY = 3;
const PER_VALUE = 40;
const PER_VALUE_SET = 150;
// The rest scan's extras: adding one value bitmap's cardinality; building the exists ∖ within row.
const PER_VALUE_TOTAL = 15;
const REST_ROW = 4000;

/** How a chunk's groups are computed: intersections, a scan of `within`, or (counts only) a scan of the rest. */
export type ScanChoice = "bitmaps" | "within" | "rest";

/**
 * The cheapest estimated way to group `within` by the chunk's codes (only codes with pass[code] = 1
 * matter): intersect it with each value bitmap, read the code of each of its entities, or, for
 * counts of a dense `within`, read the codes of the column's other entities (exists ∖ within) and
 * subtract them from the value bitmaps' cardinalities (a 70 % filter reads 30 % of the entities).
 */
export function scanChoice(within: Container, values: ReadonlyMap<number, Container>, exists: Container | null, pass: Uint8Array, wantSets: boolean): ScanChoice {
  let scan = within.n * (READ_CODE + (wantSets ? FILE_ENTITY : 0));
  let useRest = false;
  if (!wantSets && exists !== null && 2 * within.n > exists.n) {
    const restN = exists.n - andCountC(exists, within);
    const rest = restN * READ_CODE + values.size * PER_VALUE_TOTAL + REST_ROW;
    // Forced to entities (tests), the smaller scan wins whatever the fixed costs, so small data reaches it.
    useRest = forcedPath() === "auto" ? rest < scan : restN < within.n;
    if (useRest) scan = rest;
  }
  const fixed = wantSets ? PER_VALUE_SET : PER_VALUE;
  const dense = within.n > ARRAY_MAX;
  let bitmaps = 0;
  for (const [code, c] of values) {
    if (pass[code] !== 1) continue;
    const big = c.n > ARRAY_MAX;
    if (dense) bitmaps += fixed + (big ? (wantSets ? COST.kernelSet : COST.kernelPass) : c.n * COST.probe);
    else bitmaps += fixed + (big ? within.n * COST.probe : Math.min(within.n, c.n) * COST.mergeStep);
    if (bitmaps > scan) break; // already dearer: no need to look further
  }
  if (!perEntity(scan, bitmaps)) return "bitmaps";
  return useRest ? "rest" : "within";
}

/** Scratch of readCodes (single-threaded, never re-entered while in use). */
const LOCALS = new Uint16Array(65536);
const CODES = new Uint32Array(65536);

/**
 * The entities of `within` (ascending) and their codes, in the shared scratch arrays LOCALS and
 * CODES (valid until the next call); answers how many. A code is 0 where the entity has no value
 * (and when no entity of the chunk has one, none is listed).
 */
export function readCodes(fwd: PackedCodes, within: Container): { n: number; locals: Uint16Array; codes: Uint32Array } {
  const width = fwd.width;
  const fw = fwd.words;
  let n = 0;
  if (width === 0) return { n, locals: LOCALS, codes: CODES }; // no entity of the chunk has a value
  const mask = width >= 32 ? -1 : (1 << width) - 1;
  if (within.kind === BITSET) {
    const s = new Int32Array(within.words.buffer, within.words.byteOffset, BITSET_WORDS);
    for (let i = 0; i < BITSET_WORDS; i++) {
      let x = s[i]!;
      if (x === 0) continue;
      const base = i << 5;
      do {
        const t = x & (-x | 0);
        const l = base | (31 - Math.clz32(t));
        LOCALS[n] = l;
        CODES[n++] = codeAt(fw, width, mask, l);
        x = (x ^ t) | 0;
      } while (x !== 0);
    }
  } else if (within.kind === ARRAY) {
    const d = within.data;
    for (let i = 0; i < within.n; i++) {
      const l = d[i]!;
      LOCALS[n] = l;
      CODES[n++] = codeAt(fw, width, mask, l);
    }
  } else {
    for (let r = 0; r < within.nRuns; r++) {
      const s = within.runs[2 * r]!;
      const e = s + within.runs[2 * r + 1]!;
      for (let l = s; l <= e; l++) {
        LOCALS[n] = l;
        CODES[n++] = codeAt(fw, width, mask, l);
      }
    }
  }
  return { n, locals: LOCALS, codes: CODES };
}

/**
 * The code of entity l: `width` bits from bit l * width, possibly straddling two words. Branch-free:
 * the next word always exists (PackedCodes keeps a spare one), and shifting it left by 1 then by
 * 31 - off drops it entirely when off = 0 (a single shift by 32 would be a shift by 0 in JS).
 */
export function codeAt(fw: Uint32Array, width: number, mask: number, l: number): number {
  const bit = l * width;
  const at = bit >>> 5;
  const off = bit & 31;
  return (((fw[at]! >>> off) | ((fw[at + 1]! << 1) << (31 - off))) & mask) >>> 0;
}

/**
 * counts[code] += entities of `within` holding that code (counts[0]: those without a value), counted
 * directly while scanning (no scratch lists).
 */
export function countCodes(fwd: PackedCodes, within: Container, counts: Float64Array): void {
  const width = fwd.width;
  if (width === 0) return;
  const fw = fwd.words;
  const mask = width >= 32 ? -1 : (1 << width) - 1;
  if (within.kind === BITSET) {
    countWordCodes(fw, width, mask, within.words, counts, 1);
    return;
  }
  if (within.kind === ARRAY) {
    const d = within.data;
    for (let i = 0; i < within.n; i++) counts[codeAt(fw, width, mask, d[i]!)]!++;
    return;
  }
  const { n, codes } = readCodes(fwd, within);
  for (let i = 0; i < n; i++) counts[codes[i]!]!++;
}

/** Scratch row of countRest (single-threaded, never re-entered). */
const REST = new Uint32Array(BITSET_WORDS);

/**
 * countCodes the other way round: every value bitmap's cardinality, minus the codes of the column's
 * entities outside `within` (exists ∖ within). Equal because every value bitmap lies inside exists.
 */
export function countRest(fwd: PackedCodes, within: Container, values: ReadonlyMap<number, Container>, exists: Container, counts: Float64Array): void {
  for (const [code, c] of values) counts[code]! += c.n;
  const width = fwd.width;
  if (width === 0) return;
  REST.fill(0);
  orIntoWords(REST, exists);
  if (within.kind === BITSET) kernel().andNot(REST, within.words, REST);
  else if (within.kind === ARRAY) {
    const d = within.data;
    for (let i = 0; i < within.n; i++) REST[d[i]! >>> 5] = REST[d[i]! >>> 5]! & ~(1 << (d[i]! & 31));
  } else kernel().andNot(REST, toWords(within), REST);
  countWordCodes(fwd.words, width, width >= 32 ? -1 : (1 << width) - 1, REST, counts, -1);
}

/** counts[code] += delta for the code of every entity set in the words. */
function countWordCodes(fw: Uint32Array, width: number, mask: number, words: Uint32Array, counts: Float64Array, delta: number): void {
  const s = new Int32Array(words.buffer, words.byteOffset, BITSET_WORDS);
  for (let i = 0; i < BITSET_WORDS; i++) {
    let x = s[i]!;
    if (x === 0) continue;
    const base = i << 5;
    do {
      const t = x & (-x | 0);
      counts[codeAt(fw, width, mask, base | (31 - Math.clz32(t)))]! += delta;
      x = (x ^ t) | 0;
    } while (x !== 0);
  }
}

/**
 * The entities of `within` split by code, as one container per code with pass[code] = 1 (codes of
 * one chunk; each entity has at most one code, so the parts are disjoint).
 */
export function splitByCodes(fwd: PackedCodes, within: Container, pass: Uint8Array): Map<number, Container> {
  const { n, locals, codes } = readCodes(fwd, within);
  const sizes = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const code = codes[i]!;
    if (pass[code] === 1) sizes.set(code, (sizes.get(code) ?? 0) + 1);
  }
  // Arrays are filled in ascending local order; sets above ARRAY_MAX become bitsets.
  const arrays = new Map<number, { data: Uint16Array; k: number }>();
  const bitsets = new Map<number, Uint32Array>();
  for (const [code, size] of sizes) {
    if (size > ARRAY_MAX) bitsets.set(code, new Uint32Array(BITSET_WORDS));
    else arrays.set(code, { data: new Uint16Array(size), k: 0 });
  }
  for (let i = 0; i < n; i++) {
    const code = codes[i]!;
    if (pass[code] !== 1) continue;
    const l = locals[i]!;
    const a = arrays.get(code);
    if (a !== undefined) a.data[a.k++] = l;
    else {
      const w = bitsets.get(code)!;
      w[l >>> 5] = w[l >>> 5]! | (1 << (l & 31));
    }
  }
  const out = new Map<number, Container>();
  for (const [code, size] of sizes) {
    const a = arrays.get(code);
    out.set(code, a !== undefined ? new ArrayContainer(a.data, size) : new BitsetContainer(bitsets.get(code)!, size));
  }
  return out;
}
