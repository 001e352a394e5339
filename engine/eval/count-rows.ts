// Counts of and/or/not expressions evaluated chunk by chunk in the word kernel's scratch rows: per
// 65,536-entity chunk, each leaf is loaded (or OR-ed, for the value bitmaps of a dictionary test)
// into a row, `and` ANDs rows in place and runs bit-sliced ranges within the running scope, `or` ORs
// them, and the root row's popcount is the chunk's count. No intermediate containers are built, and
// with the WASM kernel the rows live in its memory, so only the stored value rows are copied in.
// Leaves without a row form here (events, ids, other dimensions' columns, chunks with odd numbers)
// use the evaluator's own bitmap of the leaf, one container per chunk.

import type { Bitmap } from "../bitmap/bitmap";
import { ARRAY, ARRAY_MAX, BITSET, BITSET_WORDS, type Container, setRange } from "../bitmap/container";
import { kernel } from "../kernel/kernel";
import type { NumberColumn } from "../encodings/number-column";

/** An expression compiled for the rows (Evaluator.rowPlan in expr.ts). */
export type RowNode =
  /** Union of value bitmaps: the entities holding one of `codes` (ascending), from the chunk's value map. */
  | { kind: "codes"; chunk: (k: number) => { values: Map<number, Container> } | null; codes: readonly number[] }
  /** A bit-sliced eq/range leaf; `fallback` is its bitmap, for chunks the kernel cannot compare (odd values). */
  | { kind: "range"; col: NumberColumn; bounds: { L: number; H: number }; fallback: () => Bitmap }
  /** Anything else, already a bitmap (`live` for `not`). */
  | { kind: "set"; bitmap: Bitmap }
  | { kind: "and"; args: RowNode[] }
  | { kind: "or"; args: RowNode[] }
  | { kind: "not"; arg: RowNode; live: Bitmap };

export type CountPath = "auto" | "rows" | "bitmaps";
let forced: CountPath = "auto";

/** Forces counts through the rows (or the bitmap algebra) for every query of this isolate (tests). */
export function forceCountPath(path: CountPath): void {
  forced = path;
}

export function forcedCountPath(): CountPath {
  return forced;
}

/** How often each path counted since the last reset (tests check that "auto" reaches both). */
export const countPathsTaken = { rows: 0, bitmaps: 0 };

/**
 * An `and` of sets only, one of them with at most this many entities per chunk on average, is left to
 * bitmap algebra: probing a few array values is cheaper than loading, combining and counting
 * 2048-word rows. Measured on the bench shard: city=x (65 entities) and country=y 0.07 ms through
 * bitmaps, 0.10 ms through rows; with a city of ~9,000 entities both ways cost about the same.
 */
export const SPARSE_PER_CHUNK = 256;

/** How many rows evaluating the node needs (its own, then its children's temporaries above it). */
export function rowsNeeded(n: RowNode): number {
  switch (n.kind) {
    case "codes":
    case "range":
    case "set":
      return 1;
    case "not":
      return 1 + rowsNeeded(n.arg);
    case "and":
    case "or":
      return 1 + Math.max(1, ...n.args.map(rowsNeeded));
  }
}

/** Entities of the chunk array filtered in place (an AND with an array container). */
const KEPT = new Uint16Array(ARRAY_MAX);

/** Count of `root` over the chunks `keys` (those holding live entities). */
export function countByRows(root: RowNode, keys: readonly number[]): number {
  let total = 0;
  for (const k of keys) total += evalInto(root, 0, k);
  return total;
}

/** Evaluates node on chunk k into rows[i] (rows above i are scratch) and answers its popcount. */
function evalInto(node: RowNode, i: number, k: number): number {
  const rows = kernel().rows;
  const row = rows[i]!;
  switch (node.kind) {
    case "codes":
      return loadCodes(node, k, row);
    case "set":
      return load(row, node.bitmap.container(k));
    case "range": {
      row.fill(0);
      const n = node.col.rangeRow(k, node.bounds, null, row);
      return n !== undefined ? n : load(row, node.fallback().container(k));
    }
    case "not": {
      const next = rows[i + 1]!;
      evalInto(node.arg, i + 1, k);
      load(row, node.live.container(k));
      return kernel().andNot(row, next, row);
    }
    case "or": {
      let n = evalInto(node.args[0]!, i, k);
      for (let a = 1; a < node.args.length; a++) {
        const arg = node.args[a]!;
        if (arg.kind === "set") {
          const c = arg.bitmap.container(k);
          if (c !== undefined) n = orContainer(row, c);
          continue;
        }
        evalInto(arg, i + 1, k);
        n = kernel().or(row, rows[i + 1]!, row);
      }
      return n >= 0 ? n : kernel().andCount(row, row);
    }
    case "and": {
      let n = evalInto(node.args[0]!, i, k);
      for (let a = 1; a < node.args.length && n > 0; a++) n = andInto(node.args[a]!, i, k);
      return n;
    }
  }
}

