// Benchmark of the segment engine on the notes/engine.md §5.1 shard: N entities (default 1M) with 10
// latest-value columns and 2 event columns (~10 events per entity and column over a year), generated
// with seeded mulberry32 + Zipf and written through the engine's own apply() path into SQLite. Prints
// (and with --json writes) {"machine": {...}, "figures": [{name, value, unit, target, runtime}]}.
//
//   npm run bench:engine -- [--entities N] [--json file] [--cache-mb M] [--reuse] [--only a,b] [--runs R]
//   --reuse keeps the generated shard in bench/data/ and reuses it (skipping apply timing).

import { cpus, tmpdir } from "node:os";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ColumnRef } from "../src/shared/columns";
import type { EntityWrite, Expr, ShardQuery } from "../src/shared/plan";
import { createSegmentEngine } from "../durable-objects/engine/index";
import { openSqlite } from "../test/engine/helpers/sqlite";
import { mulberry32 } from "../test/engine/helpers/seeded";

// --- arguments -------------------------------------------------------------------------------------

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const N = Number(arg("--entities") ?? 1_000_000);
const JSON_OUT = arg("--json");
const CACHE_MB = Number(arg("--cache-mb") ?? 64);
const BATCH = 1000;

// --- data generator (notes/engine.md §5.1) -----------------------------------------------------------

const rand = mulberry32(42);

