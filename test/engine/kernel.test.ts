// The WASM word kernel against the pure-JS one on random rows (both must give identical words and
// counts), and the committed bits.wasm against a fresh assembly of bits.wat.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assembleKernel } from "../../scripts/build-kernel.mjs";
import type { BsiWords } from "../../engine/kernel/types";
import { jsKernel } from "../../engine/kernel/js";
import { KERNEL_WASM, loadWasmKernelNode } from "./helpers/wasm-kernel";
import { Rng } from "./helpers/seeded";

const WORDS = 2048;

function row(rng: Rng, density: number): Uint32Array {
  const w = new Uint32Array(WORDS);
  if (density === 0) return w;
  for (let i = 0; i < WORDS; i++) {
    let x = 0;
    for (let b = 0; b < 32; b++) if (rng.next() < density) x |= 1 << b;
    w[i] = x >>> 0;
  }
  return w;
}

function bsi(rng: Rng, nSlices: number): BsiWords {
  const d = rng.pick([0, 0.02, 0.5, 0.97]);
  return { ints: row(rng, rng.pick([0.5, 0.9, 1])), sign: row(rng, rng.pick([0, 0.3])), slices: Array.from({ length: nSlices }, () => row(rng, d === 0 ? 0 : rng.pick([d, 0.5]))) };
}

