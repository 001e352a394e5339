// The bits.wasm kernel behind the WordKernel interface. Its 6 MiB memory never grows, so one set of
// views stays valid. Chunks' slice rows are copied into an arena of slots and stay resident across
// queries (a bump allocator that starts over when full), so repeated ranges copy only scope and out
// (and a count over a whole chunk neither). Score counters of up to 16 slices have their own slots.
// The scratch rows (WordKernel.rows) are views of this memory: an operand, scope or result that is one
// of them is used in place instead of being copied.

import type { BsiWords, WordKernel } from "./types";
import { SCRATCH_ROWS, jsKernel } from "./js";
import { sliceMasks } from "./masks";

const SLOT = 2048; // words per slot (one 65,536-bit row)
const ARENA_SLOTS = 739;
const ROWS = ARENA_SLOTS; // 739..746: the scratch rows
const COUNTERS = 747 * SLOT; // 16 slots of score counters: up to 16 slices
const COUNTER_SLOTS = 16;
const A = 763 * SLOT; // scope of bsi_range, or operand a
const OUT = 764 * SLOT;
const B = 765 * SLOT;
const LO_MASKS = 766 * SLOT; // 53 v128 masks, then the hi ones 1024 bytes (256 words) later
const HI_MASKS = LO_MASKS + 256;
const MAX_SLICES = 53;

interface Exports {
  memory: { buffer: ArrayBuffer };
  binop(a: number, b: number, out: number, op: number): number;
  and_count(a: number, b: number): number;
  bsi_range(base: number, nSlices: number, useLo: number, useHi: number, neg: number, scope: number, out: number, write: number): number;
  ctr_add(carry: number, base: number, bits: number): void;
  ctr_level(base: number, bits: number, level: number, out: number, write: number): number;
}

/** The part of the WebAssembly API used here, typed structurally: Node's type set does not declare it. */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: unknown };
}
export const wasmApi = (): WasmApi => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Instantiates the kernel from the compiled bits.wasm (a Worker's module import, or bytes compiled in Node). */
export function wasmKernel(mod: object): WordKernel {
  const x = new (wasmApi().Instance)(mod, {}).exports as unknown as Exports;
  const buf = x.memory.buffer;
  const mem = new Uint32Array(buf);
  const rows = Array.from({ length: SCRATCH_ROWS }, (_, i) => mem.subarray((ROWS + i) * SLOT, (ROWS + i + 1) * SLOT));
  /** Word offset of a row: where it already lies when it is a view of this memory, else after copying it to `slot`. */
  const at = (r: Uint32Array, slot: number): number => {
    if (r.buffer === buf) return r.byteOffset >>> 2;
    mem.set(r, slot);
    return slot;
  };
  const masks = new Int32Array(x.memory.buffer);
  // Resident chunks: BsiWords objects are immutable while in use (a write builds new ones), so
  // identity is a safe key; a weak map lets dropped chunks go, the generation invalidates on reset.
  let resident = new WeakMap<BsiWords, number>();
  let next = 0;

  const place = (v: BsiWords): number => {
    const hit = resident.get(v);
    if (hit !== undefined) return hit;
    const need = v.slices.length + 2;
    if (next + need > ARENA_SLOTS) {
      resident = new WeakMap();
      next = 0;
    }
    const slot = next;
    next += need;
    for (let j = 0; j < v.slices.length; j++) mem.set(v.slices[j]!, (slot + j) * SLOT);
    mem.set(v.ints, (slot + v.slices.length) * SLOT);
    mem.set(v.sign, (slot + v.slices.length + 1) * SLOT);
    resident.set(v, slot);
    return slot;
  };

  /** The range compare over a resident chunk; a scope that is the chunk's own ints row is not copied. */
  const range = (v: BsiWords, scope: Uint32Array | null, lo: number, hi: number, neg: boolean, write: boolean, outAt = OUT): number => {
    const n = v.slices.length;
    if (n > MAX_SLICES) throw new Error(`${n} slices exceed the kernel's ${MAX_SLICES}`);
    const slot = place(v);
    const m = sliceMasks(n, lo, hi);
    for (let j = 0; j < n; j++) {
      masks.fill(m.lo[j]!, LO_MASKS + 4 * j, LO_MASKS + 4 * j + 4);
      masks.fill(m.hi[j]!, HI_MASKS + 4 * j, HI_MASKS + 4 * j + 4);
    }
    // The resident ints row stands for a scope that is the chunk's own ints row.
    const scopeAt = scope === null || scope === v.ints ? (slot + n) * SLOT : at(scope, A);
    return x.bsi_range(slot * SLOT * 4, n, m.useLo ? 1 : 0, m.useHi ? 1 : 0, neg ? 1 : 0, scopeAt * 4, outAt * 4, write ? 1 : 0);
  };

  const binop = (a: Uint32Array, b: Uint32Array, out: Uint32Array, op: number): number => {
    const inPlace = out.buffer === buf;
    const n = x.binop(at(a, A) * 4, at(b, B) * 4, inPlace ? out.byteOffset : OUT * 4, op);
    if (!inPlace) out.set(mem.subarray(OUT, OUT + SLOT));
    return n;
  };

  return {
    name: "wasm",
    rows,
    and: (a, b, out) => binop(a, b, out, 0),
    or: (a, b, out) => binop(a, b, out, 1),
    andNot: (a, b, out) => binop(a, b, out, 2),
    andCount: (a, b) => x.and_count(at(a, A) * 4, at(b, B) * 4),
    bsiRange(v, scope, lo, hi, neg, out) {
      if (out.buffer === buf) return range(v, scope, lo, hi, neg, true, out.byteOffset >>> 2);
      mem.set(out, OUT);
      const added = range(v, scope, lo, hi, neg, true);
      out.set(mem.subarray(OUT, OUT + SLOT));
      return added;
    },
    bsiRangeCount: (v, scope, lo, hi, neg) => range(v, scope, lo, hi, neg, false),
    countLevels(rows, bits, terms, hist) {
      if (bits > COUNTER_SLOTS) return jsKernel.countLevels(rows, bits, terms, hist);
      mem.set(rows, COUNTERS);
      for (const t of terms) {
        mem.set(t, A);
        x.ctr_add(A * 4, COUNTERS * 4, bits);
      }
      rows.set(mem.subarray(COUNTERS, COUNTERS + bits * SLOT));
      for (let l = 1; l < hist.length; l++) hist[l] = x.ctr_level(COUNTERS * 4, bits, l, 0, 0);
    },
    levelRow(rows, bits, level, out) {
      if (bits > COUNTER_SLOTS) return jsKernel.levelRow(rows, bits, level, out);
      mem.set(rows, COUNTERS);
      const n = x.ctr_level(COUNTERS * 4, bits, level, OUT * 4, 1);
      out.set(mem.subarray(OUT, OUT + SLOT));
      return n;
    },
  };
}