function zipf(n: number, s: number): () => number {
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let k = 1; k <= n; k++) cdf[k - 1] = acc += 1 / k ** s;
  for (let k = 0; k < n; k++) cdf[k]! /= acc;
  return () => {
    const u = rand();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
const uniform = (n: number) => () => Math.floor(rand() * n);

const c = (id: number, type: ColumnRef["type"]): ColumnRef => ({ id, type, storage: "latest-value" });
const COL = {
  country: c(1, "string"),
  plan: c(2, "string"),
  gender: c(3, "string"),
  device: c(4, "string"),
  city: c(5, "string"),
  age: c(6, "integer"),
  income: c(7, "integer"),
  score: c(8, "integer"),
  active: c(9, "boolean"),
  signup: c(10, "integer"),
  purchase: c(11, "string-event"),
  pageview: c(12, "string-event"),
};
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

const country = zipf(50, 1.0);
const plan = uniform(5);
const gender = uniform(3);
const device = zipf(20, 1.1);
const city = zipf(1000, 0.9);
const purchase = zipf(100, 1.0);
const pageview = zipf(1000, 0.8);

function extId(i: number): string {
  return (Math.imul(i + 1, 2654435761) >>> 0).toString(36) + i.toString(36);
}

function entity(i: number): EntityWrite {
  const r = rand();
  const events = [];
  for (const [col, draw] of [[COL.purchase, purchase], [COL.pageview, pageview]] as const) {
    for (let k = 5 + Math.floor(rand() * 11); k > 0; k--) events.push({ col, value: `v${draw()}`, t: T0 + Math.floor(rand() * 365) * DAY });
  }
  return {
    dimension: "default",
    id: extId(i),
    attrs: [
      { col: COL.country, value: `c${country()}` },
      { col: COL.plan, value: `p${plan()}` },
      { col: COL.gender, value: `g${gender()}` },
      { col: COL.device, value: `d${device()}` },
      { col: COL.city, value: `city${city()}` },
      { col: COL.age, value: 18 + Math.floor(rand() * 73) },
      { col: COL.income, value: Math.floor(200_000 * r * r) },
      { col: COL.score, value: Math.floor(rand() * 1001) },
      { col: COL.active, value: rand() < 0.7 },
      { col: COL.signup, value: Math.floor(rand() * 3650) },
    ],
    events,
  };
}

// --- queries ------------------------------------------------------------------------------------------

const eq = (col: ColumnRef, value: string | boolean): Expr => ({ op: "attr", col, test: { op: "eq", value } });
const between = (col: ColumnRef, min: number, max: number): Expr => ({ op: "attr", col, test: { op: "range", min, max, minInclusive: true, maxInclusive: true } });
const minfreq: Expr = {
  op: "events",
  terms: [{ col: COL.purchase, test: { op: "eq", value: "v3" }, window: { from: T0 + 30 * DAY, to: T0 + 60 * DAY - 1 } }],
  minfreq: 2,
};
const count = (expr: Expr): ShardQuery => ({ kind: "count-entity", queries: [{ dimension: "default", expr }] });

const QUERIES: Array<{ name: string; target: number | null; q: ShardQuery }> = [
  { name: "count_1pred_ms", target: null, q: count(eq(COL.country, "c3")) },
  { name: "count_3pred_ms", target: 1, q: count({ op: "and", args: [eq(COL.country, "c3"), between(COL.age, 25, 40), eq(COL.active, true)] }) },
  {
    name: "count_6pred_ms",
    target: 2,
    q: count({
      op: "or",
      args: [
        { op: "and", args: [{ op: "attr", col: COL.country, test: { op: "in", values: ["c1", "c2"] } }, eq(COL.plan, "p2"), between(COL.age, 25, 40)] },
        { op: "and", args: [eq(COL.device, "d1"), { op: "attr", col: COL.income, test: { op: "range", min: 100_000, max: null, minInclusive: false, maxInclusive: true } }, eq(COL.gender, "g0")] },
      ],
    }),
  },
  { name: "range_int_ms", target: 1.5, q: count(between(COL.income, 50_000, 80_000)) },
  { name: "event_minfreq_30d_ms", target: 4, q: count(minfreq) },
  { name: "mixed_or_event_ms", target: null, q: count({ op: "or", args: [{ op: "and", args: [eq(COL.country, "c3"), between(COL.age, 25, 40)] }, minfreq] }) },
  { name: "top_values_1000_ms", target: 3, q: { kind: "top-values", queries: [{ dimension: "default", col: COL.city, test: null, window: null }] } },
  {
    name: "agg_by_group_ms",
    target: null,
    q: {
      kind: "aggregation",
      dimension: "default",
      filter: eq(COL.country, "c1"),
      groups: [{ col: COL.plan, test: null, window: null }],
      metrics: (["avg", "min", "max", "sum"] as const).map((metric) => ({ col: COL.income, metric, window: null, buckets: null })),
    },
  },
  {
    name: "groupby_nested_ms",
    target: null,
    q: { kind: "aggregation", dimension: "default", filter: null, groups: [{ col: COL.country, test: null, window: null }, { col: COL.plan, test: null, window: null }], metrics: [] },
  },
  {
    name: "page_100_ms",
    target: 1,
    q: { kind: "extract", dimension: "default", expr: { op: "all" }, score: false, columns: [{ kind: "attr", key: "country", col: COL.country }, { kind: "attr", key: "age", col: COL.age }], order: [{ by: "entity-id", dir: "asc" }], offset: 1000, limit: 100 },
  },
  {
    name: "score_top100_ms",
    target: null,
    q: {
      kind: "extract",
      dimension: "default",
      expr: { op: "or", args: [eq(COL.country, "c3"), eq(COL.plan, "p1"), between(COL.age, 30, 35), eq(COL.device, "d2")] },
      score: true,
      columns: [],
      order: [{ by: "score", dir: "desc" }],
      offset: 0,
      limit: 100,
    },
  },
];

// --- run ------------------------------------------------------------------------------------------------

interface Figure {
  name: string;
  value: number;
  unit: string;
  target: number | null;
  runtime: string;
}
const figures: Figure[] = [];
const runtime = `node ${process.version}`;
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const heapMb = (): number => {
  gc();
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
};

const REUSE = process.argv.includes("--reuse");
const ONLY = arg("--only")?.split(",") ?? null;
const RUNS = Number(arg("--runs") ?? 11);
const dir = REUSE ? "bench/data" : mkdtempSync(join(tmpdir(), "sliced-bench-"));
mkdirSync(dir, { recursive: true });
const dbPath = join(dir, `engine-${N}.sqlite`);
const generate = !(REUSE && existsSync(dbPath));
const h = openSqlite(dbPath);
h.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;");
const engine = createSegmentEngine(h.sql, { cacheBytes: CACHE_MB * 2 ** 20 });

let values = 0;
let applyMs = 0;
if (generate) console.log(`generating and applying ${N} entities in batches of ${BATCH}...`);
for (let i = 0; generate && i < N; i += BATCH) {
  const entities: EntityWrite[] = [];
  for (let j = i; j < Math.min(N, i + BATCH); j++) entities.push(entity(j));
  const t = performance.now();
  const out = h.transactionSync(() => engine.apply({ kind: "write", entities }));
  applyMs += performance.now() - t;
  values += out.values;
  if ((i / BATCH) % 100 === 99) console.log(`  ${i + BATCH} entities, ${Math.round(values / (applyMs / 1000))} values/s`);
}
if (generate) figures.push({ name: "apply_values_per_s", value: Math.round(values / (applyMs / 1000)), unit: "values/s", target: 300_000, runtime });
const stats = engine.stats();
console.log(`stored ${(stats.storageBytes / 2 ** 20).toFixed(1)} MiB; ${values} values in ${(applyMs / 1000).toFixed(1)} s`);

function time(q: ShardQuery, e = engine): { ms: number; answer: unknown } {
  let answer: unknown = null;
  const runs: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const t = performance.now();
    answer = e.query(q);
    if (r > 0) runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  return { ms: runs[Math.floor(runs.length / 2)]!, answer };
}

// Cold: a fresh engine over the same storage (a Durable Object woken after eviction).
const base = heapMb();
const cold = createSegmentEngine(h.sql, { cacheBytes: CACHE_MB * 2 ** 20 });
const t0 = performance.now();
const coldAnswer = cold.query(QUERIES[1]!.q);
figures.push({ name: "cold_first_query_ms", value: round(performance.now() - t0), unit: "ms", target: 300, runtime });

for (const { name, target, q } of QUERIES) {
  if (ONLY !== null && !ONLY.includes(name)) continue;
  const { ms, answer } = time(q, cold);
  const summary = JSON.stringify(answer).slice(0, 120);
  console.log(`${name.padEnd(24)} ${ms.toFixed(3).padStart(9)} ms  ${summary}`);
  figures.push({ name, value: round(ms), unit: "ms", target, runtime });
}
const resident = heapMb() - base;
figures.push({ name: "resident_mb", value: round(resident, 1), unit: "MiB", target: 80, runtime });
// Every column paged in (top values of each, events over all time): the whole shard within the cache budget.
if (ONLY === null) {
  cold.query({ kind: "top-values", queries: Object.values(COL).map((col) => ({ dimension: "default", col, test: null, window: null })) });
  const all = heapMb() - base;
  figures.push({ name: "resident_all_columns_mb", value: round(all, 1), unit: "MiB", target: null, runtime });
  console.log(`resident with every column paged in: ${all.toFixed(1)} MiB (engine cache estimate ${(cold.stats().cachedBytes / 2 ** 20).toFixed(1)} MiB, budget ${CACHE_MB} MiB)`);
}
console.log(`resident after all queries: ${resident.toFixed(1)} MiB (engine cache estimate ${(cold.stats().cachedBytes / 2 ** 20).toFixed(1)} MiB); cold count_3pred = ${JSON.stringify(coldAnswer)}`);

const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform}-${process.arch}`,
  entities: N,
  cacheMb: CACHE_MB,
  storageMb: round(stats.storageBytes / 2 ** 20, 1),
};
const report = { machine, figures };
console.log(JSON.stringify(report, null, 2));
if (JSON_OUT !== undefined) writeFileSync(JSON_OUT, JSON.stringify(report, null, 2) + "\n");
h.close();
if (!REUSE) rmSync(dir, { recursive: true, force: true });
