// Result/score extraction ordered by score on a shard whose entities span three chunks, against the
// reference engine, with both word kernels: score levels that span chunks, ties at the page cut,
// offsets past the best level and deep into the worst, repeated and nested or-terms, or inside and,
// more than 32 terms, deleted entities, and the multi-key order that still scores entity by entity.
// Spies check that every way of ranking a tie group by external id was taken.

import { afterEach, describe, expect, it, vi } from "vitest";
import type { ColumnRef } from "../../contract/columns";
import type { Expr, ExtractQuery, Mutation, OrderKey } from "../../contract/plan";
import { EntityMap } from "../../engine/store/entities";
import { Evaluator } from "../../engine/eval/expr";
import { ScoreLevels } from "../../engine/eval/score-levels";
import { Bitmap } from "../../engine/bitmap/bitmap";
import { useKernel } from "../../engine/kernel/kernel";
import type { ShardEngine } from "../../engine/engine";
import { firstDifference } from "./helpers/compare";
import { Rng } from "./helpers/seeded";
import { loadWasmKernelNode } from "./helpers/wasm-kernel";
import { loadedEnginePair } from "./helpers/engine-pair";

const plan: ColumnRef = { id: 1, type: "string", storage: "latest-value" };
const age: ColumnRef = { id: 2, type: "integer", storage: "latest-value" };
const tag: ColumnRef = { id: 3, type: "string", storage: "latest-value" };

const PER_CHUNK = 6000; // "default" entities per chunk; "bulk" filler pushes the next ones into chunks 1 and 2
const eq = (col: ColumnRef, value: string | number): Expr => ({ op: "attr", col, test: { op: "eq", value } });
const between = (min: number, max: number): Expr => ({ op: "attr", col: age, test: { op: "range", min, max, minInclusive: true, maxInclusive: true } });

/**
 * Seeded data: 3 x 6,000 entities of "default" in dense-id chunks 0, 1 and 2 (60,000 "bulk" entities
 * in between), with external ids in a scrambled order unrelated to dense ids.
 */
function writes(): Mutation[] {
  const rng = new Rng(4242);
  const out: Mutation[] = [];
  for (let chunk = 0; chunk < 3; chunk++) {
    for (let b = 0; b < PER_CHUNK; b += 1000) {
      out.push({
        kind: "write",
        entities: Array.from({ length: 1000 }, (_, i) => {
          const n = chunk * PER_CHUNK + b + i;
          const attrs = [
            { col: plan, value: `p${rng.int(0, 4)}` },
            { col: age, value: rng.int(0, 99) },
          ];
          // Tags are sparse and skewed (array containers, small top levels).
          if (rng.bool(0.3)) attrs.push({ col: tag, value: `t${Math.floor(rng.next() ** 3 * 20)}` });
          return { dimension: "default", id: `e${((n * 2654435761) % 4294967296).toString(36)}`, attrs, events: [] };
        }),
      });
    }
    if (chunk < 2) {
      for (let b = 0; b < 60_000; b += 1000) {
        out.push({ kind: "write", entities: Array.from({ length: 1000 }, (_, i) => ({ dimension: "bulk", id: `f${chunk}-${b + i}`, attrs: [], events: [] })) });
      }
    }
  }
  return out;
}

const EXPRS: Array<[string, Expr]> = [
  ["four terms", { op: "or", args: [eq(plan, "p1"), between(30, 35), eq(tag, "t2"), eq(tag, "t0")] }],
  ["repeated and overlapping terms", { op: "or", args: [eq(plan, "p1"), eq(plan, "p1"), { op: "attr", col: plan, test: { op: "in", values: ["p1", "p2"] } }, between(0, 9)] }],
  [
    "nested or, or inside and",
    { op: "or", args: [{ op: "or", args: [eq(tag, "t1"), between(50, 52)] }, { op: "and", args: [{ op: "or", args: [eq(plan, "p0"), eq(plan, "p3")] }, between(40, 60)] }, eq(tag, "t1")] },
  ],
  ["not at the root (one level)", { op: "not", arg: { op: "or", args: [eq(plan, "p0"), between(10, 99)] } }],
  ["a single small term", eq(tag, "t7")],
  ["41 terms (every level counted in one pass)", { op: "or", args: [...Array.from({ length: 40 }, (_, i) => between(i, i + 2)), eq(plan, "p4")] }],
  ["no terms", { op: "or", args: [] }],
];

const ORDERS: Array<OrderKey[]> = [
  [{ by: "score", dir: "desc" }],
  [{ by: "score", dir: "asc" }],
  [
    { by: "score", dir: "desc" },
    { by: "entity-id", dir: "desc" },
  ],
  [
    { by: "score", dir: "asc" },
    { by: "entity-id", dir: "asc" },
  ],
];

const PAGES: Array<[number, number]> = [
  [0, 10],
  [5, 100],
  [250, 30],
  [3000, 25],
  [17_990, 50],
  [0, 0],
];