/** rows[i] ∧= node on chunk k; answers the new popcount. */
function andInto(node: RowNode, i: number, k: number): number {
  const rows = kernel().rows;
  const row = rows[i]!;
  const next = rows[i + 1]!;
  if (node.kind === "set") return andContainer(row, node.bitmap.container(k), next);
  if (node.kind === "codes" && node.codes.length === 1) return andContainer(row, node.chunk(k)?.values.get(node.codes[0]!), next);
  if (node.kind === "range") {
    // Compared only within the running scope: the kernel skips words with no entity left.
    next.fill(0);
    const n = node.col.rangeRow(k, node.bounds, row, next);
    if (n === undefined) return andContainer(row, node.fallback().container(k), next);
    row.set(next);
    return n;
  }
  evalInto(node, i + 1, k);
  return kernel().and(row, next, row);
}

function loadCodes(node: Extract<RowNode, { kind: "codes" }>, k: number, row: Uint32Array): number {
  const ch = node.chunk(k);
  if (ch === null) return load(row, undefined);
  let n = 0;
  let first = true;
  let exact = true;
  // Iterate whichever is smaller: the wanted codes or the chunk's values.
  const visit = (c: Container | undefined): void => {
    if (c === undefined) return;
    if (first) {
      n = load(row, c);
      first = false;
    } else {
      n = orContainer(row, c);
      if (n < 0) exact = false;
    }
  };
  if (node.codes.length <= ch.values.size) for (const code of node.codes) visit(ch.values.get(code));
  else {
    const codes = node.codes;
    for (const [code, c] of ch.values) if (isIn(codes, code)) visit(c);
  }
  if (first) return load(row, undefined);
  return exact ? n : kernel().andCount(row, row);
}

/** Binary search in ascending codes. */
function isIn(codes: readonly number[], code: number): boolean {
  let lo = 0;
  let hi = codes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = codes[mid]!;
    if (v < code) lo = mid + 1;
    else if (v > code) hi = mid - 1;
    else return true;
  }
  return false;
}

/** Overwrites row with the container's entities (none: undefined); answers how many. */
function load(row: Uint32Array, c: Container | undefined): number {
  if (c === undefined) {
    row.fill(0);
    return 0;
  }
  if (c.kind === BITSET) row.set(c.words);
  else {
    row.fill(0);
    orContainer(row, c);
  }
  return c.n;
}

/** row ∨= c; answers the new popcount, or -1 when it did not count (array and run containers). */
function orContainer(row: Uint32Array, c: Container): number {
  if (c.kind === BITSET) return kernel().or(row, c.words, row);
  if (c.kind === ARRAY) {
    const d = c.data;
    for (let j = 0; j < c.n; j++) {
      const v = d[j]!;
      row[v >>> 5] = row[v >>> 5]! | (1 << (v & 31));
    }
  } else for (let r = 0; r < c.nRuns; r++) setRange(row, c.runs[2 * r]!, c.runs[2 * r]! + c.runs[2 * r + 1]!);
  return -1;
}

/** row ∧= c (none: undefined), with `scratch` free for a run container's row; answers the new popcount. */
function andContainer(row: Uint32Array, c: Container | undefined, scratch: Uint32Array): number {
  if (c === undefined) {
    row.fill(0);
    return 0;
  }
  if (c.kind === BITSET) return kernel().and(row, c.words, row);
  if (c.kind === ARRAY) {
    // Keep the array's members present in row, then write back only those.
    const d = c.data;
    let n = 0;
    for (let j = 0; j < c.n; j++) {
      const v = d[j]!;
      if ((row[v >>> 5]! & (1 << (v & 31))) !== 0) KEPT[n++] = v;
    }
    row.fill(0);
    for (let j = 0; j < n; j++) {
      const v = KEPT[j]!;
      row[v >>> 5] = row[v >>> 5]! | (1 << (v & 31));
    }
    return n;
  }
  if (c.n === BITSET_WORDS * 32) return kernel().andCount(row, row);
  scratch.fill(0);
  orContainer(scratch, c);
  return kernel().and(row, scratch, row);
}
