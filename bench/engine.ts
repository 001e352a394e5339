// Benchmark of the segment engine on the notes/engine.md §5.1 shard: N entities (default 1M) with 10
// latest-value columns and 2 event columns (~10 events per entity and column over a year), generated
// with seeded mulberry32 + Zipf and written through the engine's own apply() path into SQLite. Prints
// (and with --json writes) {"machine": {...}, "figures": [{name, value, unit, target, runtime}]}.
//
//   npm run bench:engine -- [--entities N] [--json file] [--cache-mb M] [--reuse] [--only a,b] [--runs R] [--kernel wasm|js]
//   --reuse keeps the generated shard in bench/data/ and reuses it (skipping apply timing).
//   --kernel picks the word kernel (default wasm, as in the Worker; js is the pure fallback).
//   [--workerd-entities M] [--no-workerd]: the same queries then run inside workerd (Miniflare, a SQLite
//   Durable Object, M entities, default min(N, 1M)); their figures carry runtime "workerd <version>".

import { cpus, loadavg, tmpdir } from "node:os";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeGenerator, toEntityWrite } from "./generator";
import type { EntityWrite, ShardQuery } from "../contract/plan";
import { createSegmentEngine } from "../engine/index";
import { openSqlite } from "../test/engine/helpers/sqlite";
import { useKernel } from "../engine/kernel/kernel";
import { ALL_COLUMNS, COLD_QUERY, QUERIES } from "./engine-queries";
import { loadWasmKernelNode } from "../test/engine/helpers/wasm-kernel";
import { persistDirFor, runWorkerd } from "./workerd/run";

// --- arguments -------------------------------------------------------------------------------------

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const N = Number(arg("--entities") ?? 1_000_000);
const JSON_OUT = arg("--json");
const CACHE_MB = Number(arg("--cache-mb") ?? 64);
const BATCH = 1000;
const KERNEL = arg("--kernel") ?? "wasm";
useKernel(KERNEL === "js" ? null : loadWasmKernelNode());

// --- data generator (notes/engine.md §5.1, shared with bench/peers/) --------------------------------

const generate1 = makeGenerator(42);
const entity = (i: number): EntityWrite => toEntityWrite(generate1(i));

// --- queries: bench/engine-queries.ts (shared with the workerd run) ----------------------------------

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
console.log(`word kernel: ${KERNEL}`);
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const heapMb = (): number => {
  gc();
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
};

const REUSE = process.argv.includes("--reuse");
const ONLY = onlyNames(arg("--only"));

/** `--only` names, with or without the `_ms` suffix of the figure; an unknown name stops the run. */
function onlyNames(list: string | undefined): string[] | null {
  if (list === undefined) return null;
  const known = QUERIES.map((q) => q.name);
  return list
    .split(",")
    .filter(Boolean)
    .map((raw) => {
      const name = known.includes(raw) ? raw : `${raw}_ms`;
      if (!known.includes(name)) {
        console.error(`--only: unknown query "${raw}"; known: ${known.join(", ")}`);
        process.exit(2);
      }
      return name;
    });
}
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
const coldAnswer = cold.query(COLD_QUERY);
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
  cold.query(ALL_COLUMNS);
  const all = heapMb() - base;
  figures.push({ name: "resident_all_columns_mb", value: round(all, 1), unit: "MiB", target: null, runtime });
  console.log(`resident with every column paged in: ${all.toFixed(1)} MiB (engine cache estimate ${(cold.stats().cachedBytes / 2 ** 20).toFixed(1)} MiB, budget ${CACHE_MB} MiB)`);
}
console.log(`resident after all queries: ${resident.toFixed(1)} MiB (engine cache estimate ${(cold.stats().cachedBytes / 2 ** 20).toFixed(1)} MiB); cold count_3pred = ${JSON.stringify(coldAnswer)}`);

h.close();
if (!REUSE) rmSync(dir, { recursive: true, force: true });

// The same figures inside workerd (the Worker's runtime), after the Node ones so they do not share memory.
const WORKERD_N = Number(arg("--workerd-entities") ?? Math.min(N, 1_000_000));
let workerd: { runtime: string; entities: number; storageMb: number } | null = null;
if (!process.argv.includes("--no-workerd")) {
  const wd = await runWorkerd({ entities: WORKERD_N, runs: RUNS, only: ONLY, persistDir: REUSE ? persistDirFor(WORKERD_N) : null });
  figures.push(...wd.figures);
  workerd = { runtime: wd.runtime, entities: WORKERD_N, storageMb: wd.storageMb };
}

const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform}-${process.arch}`,
  entities: N,
  kernel: KERNEL,
  cacheMb: CACHE_MB,
  storageMb: round(stats.storageBytes / 2 ** 20, 1),
  loadAvg: loadavg().map((x) => round(x, 2)),
  date: new Date().toISOString(),
  workerd,
};
const report = { machine, figures };
console.log(JSON.stringify(report, null, 2));
if (JSON_OUT !== undefined) writeFileSync(JSON_OUT, JSON.stringify(report, null, 2) + "\n");