function check(ref: ShardEngine, seg: ShardEngine, q: ExtractQuery, label: string): void {
  const d = firstDifference(seg.query(q), ref.query(q));
  if (d !== null) throw new Error(`${label}: ${JSON.stringify(q).slice(0, 600)}\n${d}`);
}

describe.each(["js", "wasm"] as const)("extraction ordered by score (%s kernel)", (k) => {
  const pair = loadedEnginePair(k, writes, 120_000);
  afterEach(() => vi.restoreAllMocks());

  it("matches the reference for every expression, order and page", { timeout: 240_000 }, () => {
    const sqlWalk = vi.spyOn(EntityMap.prototype, "orderedAmong");
    const jsWalk = vi.spyOn(EntityMap.prototype, "ordered");
    const levels = vi.spyOn(ScoreLevels, "build");
    for (const [name, expr] of EXPRS) {
      for (const order of ORDERS) {
        for (const [offset, limit] of PAGES) {
          const q: ExtractQuery = { kind: "extract", dimension: "default", expr, score: offset % 2 === 0, columns: [{ kind: "attr", key: "age", col: age }], order, offset, limit };
          check(pair.ref, pair.seg, q, name);
        }
      }
    }
    expect(levels).toHaveBeenCalled();
    expect(sqlWalk).toHaveBeenCalled();
    expect(jsWalk).toHaveBeenCalled();
  });

  it("orders by score and a column (scores entity by entity) as the reference does", { timeout: 120_000 }, () => {
    const perEntity = vi.spyOn(Evaluator.prototype, "scores");
    const levels = vi.spyOn(ScoreLevels, "build");
    const order: OrderKey[] = [
      { by: "score", dir: "desc" },
      { by: "column", col: age, dir: "asc" },
    ];
    for (const [offset, limit] of [
      [0, 10],
      [900, 40],
    ] as const) {
      check(pair.ref, pair.seg, { kind: "extract", dimension: "default", expr: EXPRS[0]![1], score: true, columns: [], order, offset, limit }, "score, age");
    }
    expect(perEntity).toHaveBeenCalled();
    expect(levels).not.toHaveBeenCalled();
  });

  it("skips deleted entities and still agrees", { timeout: 120_000 }, () => {
    // Every entity aged 33 or tagged t2 goes: top levels of "four terms" lose members in every chunk.
    const del: Mutation = { kind: "delete", dimension: "default", expr: { op: "or", args: [between(33, 33), eq(tag, "t2")] } };
    pair.apply(del);
    for (const [name, expr] of EXPRS.slice(0, 3)) {
      for (const order of ORDERS.slice(0, 2)) {
        for (const [offset, limit] of [
          [0, 50],
          [400, 30],
          [12_000, 10],
        ] as const) {
          check(pair.ref, pair.seg, { kind: "extract", dimension: "default", expr, score: true, columns: [], order, offset, limit }, `${name} after delete`);
        }
      }
    }
  });
});

describe("ScoreLevels", () => {
  it("counts and lists every level like a per-entity count, across chunks and kernels", { timeout: 60_000 }, () => {
    const rng = new Rng(11);
    for (const k of [null, loadWasmKernelNode()]) {
      useKernel(k);
      for (const nTerms of [1, 2, 3, 7, 8, 33]) {
        const ids = (density: number): number[] => {
          const out: number[] = [];
          for (let x = 0; x < 200_000; x += 1 + Math.floor(rng.next() / density)) out.push(x);
          return out;
        };
        const lists = Array.from({ length: nTerms }, () => ids(rng.pick([0.0005, 0.02, 0.4, 0.9])));
        const terms = lists.map((l) => Bitmap.fromSorted(l));
        if (nTerms > 2) terms[1] = terms[1]!.runOptimize(); // run containers too
        const score = new Map<number, number>();
        for (const l of lists) for (const x of l) score.set(x, (score.get(x) ?? 0) + 1);
        const levels = ScoreLevels.build(terms);
        expect(levels.size).toBe(score.size);
        let top = 0;
        for (const v of score.values()) top = Math.max(top, v);
        expect(levels.top).toBe(top);
        const byLevel = new Map<number, number[]>();
        for (const [x, s] of score) {
          let l = byLevel.get(s);
          if (l === undefined) byLevel.set(s, (l = []));
          l.push(x);
        }
        for (let level = 1; level <= nTerms; level++) {
          const want = Uint32Array.from(byLevel.get(level) ?? []).sort();
          const got = levels.members(level).toArray();
          expect(levels.count(level)).toBe(want.length);
          expect(got.length).toBe(want.length);
          expect(got.findIndex((x, i) => x !== want[i])).toBe(-1);
        }
        expect(levels.count(0)).toBe(0);
        expect(levels.count(nTerms + 1)).toBe(0);
      }
    }
    useKernel(null);
  });
});
