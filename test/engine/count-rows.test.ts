// Counts evaluated chunk by chunk in the kernel's scratch rows (eval/count-rows.ts) against bitmap
// algebra and the reference engine: synthetic trees over array, bitset and run containers; seeded
// random data forced through the rows and through bitmaps; and a two-chunk shard with dense value
// bitmaps, odd numbers, a list column, events, deletes and a full (run) live chunk after a reload,
// where "auto" takes both ways.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ColumnRef } from "../../contract/columns";
import type { EntityWrite, Expr, ShardQuery } from "../../contract/plan";
import type { ShardEngine } from "../../engine/engine";
import { Bitmap } from "../../engine/bitmap/bitmap";
import { RUN } from "../../engine/bitmap/container";
import { type CountPath, type RowNode, countByRows, countPathsTaken, forceCountPath } from "../../engine/eval/count-rows";
import { createReferenceEngine } from "../../engine/testing/reference/index";
import { createSegmentEngine } from "../../engine/index";
import { useKernel } from "../../engine/kernel/kernel";
import { openSqlite, type SqliteHarness } from "./helpers/sqlite";
import { Rng } from "./helpers/seeded";
import { SCHEMA, T0, randomExpr } from "./helpers/random-plans";
import { loadWasmKernelNode } from "./helpers/wasm-kernel";
import { applyToBoth, expectSameAnswer, seededWalk } from "./helpers/engine-pair";

const SEEDS = Number(process.env.ENGINE_SEEDS ?? 12);
const ref = (id: number): ColumnRef => SCHEMA.find((c) => c.ref.id === id)!.ref;
const kernels = ["js", "wasm"] as const;

afterEach(() => forceCountPath("auto"));

// --- synthetic rows: every container kind in every position --------------------------------------

/** Ids over three chunks, each chunk sparse (array), dense (bitset), runs, full or absent. */
function randomBitmap(rng: Rng): Bitmap {
  const ids: number[] = [];
  for (let k = 0; k < 3; k++) {
    const base = k * 65536;
    switch (rng.int(0, 4)) {
      case 0:
        for (let i = rng.int(0, 300); i > 0; i--) ids.push(base + rng.int(0, 65535));
        break;
      case 1:
        for (let v = 0; v < 65536; v++) if (rng.bool(0.4)) ids.push(base + v);
        break;
      case 2:
        for (let r = rng.int(1, 20); r > 0; r--) {
          const s = rng.int(0, 65000);
          for (let v = s; v < s + rng.int(1, 500); v++) ids.push(base + v);
        }
        break;
      case 3:
        for (let v = 0; v < 65536; v++) ids.push(base + v);
        break;
      default:
        break; // absent
    }
  }
  const b = Bitmap.fromValues(ids);
  return rng.bool(0.6) ? b.runOptimize() : b;
}

function randomTree(rng: Rng, leaves: Bitmap[], live: Bitmap, depth = 0): [RowNode, Bitmap] {
  const r = rng.int(0, depth < 3 ? 6 : 2);
  if (r <= 2) {
    const b = rng.pick(leaves);
    return [{ kind: "set", bitmap: b }, b];
  }
  if (r === 3) {
    const [n, b] = randomTree(rng, leaves, live, depth + 1);
    return [{ kind: "not", arg: n, live }, live.andNot(b)];
  }
  const parts = Array.from({ length: rng.int(1, 3) }, () => randomTree(rng, leaves, live, depth + 1));
  if (r === 4) return [{ kind: "or", args: parts.map((p) => p[0]) }, Bitmap.orMany(parts.map((p) => p[1]))];
  let b = parts[0]![1];
  for (const p of parts.slice(1)) b = b.and(p[1]);
  return [{ kind: "and", args: parts.map((p) => p[0]) }, b];
}