describe("word kernels", () => {
  it("bits.wasm is bits.wat assembled (run node scripts/build-kernel.mjs after editing the .wat)", async () => {
    expect(Buffer.compare(Buffer.from(await assembleKernel()), readFileSync(KERNEL_WASM))).toBe(0);
  });

  const wasm = loadWasmKernelNode();

  it("and / or / andNot / andCount agree", () => {
    const rng = new Rng(17);
    for (let t = 0; t < 20; t++) {
      const a = row(rng, rng.pick([0, 0.01, 0.5, 1]));
      const b = row(rng, rng.pick([0, 0.01, 0.5, 1]));
      for (const op of ["and", "or", "andNot"] as const) {
        const x = new Uint32Array(WORDS);
        const y = new Uint32Array(WORDS);
        expect(wasm[op](a, b, x)).toBe(jsKernel[op](a, b, y));
        expect(x).toEqual(y);
      }
      expect(wasm.andCount(a, b)).toBe(jsKernel.andCount(a, b));
    }
  });

  it("bsiRange agrees, including extreme bounds, both signs, OR-ing into out and resident slices", { timeout: 60_000 }, () => {
    const rng = new Rng(99);
    // Revisiting earlier chunks after the WASM arena (763 slots) has filled and started over.
    const seen: BsiWords[] = [];
    for (let t = 0; t < 60; t++) {
      const n = rng.pick([0, 1, 2, 7, 18, 33, 53]);
      const v = t >= 40 ? rng.pick(seen) : bsi(rng, n);
      seen.push(v);
      const max = 2 ** v.slices.length - 1;
      // Several ranges over the same chunk (the WASM kernel keeps its slices resident between them).
      for (let r = 0; r < 4; r++) {
        const pick = (): number => rng.pick([0, max, Math.floor(rng.next() * (max + 1)), Math.min(max, 1), Math.max(0, max - 1)]);
        let lo = pick();
        let hi = pick();
        if (lo > hi) [lo, hi] = [hi, lo];
        const scope = row(rng, rng.pick([0.001, 0.3, 1]));
        const seed = row(rng, rng.pick([0, 0.1]));
        const x = seed.slice();
        const y = seed.slice();
        const neg = rng.bool();
        const added = jsKernel.bsiRange(v, scope, lo, hi, neg, y);
        expect(wasm.bsiRange(v, scope, lo, hi, neg, x)).toBe(added);
        expect(x).toEqual(y);
        // Counting alone: the same scope, the chunk's own ints row (resident, not copied) and none.
        const whole = jsKernel.bsiRange(v, v.ints, lo, hi, neg, new Uint32Array(WORDS));
        for (const k of [jsKernel, wasm]) {
          expect(k.bsiRangeCount(v, scope, lo, hi, neg)).toBe(added);
          expect(k.bsiRangeCount(v, v.ints, lo, hi, neg)).toBe(whole);
          expect(k.bsiRangeCount(v, null, lo, hi, neg)).toBe(whole);
        }
      }
    }
  });

  it("operands, scopes and results in the scratch rows (used in place by the WASM kernel) give the same words and counts", () => {
    const rng = new Rng(4242);
    expect(wasm.rows.length).toBe(jsKernel.rows.length);
    for (let t = 0; t < 12; t++) {
      const a = row(rng, rng.pick([0, 0.01, 0.5, 1]));
      const b = row(rng, rng.pick([0, 0.01, 0.5, 1]));
      for (const op of ["and", "or", "andNot"] as const) {
        const want = new Uint32Array(WORDS);
        const n = jsKernel[op](a, b, want);
        // Both operands in rows, the result over the first; one operand a plain array; the result a plain array.
        const [r0, r1] = [wasm.rows[t % 4]!, wasm.rows[4 + (t % 4)]!];
        r0.set(a);
        r1.set(b);
        expect(wasm[op](r0, r1, r0)).toBe(n);
        expect(r0).toEqual(want);
        r0.set(a);
        expect(wasm[op](r0, b, r1)).toBe(n);
        expect(r1).toEqual(want);
        r1.set(b);
        const out = new Uint32Array(WORDS);
        expect(wasm[op](a, r1, out)).toBe(n);
        expect(out).toEqual(want);
      }
      wasm.rows[0]!.set(a);
      wasm.rows[1]!.set(b);
      expect(wasm.andCount(wasm.rows[0]!, wasm.rows[1]!)).toBe(jsKernel.andCount(a, b));
      expect(wasm.andCount(wasm.rows[0]!, b)).toBe(jsKernel.andCount(a, b));
      // A range within a scope row into an out row that already holds entities (OR-ed into).
      const v = bsi(rng, rng.pick([1, 7, 18]));
      const max = 2 ** v.slices.length - 1;
      const lo = Math.floor(rng.next() * (max + 1));
      const hi = Math.min(max, lo + Math.floor(rng.next() * (max + 1)));
      const neg = rng.bool();
      const seed = row(rng, rng.pick([0, 0.1]));
      const want = seed.slice();
      const added = jsKernel.bsiRange(v, a, lo, hi, neg, want);
      wasm.rows[2]!.set(a);
      wasm.rows[3]!.set(seed);
      expect(wasm.bsiRange(v, wasm.rows[2]!, lo, hi, neg, wasm.rows[3]!)).toBe(added);
      expect(wasm.rows[3]).toEqual(want);
      expect(wasm.rows[2]).toEqual(a);
      expect(wasm.bsiRangeCount(v, wasm.rows[2]!, lo, hi, neg)).toBe(added);
    }
  });

  it("score counters: countLevels and levelRow agree with a per-entity count (up to 17 slices)", { timeout: 30_000 }, () => {
    const rng = new Rng(23);
    for (const bits of [1, 2, 3, 5, 16, 17]) {
      const maxScore = 2 ** bits - 1;
      const nTerms = Math.min(maxScore, rng.pick([1, 3, 9]));
      const terms = Array.from({ length: nTerms }, () => row(rng, rng.pick([0, 0.01, 0.5, 1])));
      // Counters may start non-zero (the engine adds array containers first); keep the sum below 2^bits.
      const start = new Uint32Array(bits * WORDS);
      const startCount = new Float64Array(65536);
      if (maxScore > nTerms) {
        const pre = row(rng, 0.3);
        for (let e = 0; e < 65536; e++) if ((pre[e >>> 5]! >>> (e & 31)) & 1) startCount[e] = 1;
        start.set(pre, 0);
      }
      const want = startCount.slice();
      for (const t of terms) for (let e = 0; e < 65536; e++) want[e]! += (t[e >>> 5]! >>> (e & 31)) & 1;
      const levels = Math.min(maxScore, 12);
      const results = [jsKernel, wasm].map((k) => {
        const rows = start.slice();
        const hist = new Float64Array(levels + 1);
        k.countLevels(rows, bits, terms, hist);
        return { k, rows, hist };
      });
      expect(results[1]!.rows).toEqual(results[0]!.rows);
      for (const { k, rows, hist } of results) {
        for (let l = 1; l <= levels; l++) {
          const out = new Uint32Array(WORDS).fill(0xdeadbeef); // overwritten, not OR-ed
          const n = k.levelRow(rows, bits, l, out);
          let count = 0;
          for (let e = 0; e < 65536; e++) {
            const hit = want[e] === l;
            if (hit) count++;
            if (((out[e >>> 5]! >>> (e & 31)) & 1) !== (hit ? 1 : 0)) throw new Error(`${k.name}: level ${l}, entity ${e}, ${bits} slices`);
          }
          expect(n).toBe(count);
          expect(hist[l]).toBe(count);
        }
      }
    }
  });

  it("bsiRange matches a per-entity decode", { timeout: 30_000 }, () => {
    const rng = new Rng(5);
    const v = bsi(rng, 7);
    const scope = row(rng, 0.7);
    const bit = (w: Uint32Array, e: number): number => (w[e >>> 5]! >>> (e & 31)) & 1;
    const mags = new Float64Array(65536);
    for (let e = 0; e < 65536; e++) for (let j = 0; j < 7; j++) mags[e]! += bit(v.slices[j]!, e) * 2 ** j;
    for (const [lo, hi, neg] of [
      [0, 127, false],
      [25, 40, false],
      [3, 3, true],
      [0, 0, false],
      [64, 127, true],
    ] as const) {
      const want = new Uint32Array(WORDS);
      let count = 0;
      for (let e = 0; e < 65536; e++) {
        if (bit(v.ints, e) && bit(scope, e) && bit(v.sign, e) === (neg ? 1 : 0) && mags[e]! >= lo && mags[e]! <= hi) {
          want[e >>> 5] = (want[e >>> 5]! | (1 << (e & 31))) >>> 0;
          count++;
        }
      }
      for (const k of [jsKernel, wasm]) {
        const out = new Uint32Array(WORDS);
        expect(k.bsiRange(v, scope, lo, hi, neg, out)).toBe(count);
        expect(out).toEqual(want);
      }
    }
  });
});
