// Our RoaringFormatSpec serialisation and set algebra against CRoaring (npm `roaring`, Node only):
// byte-identical portable bytes both ways and identical operation results, on seeded random bitmaps
// of every container kind. Skips with a message when the native addon cannot be loaded.

import { describe, expect, it } from "vitest";
import { Bitmap } from "../../engine/bitmap/bitmap";
import { deserializePortable, serializePortable } from "../../engine/bitmap/portable";
import { findOracle, type OracleRequest } from "./helpers/roaring-oracle";
import { Rng } from "./helpers/seeded";

const found = findOracle();
if (found.oracle === null) console.warn(`roaring oracle test skipped: ${found.why}`);
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function randomValues(rng: Rng): number[] {
  const s = new Set<number>();
  for (const key of rng.some([0, 1, 3, 200, 65535], rng.int(1, 3))) {
    const base = key * 65536;
    const kind = rng.int(0, 3);
    if (kind === 0) for (let i = rng.int(1, 300); i > 0; i--) s.add(base + rng.int(0, 65535));
    else if (kind === 1) for (let i = rng.int(5000, 30000); i > 0; i--) s.add(base + rng.int(0, 65535));
    else if (kind === 2)
      for (let r = rng.int(1, 8); r > 0; r--) {
        const lo = rng.int(0, 60000);
        for (let v = lo; v < lo + rng.int(1, 5000); v++) s.add(base + v);
      }
    else for (let v = 0; v < 65536; v++) s.add(base + v);
  }
  return [...s].sort((a, b) => a - b);
}

describe.skipIf(found.oracle === null)("portable format and algebra vs CRoaring", () => {
  const oracle = found.oracle!;
  it(`uses CRoaring ${(found.oracle?.([{ op: "version" }])[0] as string) ?? "?"}`, () => {
    expect(found.oracle).not.toBeNull();
  });

  it("byte-identical serialisation both ways", () => {
    const rng = new Rng(99);
    const cases = Array.from({ length: 40 }, () => ({ values: randomValues(rng), opt: rng.bool() }));
    const requests: OracleRequest[] = [];
    for (const c of cases) {
      let b = Bitmap.fromSorted(c.values);
      if (c.opt) b = b.runOptimize();
      requests.push({ op: "reserialize", hex: hex(serializePortable(b)) });
      requests.push({ op: "build", values: c.values, runOptimize: c.opt });
    }
    const answers = oracle(requests) as string[];
    cases.forEach((c, i) => {
      let ours = Bitmap.fromSorted(c.values);
      if (c.opt) ours = ours.runOptimize();
      const ourHex = hex(serializePortable(ours));
      expect(answers[2 * i]).toBe(ourHex); // CRoaring reads our bytes and writes them back unchanged
      expect(answers[2 * i + 1]).toBe(ourHex); // CRoaring's own bytes for the same set are ours
      const back = deserializePortable(Buffer.from(answers[2 * i + 1]!, "hex"));
      back.validate();
      expect(back.equals(ours)).toBe(true);
    });
  });

  it("and / or / xor / andNot agree", () => {
    const rng = new Rng(7);
    const pairs = Array.from({ length: 25 }, () => [Bitmap.fromSorted(randomValues(rng)).runOptimize(), Bitmap.fromSorted(randomValues(rng))] as const);
    const fns = ["and", "or", "xor", "andNot"] as const;
    const requests: OracleRequest[] = [];
    for (const [a, b] of pairs) for (const fn of fns) requests.push({ op: "binary", fn, a: hex(serializePortable(a)), b: hex(serializePortable(b)) });
    const answers = oracle(requests) as Array<{ hex: string; size: number }>;
    let k = 0;
    for (const [a, b] of pairs) {
      for (const fn of fns) {
        const ours = a[fn](b);
        ours.validate();
        const want = answers[k++]!;
        expect(ours.size).toBe(want.size);
        expect(hex(serializePortable(ours.runOptimize()))).toBe(want.hex);
      }
    }
  });
});
