// Algebraic laws of the roaring bitmaps against a Set model: seeded random inputs spanning every
// container kind (array, bitset, run, full chunk), validate() after every operation, and exhaustive
// checks on tiny universes.

import { describe, expect, it } from "vitest";
import { Bitmap } from "../../engine/bitmap/bitmap";
import { deserializePortable, serializePortable } from "../../engine/bitmap/portable";
import { Rng } from "./helpers/seeded";

function randomBitmap(rng: Rng): { b: Bitmap; s: Set<number> } {
  const s = new Set<number>();
  const keys = rng.some([0, 1, 2, 7, 65535], rng.int(0, 3));
  for (const key of keys) {
    const base = key * 65536;
    switch (rng.int(0, 4)) {
      case 0: // sparse → array
        for (let i = rng.int(1, 50); i > 0; i--) s.add(base + rng.int(0, 65535));
        break;
      case 1: // dense → bitset
        for (let i = rng.int(4097, 20000); i > 0; i--) s.add(base + rng.int(0, 65535));
        break;
      case 2: // runs
        for (let r = rng.int(1, 5); r > 0; r--) {
          const lo = rng.int(0, 65000);
          for (let v = lo; v < lo + rng.int(1, 3000); v++) s.add(base + v);
        }
        break;
      case 3: // full chunk
        for (let v = 0; v < 65536; v++) s.add(base + v);
        break;
      default: // around the array/bitset boundary
        while (s.size < 4090 + rng.int(0, 12)) s.add(base + rng.int(0, 65535));
    }
  }
  let b = Bitmap.fromValues([...s]);
  if (rng.bool()) b = b.runOptimize();
  b.validate();
  return { b, s };
}

function setOf(b: Bitmap): Set<number> {
  return new Set(b.toArray());
}

function expectSet(b: Bitmap, s: Set<number>): void {
  b.validate();
  expect(b.size).toBe(s.size);
  const got = b.toArray();
  const want = Uint32Array.from([...s].sort((x, y) => x - y));
  expect(got.length).toBe(want.length);
  expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
}

const and = (a: Set<number>, b: Set<number>) => new Set([...a].filter((x) => b.has(x)));
const or = (a: Set<number>, b: Set<number>) => new Set([...a, ...b]);
const andNot = (a: Set<number>, b: Set<number>) => new Set([...a].filter((x) => !b.has(x)));
const xor = (a: Set<number>, b: Set<number>) => or(andNot(a, b), andNot(b, a));

describe("bitmap algebra on random inputs", () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}`, () => {
      const rng = new Rng(seed);
      const A = randomBitmap(rng);
      const B = randomBitmap(rng);
      const C = randomBitmap(rng);
      expectSet(A.b.and(B.b), and(A.s, B.s));
      expectSet(A.b.or(B.b), or(A.s, B.s));
      expectSet(A.b.andNot(B.b), andNot(A.s, B.s));
      expectSet(A.b.xor(B.b), xor(A.s, B.s));
      expect(A.b.andCount(B.b)).toBe(and(A.s, B.s).size);
      expect(A.b.orCount(B.b)).toBe(or(A.s, B.s).size);
      expect(A.b.andNotCount(B.b)).toBe(andNot(A.s, B.s).size);
      expect(A.b.xorCount(B.b)).toBe(xor(A.s, B.s).size);
      // commutativity and associativity
      expect(A.b.and(B.b).equals(B.b.and(A.b))).toBe(true);
      expect(A.b.or(B.b).equals(B.b.or(A.b))).toBe(true);
      expect(A.b.xor(B.b).equals(B.b.xor(A.b))).toBe(true);
      expect(
        A.b
          .and(B.b)
          .and(C.b)
          .equals(A.b.and(B.b.and(C.b))),
      ).toBe(true);
      expect(
        A.b
          .or(B.b)
          .or(C.b)
          .equals(A.b.or(B.b.or(C.b))),
      ).toBe(true);
      // De Morgan inside a universe
      const U = A.b.or(B.b).or(C.b);
      const notA = U.andNot(A.b);
      const notB = U.andNot(B.b);
      expectSet(U.andNot(A.b.or(B.b)), setOf(notA.and(notB)));
      expectSet(U.andNot(A.b.and(B.b)), setOf(notA.or(notB)));
      // distributivity, orMany
      expect(A.b.and(B.b.or(C.b)).equals(A.b.and(B.b).or(A.b.and(C.b)))).toBe(true);
      expectSet(Bitmap.orMany([A.b, B.b, C.b]), or(or(A.s, B.s), C.s));
      // inputs are never mutated by operations
      expectSet(A.b, A.s);
      expectSet(B.b, B.s);
      // point updates on an owned copy
      const m = A.b.clone();
      const ms = new Set(A.s);
      for (let i = 0; i < 300; i++) {
        const x = rng.pick([0, 1, 2, 7]) * 65536 + rng.int(0, 65535);
        if (rng.bool()) {
          m.add(x);
          ms.add(x);
        } else {
          m.remove(x);
          ms.delete(x);
        }
        expect(m.has(x)).toBe(ms.has(x));
      }
      expectSet(m, ms);
      expectSet(A.b, A.s);
      // runOptimize keeps the set; portable round trip keeps set and container kinds
      expectSet(m.runOptimize(), ms);
      const back = deserializePortable(serializePortable(A.b));
      expectSet(back, A.s);
      expect(back.cs.map((c) => c.kind)).toEqual(A.b.cs.map((c) => c.kind));
    });
  }
});

describe("bitmap algebra, exhaustive on tiny universes", () => {
  const universe = [0, 1, 2, 65535, 65536, 65537, 131072 + 5];
  const subsets: number[][] = [];
  for (let mask = 0; mask < 1 << universe.length; mask++) subsets.push(universe.filter((_, i) => (mask >> i) & 1));
  it("all pairs of subsets", () => {
    for (const xs of subsets) {
      const a = Bitmap.fromValues(xs);
      const as = new Set(xs);
      for (const ys of subsets) {
        const b = Bitmap.fromValues(ys).runOptimize();
        const bs = new Set(ys);
        expectSet(a.and(b), and(as, bs));
        expectSet(a.or(b), or(as, bs));
        expectSet(a.andNot(b), andNot(as, bs));
        expectSet(a.xor(b), xor(as, bs));
        expect(a.andCount(b)).toBe(and(as, bs).size);
      }
    }
  });
  it("add/remove sequences across the array/bitset boundary", () => {
    const b = new Bitmap();
    const s = new Set<number>();
    for (let v = 0; v < 5000; v++) {
      b.add(v * 3);
      s.add(v * 3);
    }
    expectSet(b, s);
    expect(b.cs[0]!.kind).toBe(2);
    for (let v = 0; v < 5000; v += 2) {
      b.remove(v * 3);
      s.delete(v * 3);
    }
    expectSet(b, s);
    expect(b.cs[0]!.kind).toBe(1);
    for (const v of [...s]) b.remove(v);
    expectSet(b, new Set());
  });
  it("range, first, empty", () => {
    expectSet(Bitmap.range(70000), new Set(Array.from({ length: 70000 }, (_, i) => i)));
    expect(Bitmap.of(9, 3, 70000).first()).toBe(3);
    expect(new Bitmap().first()).toBeUndefined();
    expect(() => new Bitmap([1, 1], [Bitmap.of(1).cs[0]!, Bitmap.of(2).cs[0]!]).validate()).toThrow(/increasing/);
  });
});