describe.each(kernels)("count rows (%s kernel) = bitmap algebra on every container kind", (k) => {
  beforeAll(() => useKernel(k === "wasm" ? loadWasmKernelNode() : null));
  afterAll(() => useKernel(null));
  it("random and/or/not trees", () => {
    const rng = new Rng(31337);
    let runs = 0;
    for (let round = 0; round < 25; round++) {
      const live = randomBitmap(rng);
      // Leaves inside live, as the evaluator's bitmaps are (plus live itself, often a full run).
      const leaves = [live, ...Array.from({ length: 4 }, () => randomBitmap(rng).and(live))].map((b) => (rng.bool(0.6) ? b.runOptimize() : b));
      runs += leaves.filter((b) => b.cs.some((c) => c.kind === RUN && c.n < 65536)).length;
      for (let t = 0; t < 20; t++) {
        const [node, want] = randomTree(rng, leaves, live);
        expect(countByRows(node, live.keys)).toBe(want.size);
      }
    }
    expect(runs).toBeGreaterThan(0);
  });
});

// --- seeded random data, forced either way ----------------------------------------------------------

describe.each(kernels)("counts (%s kernel) = reference engine, through rows and through bitmaps", (k) => {
  beforeAll(() => useKernel(k === "wasm" ? loadWasmKernelNode() : null));
  afterAll(() => useKernel(null));
  describe.each(["rows", "bitmaps"] as const)("path %s", (path: CountPath) => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      it(`seed ${seed}`, () => {
        forceCountPath(path);
        const countQuery = (rng: Rng): ShardQuery => {
          const dim = rng.bool(0.85) ? "default" : "users";
          return { kind: "count-entity", queries: Array.from({ length: rng.int(1, 3) }, () => ({ dimension: dim, expr: randomExpr(rng, dim, 0) })) };
        };
        seededWalk(new Rng(seed * 15_485_863), 6, countQuery, `seed ${seed}`);
      });
    }
  });
});

// --- a two-chunk shard ------------------------------------------------------------------------------

const N = 70_000; // chunk 0 full (a run container once reloaded), chunk 1 partial
const CITY = ref(1); // skewed: dense (bitset) and sparse (array) value bitmaps
const INT = ref(2); // negatives and magnitudes above 2^31
const DEC = ref(3); // decimals with odd values (0.1 + 0.2)
const FLAG = ref(4);
const TAGS = ref(7); // list of values
const EVENTS = ref(10);

function entity(rng: Rng, i: number): EntityWrite {
  const attrs: EntityWrite["attrs"] = [
    { col: CITY, value: `city${Math.min(199, Math.floor(200 * rng.next() ** 3))}` },
    { col: FLAG, value: rng.bool(0.7) },
  ];
  if (rng.bool(0.9)) attrs.push({ col: INT, value: rng.bool(0.01) ? rng.pick([2 ** 40, -(2 ** 35) - 7, 2 ** 31 + 5]) : rng.int(-500, 100_000) });
  if (rng.bool(0.6)) attrs.push({ col: DEC, value: rng.bool(0.002) ? 0.1 + 0.2 : rng.int(-1000, 50_000) / 100 });
  for (let t = rng.int(0, 2); t > 0; t--) attrs.push({ col: TAGS, value: rng.pick(["a", "ab", "b", "c"]) });
  const events = rng.bool(0.2) ? [{ col: EVENTS, value: rng.pick(["a", "b"]), t: T0 + rng.int(0, 30) * 86_400_000 }] : [];
  return { dimension: "default", id: `b${i}`, attrs, events };
}

