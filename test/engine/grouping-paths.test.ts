// The two exact ways the segment engine computes groups and metrics (encodings/paths.ts: through
// value bitmaps and bit slices, or entity by entity through forward arrays and gathered integers)
// against the reference row engine: forced either way on seeded random data biased towards grouped
// aggregations, and chosen by cost on a shard large enough (two chunks, bitset containers, dense and
// sparse filters) that "auto" takes both ways.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isEventType, type ColumnRef } from "../../contract/columns";
import type { EntityWrite, Expr, GroupLevel, MetricName, MetricSpec, ShardQuery } from "../../contract/plan";
import type { ShardEngine } from "../../engine/engine";
import { createReferenceEngine } from "../../engine/testing/reference/index";
import { createSegmentEngine } from "../../engine/index";
import { useKernel } from "../../engine/kernel/kernel";
import { forcePath, pathsTaken, type PathChoice } from "../../engine/encodings/paths";
import { decodeIntsAfter } from "../../engine/encodings/bsi";
import { openSqlite, type SqliteHarness } from "./helpers/sqlite";
import { Rng } from "./helpers/seeded";
import { SCHEMA, T0, randomExpr, randomQuery, randomTest } from "./helpers/random-plans";
import { loadWasmKernelNode } from "./helpers/wasm-kernel";
import { applyToBoth, expectSameAnswer, seededWalk } from "./helpers/engine-pair";

const SEEDS = Number(process.env.ENGINE_SEEDS ?? 15);
const ref = (id: number): ColumnRef => SCHEMA.find((c) => c.ref.id === id)!.ref;

/** Group columns of the default dimension: latest-value dictionaries (forward arrays) first, then others. */
const DICT_GROUPS = [1, 4, 5, 13];
const OTHER_GROUPS = [2, 7, 6];
/** Bit-sliced number columns (metrics the one-pass path folds) and a few it leaves to the general path. */
const NUMBER_METRICS = [2, 3, 6, 14];
const OTHER_METRICS = [1, 7, 10];

function level(rng: Rng, id: number): GroupLevel {
  const col = ref(id);
  return { col, test: rng.bool(0.7) ? null : randomTest(rng, col), window: null };
}

/** An aggregation whose innermost level groups a dictionary column, with number metrics (mostly). */
function groupedQuery(rng: Rng): ShardQuery {
  const groups: GroupLevel[] = [];
  if (rng.bool(0.3)) groups.push(level(rng, rng.pick([...DICT_GROUPS, ...OTHER_GROUPS])));
  groups.push(level(rng, rng.bool(0.85) ? rng.pick(DICT_GROUPS) : rng.pick(OTHER_GROUPS)));
  const metrics: MetricSpec[] = Array.from({ length: rng.int(0, 4) }, () => {
    const col = ref(rng.bool(0.85) ? rng.pick(NUMBER_METRICS) : rng.pick(OTHER_METRICS));
    // Event metrics (left to the general path) sometimes bucketed: their empty answer differs.
    const buckets = isEventType(col.type) && rng.bool(0.5) ? [{ from: T0, to: T0 + 20 * 86_400_000 }] : null;
    return { col, metric: rng.pick<MetricName>(["min", "max", "sum", "avg", "count-events"]), window: null, buckets };
  });
  const filter: Expr | null = rng.bool(0.3) ? null : randomExpr(rng, "default");
  return { kind: "aggregation", dimension: "default", filter, groups, metrics };
}

afterEach(() => {
  forcePath("auto");
  decodeIntsAfter(null);
});

describe.each(["js", "wasm"] as const)("grouping paths (%s kernel) = reference engine", (k) => {
  beforeAll(() => useKernel(k === "wasm" ? loadWasmKernelNode() : null));
  afterAll(() => useKernel(null));
  describe.each(["bitmaps", "entities", "auto"] as const)("path %s", (path: PathChoice) => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      it(`seed ${seed}`, () => {
        forcePath(path);
        seededWalk(new Rng(seed * 104_729), 4, (rng, nIds) => (rng.bool(0.7) ? groupedQuery(rng) : randomQuery(rng, nIds)), `seed ${seed}`);
      });
    }
  });
});

