// The reference row engine and the segment engine over one SQLite file, loaded with the same writes
// under a chosen word kernel: the setup of tests that compare the two on one dataset.

import { afterAll, beforeAll } from "vitest";
import type { Mutation, ShardQuery } from "../../../contract/plan";
import type { ShardEngine } from "../../../engine/engine";
import { createReferenceEngine } from "../../../engine/testing/reference/index";
import { createSegmentEngine } from "../../../engine/index";
import { useKernel } from "../../../engine/kernel/kernel";
import { answerDifference, firstDifference } from "./compare";
import { randomMutation } from "./random-plans";
import type { Rng } from "./seeded";
import { openSqlite, type SqliteHarness } from "./sqlite";
import { loadWasmKernelNode } from "./wasm-kernel";

export class EnginePair {
  h!: SqliteHarness;
  ref!: ShardEngine;
  seg!: ShardEngine;

  /** Applies a mutation to both engines (applyToBoth: their outcomes must agree). */
  apply(m: Mutation): void {
    applyToBoth(this.h, this.ref, this.seg, m);
  }
}

/** Registers the suite's beforeAll (kernel, file, writes into both engines) and afterAll (undo). */
export function loadedEnginePair(kernel: "js" | "wasm", writes: () => Iterable<Mutation>, timeoutMs: number): EnginePair {
  const pair = new EnginePair();
  beforeAll(() => {
    useKernel(kernel === "wasm" ? loadWasmKernelNode() : null);
    pair.h = openSqlite();
    pair.ref = createReferenceEngine(pair.h.sql);
    pair.seg = createSegmentEngine(pair.h.sql);
    for (const m of writes()) pair.apply(m);
  }, timeoutMs);
  afterAll(() => {
    useKernel(null);
    pair.h.close();
  });
  return pair;
}

/** Throws, naming the query and the first difference, when the segment engine answers otherwise than the reference. */
export function expectSameAnswer(refEngine: ShardEngine, seg: ShardEngine, q: ShardQuery, label: string): void {
  const d = answerDifference(seg.query(q), refEngine.query(q));
  if (d !== null) throw new Error(`${label}: query ${JSON.stringify(q).slice(0, 3000)}\n${d}`);
}

/** Applies a mutation to both engines, each in its own transaction, and throws when their outcomes differ. */
export function applyToBoth(h: SqliteHarness, refEngine: ShardEngine, seg: ShardEngine, m: Mutation): void {
  const want = h.transactionSync(() => refEngine.apply(m));
  const got = h.transactionSync(() => seg.apply(m));
  const d = firstDifference(got, want);
  if (d !== null) throw new Error(`mutation ${JSON.stringify(m).slice(0, 2000)}\n${d}`);
}

/**
 * A seeded walk over a fresh file: 10-30 random mutations applied to both engines, each followed by
 * `queriesPerStep` queries from `query` whose answers must agree (the seeded suites of count rows
 * and grouping paths, each under a forced path).
 */
export function seededWalk(rng: Rng, queriesPerStep: number, query: (rng: Rng, nIds: number) => ShardQuery, label: string): void {
  const h = openSqlite();
  try {
    const refEngine = createReferenceEngine(h.sql);
    const seg = createSegmentEngine(h.sql);
    const nIds = rng.int(5, 60);
    for (let step = 0; step < rng.int(10, 30); step++) {
      applyToBoth(h, refEngine, seg, randomMutation(rng, nIds));
      for (let q = 0; q < queriesPerStep; q++) expectSameAnswer(refEngine, seg, query(rng, nIds), `${label} step ${step}`);
    }
  } finally {
    h.close();
  }
}
