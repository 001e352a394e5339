// Counting a single numeric leaf (count-entity of `attr` eq/range) without building its bitmap, on
// entities in two dense-id chunks, against the reference engine with both word kernels: negative
// values, decimals that rescale the column, odd values (no exact scaled integer: the chunk falls
// back to evaluating them one by one), open and exclusive bounds, and deleted entities.

import { describe, expect, it, vi } from "vitest";
import type { ColumnRef } from "../../contract/columns";
import type { Expr, Mutation, ShardQuery, ValueTest } from "../../contract/plan";
import { NumberColumn } from "../../engine/encodings/number-column";
import { firstDifference } from "./helpers/compare";
import { Rng } from "./helpers/seeded";
import { loadedEnginePair } from "./helpers/engine-pair";

const int: ColumnRef = { id: 1, type: "integer", storage: "latest-value" };
const dec: ColumnRef = { id: 2, type: "decimal", storage: "latest-value" };

function writes(): Mutation[] {
  const rng = new Rng(77);
  const out: Mutation[] = [];
  const part = (chunk: number, oddValues: boolean): void => {
    for (let b = 0; b < 3000; b += 1000) {
      out.push({
        kind: "write",
        entities: Array.from({ length: 1000 }, (_, i) => {
          const n = chunk * 3000 + b + i;
          const attrs = [{ col: int, value: rng.int(-500, 2000) }];
          if (rng.bool(0.8)) attrs.push({ col: dec, value: oddValues && rng.bool(0.05) ? rng.pick([0.1 + 0.2, 1e-12, 2 ** 60, -(2 ** 60)]) : rng.int(-3000, 3000) / 4 });
          return { dimension: "default", id: `e${n}`, attrs, events: [] };
        }),
      });
    }
  };
  part(0, false);
  for (let b = 0; b < 66_000; b += 1000) out.push({ kind: "write", entities: Array.from({ length: 1000 }, (_, i) => ({ dimension: "bulk", id: `f${b + i}`, attrs: [], events: [] })) });
  part(1, true); // only chunk 1 has odd values
  return out;
}

const TESTS: ValueTest[] = [
  { op: "range", min: 0, max: 1000, minInclusive: true, maxInclusive: true },
  { op: "range", min: -100, max: 50.5, minInclusive: false, maxInclusive: false },
  { op: "range", min: null, max: -1, minInclusive: true, maxInclusive: true },
  { op: "range", min: 100.25, max: null, minInclusive: false, maxInclusive: true },
  { op: "range", min: 1e-13, max: 1, minInclusive: true, maxInclusive: true },
  { op: "range", min: 2 ** 59, max: null, minInclusive: true, maxInclusive: true },
  { op: "range", min: 10, max: 5, minInclusive: true, maxInclusive: true },
  { op: "eq", value: 0.30000000000000004 },
  { op: "eq", value: 42 },
  { op: "eq", value: -12.75 },
  { op: "eq", value: "42" },
  { op: "in", values: [1, 2, 3] },
];

describe.each(["js", "wasm"] as const)("counting a numeric leaf (%s kernel)", (k) => {
  const pair = loadedEnginePair(k, writes, 60_000);

  const compare = (label: string): void => {
    for (const col of [int, dec]) {
      for (const test of TESTS) {
        const expr: Expr = { op: "attr", col, test };
        const q: ShardQuery = { kind: "count-entity", queries: [{ dimension: "default", expr }] };
        const d = firstDifference(pair.seg.query(q), pair.ref.query(q));
        if (d !== null) throw new Error(`${label}: ${JSON.stringify(expr)}\n${d}`);
      }
    }
  };

  it("matches the reference, before and after deletes", { timeout: 60_000 }, () => {
    const counted = vi.spyOn(NumberColumn.prototype, "countSelect");
    compare("written");
    expect(counted).toHaveBeenCalled();
    const del: Mutation = { kind: "delete", dimension: "default", expr: { op: "attr", col: int, test: { op: "range", min: 0, max: 300, minInclusive: true, maxInclusive: true } } };
    pair.apply(del);
    compare("after delete");
    counted.mockRestore();
  });
});