// Chunks whose integers are decoded on the first gather (bsi.ts decodeIntsAfter): the per-entity folds
// then read each integer once instead of gathering slices, and must answer exactly the same.
describe("grouping paths with decoded integers = reference engine", () => {
  beforeAll(() => useKernel(loadWasmKernelNode()));
  afterAll(() => useKernel(null));
  describe.each(["entities", "auto"] as const)("path %s", (path: PathChoice) => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      it(`seed ${seed}`, () => {
        forcePath(path);
        decodeIntsAfter(0);
        seededWalk(new Rng(seed * 7919 + 3), 4, (rng, nIds) => (rng.bool(0.8) ? groupedQuery(rng) : randomQuery(rng, nIds)), `decoded seed ${seed}`);
      });
    }
  });
});

// --- a two-chunk shard: dense and sparse containers, both ways chosen by cost -----------------------

const N = 90_000;
const CITY = ref(1); // 400 values, skewed: a few dense (bitset) value bitmaps, many sparse ones
const FLAG = ref(4); // boolean, ~70 % true: a dense filter
const DAY_COL = ref(5); // dates, two instants of one day share a display
const INT = ref(2); // integers with negatives and magnitudes above 2^31
const DEC = ref(3); // decimals with odd values

function bigShardEntity(rng: Rng, i: number): EntityWrite {
  const city = Math.min(399, Math.floor(400 * rng.next() ** 3));
  const attrs: EntityWrite["attrs"] = [
    { col: CITY, value: `city${city}` },
    { col: FLAG, value: rng.bool(0.7) },
  ];
  if (rng.bool(0.8)) attrs.push({ col: DAY_COL, value: T0 + rng.int(0, 3) * 86_400_000 + (rng.bool(0.5) ? 3_600_000 : 0) });
  if (rng.bool(0.9)) attrs.push({ col: INT, value: rng.bool(0.01) ? rng.pick([2 ** 40, -(2 ** 35) - 7, 2 ** 31 + 5]) : rng.int(-500, 100_000) });
  if (rng.bool(0.6)) attrs.push({ col: DEC, value: rng.bool(0.002) ? 0.1 + 0.2 : rng.int(-1000, 50_000) / 100 });
  return { dimension: "default", id: `b${i}`, attrs, events: [] };
}

