// The decoded integers of a bit-sliced chunk (bsi.ts decodeInts): the 32 x 32 bit transpose against
// a bit-by-bit one, and every local's decoded integer against intAt on random chunks (negatives,
// missing values, odd values, cleared entities, up to 31 slices).

import { describe, expect, it } from "vitest";
import { BsiChunk, decodeInts, transpose32 } from "../../engine/encodings/bsi";
import { Rng } from "./helpers/seeded";

const KEY = { kind: 0, a: 1, b: 0, c: 0 };

describe("transpose32", () => {
  it("equals a bit-by-bit transpose on random matrices", () => {
    const rng = new Rng(11);
    for (let t = 0; t < 200; t++) {
      const a = Int32Array.from({ length: 32 }, () => (rng.int(0, 0xffff) << 16) | rng.int(0, 0xffff));
      const want = new Int32Array(32);
      for (let r = 0; r < 32; r++) for (let c = 0; c < 32; c++) if ((a[r]! >>> c) & 1) want[c] = want[c]! | (1 << r);
      const got = a.slice();
      transpose32(got);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });
});

describe("decodeInts", () => {
  it.each([1, 7, 18, 31])("equals intAt for every local of random chunks (magnitudes below 2^%i)", (bits) => {
    const rng = new Rng(bits * 31);
    for (let t = 0; t < 4; t++) {
      const ch = BsiChunk.empty(KEY, false);
      const density = rng.pick([0.001, 0.05, 0.5, 1]);
      const max = 2 ** bits - 1;
      for (let l = 0; l < 65536; l++) {
        if (!rng.bool(density)) continue;
        const mag = rng.bool(0.05) ? max : rng.int(0, max);
        if (rng.bool(0.01)) ch.setOdd(l, 0.5 + l);
        else ch.setInt(l, rng.bool(0.3) ? -mag : mag);
      }
      // Overwrites and clears after the first values.
      for (let i = 0; i < 200; i++) {
        const l = rng.int(0, 65535);
        if (rng.bool(0.5)) ch.clear(l);
        else ch.setInt(l, rng.int(-max, max));
      }
      const dec = decodeInts(ch.wordViews());
      for (let l = 0; l < 65536; l++) {
        const want = ch.intAt(l) ?? 0;
        if (dec[l] !== want) throw new Error(`local ${l}: decoded ${dec[l]}, intAt ${want}`);
      }
    }
  });

  it("is built by gathers past the rent and dropped by a write", () => {
    const ch = BsiChunk.empty(KEY, false);
    for (let l = 0; l < 1000; l++) ch.setInt(l, l - 500);
    expect(ch.decodedInts()).toBeNull();
    // The rent is an eighth of the chunk's stored integers (125 of 1000), however full the chunk is.
    expect(ch.noteGathered(100)).toBe(false);
    expect(ch.noteGathered(30)).toBe(true);
    expect(ch.decodedInts()![3]).toBe(-497);
    ch.setInt(3, 42);
    expect(ch.decodedInts()).toBeNull();
  });
});