describe("counts on a two-chunk shard, through rows and through bitmaps", () => {
  let h: SqliteHarness;
  let refEngine: ShardEngine;
  let seg: ShardEngine;
  beforeAll(() => {
    useKernel(loadWasmKernelNode());
    const rng = new Rng(11);
    h = openSqlite();
    refEngine = createReferenceEngine(h.sql);
    seg = createSegmentEngine(h.sql);
    for (let i = 0; i < N; i += 1000) applyToBoth(h, refEngine, seg, { kind: "write", entities: Array.from({ length: Math.min(1000, N - i) }, (_, j) => entity(rng, i + j)) });
  }, 300_000);
  afterAll(() => {
    h.close();
    useKernel(null);
  });

  const attr = (col: ColumnRef, test: Extract<Expr, { op: "attr" }>["test"]): Expr => ({ op: "attr", col, test });
  const eq = (col: ColumnRef, value: string | number | boolean): Expr => attr(col, { op: "eq", value });
  const range = (col: ColumnRef, min: number | null, max: number | null): Expr => attr(col, { op: "range", min, max, minInclusive: true, maxInclusive: false });
  const exprs: Array<[string, Expr]> = [
    [
      "bench-like or of ands",
      {
        op: "or",
        args: [
          { op: "and", args: [attr(CITY, { op: "in", values: ["city0", "city1"] }), eq(FLAG, true), range(INT, 100, 60_000)] },
          { op: "and", args: [eq(TAGS, "a"), range(DEC, 0.3, null), eq(FLAG, false)] },
        ],
      },
    ],
    ["range first, odd values", { op: "and", args: [range(DEC, 0.3, 0.31), range(INT, -600, 2 ** 41)] }],
    ["negative and huge ints", { op: "and", args: [range(INT, -(2 ** 36), 0), eq(CITY, "city0")] }],
    ["not within and", { op: "and", args: [{ op: "not", arg: eq(CITY, "city0") }, eq(FLAG, true), range(INT, 5, 50)] }],
    ["not of an or", { op: "not", arg: { op: "or", args: [eq(CITY, "city1"), eq(TAGS, "b")] } }],
    ["sparse and dense", { op: "and", args: [eq(CITY, "city150"), eq(FLAG, true)] }],
    ["empty leaf", { op: "and", args: [eq(CITY, "nowhere"), eq(FLAG, true)] }],
    ["or with an empty leaf", { op: "or", args: [eq(CITY, "nowhere"), eq(CITY, "city3")] }],
    ["events and all", { op: "and", args: [{ op: "all" }, { op: "events", terms: [{ col: EVENTS, test: { op: "eq", value: "a" }, window: null }], minfreq: 1 }, range(INT, 0, 50_000)] }],
    ["events or text test", { op: "or", args: [{ op: "events", terms: [{ col: EVENTS, test: null, window: null }], minfreq: 1 }, attr(CITY, { op: "starts-with", value: "city19" })] }],
    ["has and ne", { op: "and", args: [{ op: "has", col: DEC }, attr(INT, { op: "ne", value: 7 })] }],
  ];
  const queries = (): ShardQuery => ({ kind: "count-entity", queries: exprs.map(([, expr]) => ({ dimension: "default", expr })) });

  it.each(["rows", "bitmaps", "auto"] as const)("%s: as the reference, also after a reload", { timeout: 120_000 }, (path) => {
    forceCountPath(path);
    countPathsTaken.rows = 0;
    countPathsTaken.bitmaps = 0;
    expectSameAnswer(refEngine, seg, queries(), path);
    // A reloaded engine reads chunk 0 of the live set as a full run container.
    expectSameAnswer(refEngine, createSegmentEngine(h.sql), queries(), `${path} reloaded`);
    // "auto" leaves the very sparse `and` (city150 and flag) to bitmaps and takes rows for the rest.
    if (path !== "bitmaps") expect(countPathsTaken.rows).toBeGreaterThan(0);
    if (path !== "rows") expect(countPathsTaken.bitmaps).toBeGreaterThan(0);
  });

  it("after deletes (tombstones in both chunks), every way", { timeout: 120_000 }, () => {
    applyToBoth(h, refEngine, seg, { kind: "delete", dimension: "default", expr: { op: "attr", col: CITY, test: { op: "in", values: ["city2", "city120"] } } });
    for (const path of ["rows", "bitmaps", "auto"] as const) {
      forceCountPath(path);
      expectSameAnswer(refEngine, seg, queries(), `${path} after deletes`);
      expectSameAnswer(refEngine, createSegmentEngine(h.sql), queries(), `${path} after deletes, reloaded`);
    }
  });
});