describe("grouping paths on a two-chunk shard, chosen by cost", () => {
  let h: SqliteHarness;
  let refEngine: ShardEngine;
  let seg: ShardEngine;
  beforeAll(() => {
    useKernel(loadWasmKernelNode());
    const rng = new Rng(7);
    h = openSqlite();
    refEngine = createReferenceEngine(h.sql);
    seg = createSegmentEngine(h.sql);
    for (let i = 0; i < N; i += 1000) {
      const entities = Array.from({ length: Math.min(1000, N - i) }, (_, j) => bigShardEntity(rng, i + j));
      applyToBoth(h, refEngine, seg, { kind: "write", entities });
    }
    // Deleted entities (tombstones) inside both chunks, and an overwrite that moves values.
    applyToBoth(h, refEngine, seg, { kind: "delete", dimension: "default", expr: { op: "attr", col: CITY, test: { op: "in", values: ["city3", "city250"] } } });
    applyToBoth(h, refEngine, seg, { kind: "update", dimension: "default", expr: { op: "attr", col: CITY, test: { op: "eq", value: "city7" } }, set: [{ col: CITY, value: "city8" }] });
  }, 300_000);
  afterAll(() => {
    h.close();
    useKernel(null);
  });

  const stats = (col: ColumnRef): MetricSpec[] => (["sum", "min", "max", "avg"] as const).map((metric) => ({ col, metric, window: null, buckets: null }));
  const eq = (col: ColumnRef, value: string | boolean): Expr => ({ op: "attr", col, test: { op: "eq", value } });
  const queries: Array<[string, ShardQuery]> = [
    ["top values", { kind: "top-values", queries: [{ dimension: "default", col: CITY, test: null, window: null }] }],
    ["dense filter, 400 groups, counts", { kind: "aggregation", dimension: "default", filter: eq(FLAG, true), groups: [{ col: CITY, test: null, window: null }], metrics: [] }],
    ["sparse filter, 400 groups, counts", { kind: "aggregation", dimension: "default", filter: eq(CITY, "city1"), groups: [{ col: DAY_COL, test: null, window: null }], metrics: [] }],
    [
      "nested, no filter",
      {
        kind: "aggregation",
        dimension: "default",
        filter: null,
        groups: [
          { col: FLAG, test: null, window: null },
          { col: CITY, test: null, window: null },
        ],
        metrics: [],
      },
    ],
    [
      "sparse filter, few groups, stats",
      { kind: "aggregation", dimension: "default", filter: eq(CITY, "city2"), groups: [{ col: FLAG, test: null, window: null }], metrics: [...stats(INT), ...stats(DEC)] },
    ],
    [
      "dense filter, few groups, stats",
      { kind: "aggregation", dimension: "default", filter: eq(FLAG, true), groups: [{ col: DAY_COL, test: null, window: null }], metrics: [...stats(INT), ...stats(DEC)] },
    ],
    ["no filter, 400 groups, stats", { kind: "aggregation", dimension: "default", filter: null, groups: [{ col: CITY, test: { op: "ne", value: "city0" }, window: null }], metrics: stats(INT) }],
    [
      "nested with stats",
      {
        kind: "aggregation",
        dimension: "default",
        filter: null,
        groups: [
          { col: DAY_COL, test: null, window: null },
          { col: FLAG, test: null, window: null },
        ],
        metrics: stats(DEC),
      },
    ],
    ["root stats, dense", { kind: "aggregation", dimension: "default", filter: eq(FLAG, false), groups: [], metrics: [...stats(INT), ...stats(DEC)] }],
    ["root stats, sparse", { kind: "aggregation", dimension: "default", filter: eq(CITY, "city77"), groups: [], metrics: stats(INT) }],
  ];

  it("auto answers every query as the reference does and takes both paths", { timeout: 60_000 }, () => {
    pathsTaken.entities = 0;
    pathsTaken.bitmaps = 0;
    for (const [label, q] of queries) expectSameAnswer(refEngine, seg, q, label);
    expect(pathsTaken.entities).toBeGreaterThan(0);
    expect(pathsTaken.bitmaps).toBeGreaterThan(0);
  });

  it.each(["bitmaps", "entities"] as const)("forced %s answers every query as the reference does", { timeout: 60_000 }, (path) => {
    forcePath(path);
    for (const [label, q] of queries) expectSameAnswer(refEngine, seg, q, `${label} (${path})`);
  });

  // Edge cases of the grouped folds: nothing matches, one group, many groups, groups without metric values.
  const edgeQueries: Array<[string, ShardQuery]> = [
    ["empty filter, stats", { kind: "aggregation", dimension: "default", filter: eq(CITY, "no such city"), groups: [{ col: FLAG, test: null, window: null }], metrics: stats(DEC) }],
    ["deleted value, stats", { kind: "aggregation", dimension: "default", filter: eq(CITY, "city3"), groups: [{ col: FLAG, test: null, window: null }], metrics: stats(DEC) }],
    ["one group, stats", { kind: "aggregation", dimension: "default", filter: null, groups: [{ col: CITY, test: { op: "eq", value: "city1" }, window: null }], metrics: stats(DEC) }],
    ["400 groups, stats", { kind: "aggregation", dimension: "default", filter: eq(FLAG, true), groups: [{ col: CITY, test: null, window: null }], metrics: [...stats(DEC), ...stats(INT)] }],
    ["root stats", { kind: "aggregation", dimension: "default", filter: null, groups: [], metrics: stats(DEC) }],
    ["groups by date, stats", { kind: "aggregation", dimension: "default", filter: eq(FLAG, false), groups: [{ col: DAY_COL, test: null, window: null }], metrics: stats(DEC) }],
  ];

  it.each(["auto", "entities"] as const)("decoded integers (%s) answer every query as the reference does", { timeout: 60_000 }, (path) => {
    forcePath(path);
    decodeIntsAfter(0);
    pathsTaken.decoded = 0;
    for (const [label, q] of [...queries, ...edgeQueries]) expectSameAnswer(refEngine, seg, q, `${label} (decoded, ${path})`);
    // Twice: the first pass builds the decoded arrays, the second reads them on every path.
    for (const [label, q] of [...queries, ...edgeQueries]) expectSameAnswer(refEngine, seg, q, `${label} (decoded again, ${path})`);
    expect(pathsTaken.decoded).toBeGreaterThan(0);
  });

  it("writes drop decoded integers: answers after an update still equal the reference", { timeout: 60_000 }, () => {
    decodeIntsAfter(0);
    forcePath("entities");
    const q = edgeQueries[3]![1];
    expectSameAnswer(refEngine, seg, q, "before the update");
    applyToBoth(h, refEngine, seg, { kind: "update", dimension: "default", expr: eq(CITY, "city2"), set: [{ col: DEC, value: 12.5 }] });
    applyToBoth(h, refEngine, seg, { kind: "delete", dimension: "default", expr: eq(CITY, "city5") });
    expectSameAnswer(refEngine, seg, q, "after the update");
    for (const [label, q2] of [...queries, ...edgeQueries]) expectSameAnswer(refEngine, seg, q2, `${label} (after the update)`);
  });
});
