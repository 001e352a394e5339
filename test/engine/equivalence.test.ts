// The segment engine against the reference row engine: seeded random mutation sequences with random
// queries of every kind after each step must give identical answers (float sums within 1e-9), also
// from a fresh engine over the same SQLite (cold cache) and with a tiny cache budget (paging).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShardEngine } from "../../engine/engine";
import type { Mutation, ShardQuery } from "../../contract/plan";
import { createReferenceEngine } from "../../engine/testing/reference/index";
import { createSegmentEngine } from "../../engine/index";
import { openSqlite, type SqliteHarness } from "./helpers/sqlite";
import { Rng } from "./helpers/seeded";
import { randomMutation, randomQuery } from "./helpers/random-plans";
import { answerDifference, firstDifference } from "./helpers/compare";
import { useKernel } from "../../engine/kernel/kernel";
import { loadWasmKernelNode } from "./helpers/wasm-kernel";

/** More seeds for a deeper hunt: ENGINE_SEEDS=500 npx vitest run --project unit test/engine/equivalence.test.ts */
const SEEDS = Number(process.env.ENGINE_SEEDS ?? 30);

function applyBoth(h: SqliteHarness, ref: ShardEngine, seg: ShardEngine[], m: Mutation): void {
  const want = h.transactionSync(() => ref.apply(m));
  for (const e of seg) {
    const got = h.transactionSync(() => e.apply(m));
    const d = firstDifference(got, want);
    if (d !== null) throw new Error(`mutation ${JSON.stringify(m).slice(0, 2000)}\n${d}`);
  }
}

function compareQuery(ref: ShardEngine, seg: ShardEngine, q: ShardQuery, label: string): void {
  const d = answerDifference(seg.query(q), ref.query(q));
  if (d !== null) throw new Error(`${label}: query ${JSON.stringify(q).slice(0, 3000)}\n${d}`);
}

// Every seed runs with the pure-JS word kernel and again with the WASM one installed.
describe.each(["js", "wasm"] as const)("segment engine (%s kernel) = reference engine on random data and plans", (k) => {
  beforeAll(() => useKernel(k === "wasm" ? loadWasmKernelNode() : null));
  afterAll(() => useKernel(null));
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, () => {
      const rng = new Rng(seed * 7919);
      const h = openSqlite();
      const ref = createReferenceEngine(h.sql);
      // Two segment engines over the same storage: a normal one and one with a tiny cache (pages constantly).
      const seg = createSegmentEngine(h.sql);
      const small = createSegmentEngine(h.sql, { cacheBytes: 4096 });
      const nIds = rng.int(5, 40);
      const steps = rng.int(10, 40);
      for (let step = 0; step < steps; step++) {
        const m = randomMutation(rng, nIds);
        // The small-cache engine applies nothing itself: it must see the other's writes via storage.
        applyBoth(h, ref, [seg], m);
        if (rng.bool(0.1) && m.kind === "write") {
          // The same write plus an attribute value for an event column: both engines throw, storage rolls back.
          const bad: Mutation = {
            ...m,
            entities: [...m.entities, { dimension: "default", id: "bad", attrs: [{ col: { id: 10, type: "string-event", storage: "latest-value" }, value: "x" }], events: [] }],
          };
          expect(() => h.transactionSync(() => ref.apply(bad))).toThrow();
          expect(() => h.transactionSync(() => seg.apply(bad))).toThrow();
        }
        small.dropCaches();
        for (let k = 0; k < 4; k++) {
          const q = randomQuery(rng, nIds);
          compareQuery(ref, seg, q, `seed ${seed} step ${step}`);
          compareQuery(ref, small, q, `seed ${seed} step ${step} (small cache)`);
        }
      }
      // Evicted and reloaded: a new engine instance over the same SQLite answers identically.
      const cold = createSegmentEngine(h.sql);
      for (let k = 0; k < 30; k++) compareQuery(ref, cold, randomQuery(rng, nIds), `seed ${seed} cold`);
      expect(cold.stats().entities).toBe(ref.stats().entities);
      expect(cold.stats().dimensions).toEqual(ref.stats().dimensions);
      h.close();
    });
  }
});

describe("segment engine = reference engine across entity chunks", () => {
  // 70k filler entities between random steps push later entities into chunks 1 and 2 (ids >= 65536).
  const filler = (from: number): Mutation => ({
    kind: "write",
    entities: Array.from({ length: 1000 }, (_, i) => ({
      dimension: "bulk",
      id: `f${from + i}`,
      attrs: [{ col: { id: 31, type: "string", storage: "latest-value" } as const, value: `v${(from + i) % 7}` }],
      events: [],
    })),
  });
  for (const seed of [101, 202]) {
    it(`seed ${seed}`, { timeout: 120_000 }, () => {
      const rng = new Rng(seed);
      const h = openSqlite();
      const ref = createReferenceEngine(h.sql);
      const seg = createSegmentEngine(h.sql);
      const nIds = 30;
      for (let round = 0; round < 3; round++) {
        for (let step = 0; step < 12; step++) {
          applyBoth(h, ref, [seg], randomMutation(rng, nIds));
          for (let k = 0; k < 3; k++) compareQuery(ref, seg, randomQuery(rng, nIds), `seed ${seed} round ${round} step ${step}`);
        }
        if (round < 2) for (let b = 0; b < 70; b++) applyBoth(h, ref, [seg], filler(round * 70_000 + b * 1000));
      }
      compareQuery(ref, seg, { kind: "total", dimensions: null }, "total");
      compareQuery(ref, seg, { kind: "top-values", queries: [{ dimension: "bulk", col: { id: 31, type: "string", storage: "latest-value" }, test: null, window: null }] }, "bulk top");
      const cold = createSegmentEngine(h.sql, { cacheBytes: 64 * 1024 });
      for (let k = 0; k < 40; k++) compareQuery(ref, cold, randomQuery(rng, nIds), `seed ${seed} cold`);
      h.close();
    });
  }
});
