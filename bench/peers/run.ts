// Side-by-side benchmark of our engine against DuckDB, SQLite and ClickHouse (chDB) on the
// notes/engine.md §5.1 data and §5.2 query set (see docs/bench-peers.md).
//
//   npm run bench -- [--entities N] [--json file] [--runs R] [--peers duckdb,sqlite,chdb] [--dir d] [--chart file]
//
// 1. measures the machine (bandwidth, ns per word) for the §5.5 physical limit;
// 2. generates the data (seed 42) into our engine and CSVs, loads each available peer (missing = skipped);
// 3. cross-checks every query's answer across every engine and variant BEFORE timing (a mismatch fails);
// 4. times each query per engine: 1 warm-up, then R runs (SQLite 4; fewer when a query is slow),
//    after one untimed gc() per query and engine (node --expose-gc);
// 5. prints median / p95, ratios to our engine, efficiency against the limit, targets; writes JSON + SVG.

import { execSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { crossCheck, setup, type PeerName } from "./core";
import { limitMs, measureMachine, workModel } from "./limit";
import { QUERIES, type BenchQuery } from "./queries";
import type { Variant } from "./runners";
import { ratioChart } from "./chart";
import { useKernel } from "../../engine/kernel/kernel";
import { loadWasmKernelNode } from "../../test/engine/helpers/wasm-kernel";

// Our engine runs with the WebAssembly word kernel, as it does in the Worker.
useKernel(loadWasmKernelNode());

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const N = Number(arg("--entities") ?? 1_000_000);
const JSON_OUT = arg("--json");
const RUNS = Number(arg("--runs") ?? 7);
const PEERS = (arg("--peers") ?? "duckdb,sqlite,chdb").split(",").filter(Boolean) as PeerName[];
const DIR = arg("--dir") ?? join("bench", "data", `peers-${N}`);
const CHART = arg("--chart") ?? join("bench", "results", `peers-${N >= 1e6 && N % 1e6 === 0 ? `${N / 1e6}m` : `${Math.round(N / 1000)}k`}.svg`);
const QUERY_BUDGET_MS = 6_000; // per query and engine: stop adding runs past this (at least 3 runs)

const started = performance.now();
const loadStart = loadavg();
if (loadStart[0]! > 0.5) console.warn(`WARNING: load average ${loadStart[0]!.toFixed(2)} at start: something else is running on this ${cpus().length}-core machine; timings will be inflated`);
console.log(`side-by-side benchmark: ${N} entities; peers ${PEERS.join(", ")}; data in ${DIR}`);
const machine = measureMachine();
console.log(`machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}; sequential read ${(machine.bytesPerMs / 1e6).toFixed(2)} GB/s; AND+popcount ${(machine.msPerWord * 1e6).toFixed(2)} ns/word`);

const s = await setup({ n: N, dir: DIR, peers: PEERS });

// --- cross-check before anything is timed ------------------------------------------------------------------
const { answers, mismatches } = await crossCheck(s);
for (const q of QUERIES) {
  const a = answers[q.id]!;
  console.log(`  ${q.id.padEnd(15)} ${typeof a === "number" ? a : `${a.length} rows, first ${JSON.stringify(a[0])}`}`);
}
if (mismatches.length > 0) {
  console.error(`CROSS-CHECK FAILED (${mismatches.length} mismatches); nothing timed:`);
  for (const m of mismatches) console.error(`  ${m.query}: ${m.detail}`);
  await s.close();
  process.exit(1);
}
console.log(`cross-check: all ${QUERIES.length} queries agree across ${1 + s.peers.reduce((k, p) => k + p.variants.length, 0)} engine variants`);

// --- timing ---------------------------------------------------------------------------------------------------
interface Timing {
  query: string;
  engine: string;
  median_ms: number;
  p95_ms: number;
  runs: number;
}
const results: Timing[] = [];
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
async function time(v: Variant, q: BenchQuery, runs: number): Promise<Timing> {
  gc(); // one untimed collection per query and engine, so earlier garbage is not billed to this query
  await v.run(q); // warm-up
  const ms: number[] = [];
  let total = 0;
  while (ms.length < runs && (ms.length < 3 || total < QUERY_BUDGET_MS)) {
    const t = performance.now();
    await v.run(q);
    const dt = performance.now() - t;
    ms.push(dt);
    total += dt;
  }
  ms.sort((a, b) => a - b);
  const median = ms.length % 2 === 1 ? ms[(ms.length - 1) / 2]! : (ms[ms.length / 2 - 1]! + ms[ms.length / 2]!) / 2;
  const p95 = ms[Math.min(ms.length - 1, Math.ceil(0.95 * ms.length) - 1)]!;
  return { query: q.id, engine: v.label, median_ms: round(median), p95_ms: round(p95), runs: ms.length };
}
const variants = [...s.ours.variants, ...s.peers.flatMap((p) => p.variants)];
for (const v of variants) {
  const runs = v.label.startsWith("SQLite") ? Math.min(RUNS, 4) : RUNS;
  const t = performance.now();
  for (const q of QUERIES) results.push(await time(v, q, runs));
  console.log(`  timed ${v.label} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

// --- report ---------------------------------------------------------------------------------------------------
const oursLabel = s.ours.variants[0]!.label;
const get = (q: string, e: string) => results.find((r) => r.query === q && r.engine === e);
const work = workModel(s.data);
const TARGET: Record<string, number | null> = { count: 5, event: 5, score: 5, aggregation: 2, extract: null };
/** Grouping queries are measured against the best of every peer (issue #17), the others against the best DuckDB. */
const AGAINST_ALL_PEERS = new Set(["aggregation"]);
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const labels = variants.map((v) => v.label);

const lines: string[] = [];
lines.push(`| query | ${labels.join(" | ")} |`);
lines.push(`|---|${labels.map(() => "---:").join("|")}|`);
for (const q of QUERIES)
  lines.push(
    `| ${q.id} | ${labels
      .map((l) => {
        const r = get(q.id, l)!;
        return `${fmt(r.median_ms)} / ${fmt(r.p95_ms)}`;
      })
      .join(" | ")} |`,
  );
const peerLabels = labels.filter((l) => l !== oursLabel);
const duckLabels = peerLabels.filter((l) => l.startsWith("DuckDB"));
const ratioLines: string[] = [];
ratioLines.push(`| query | ${peerLabels.map((l) => `${l} / ours`).join(" | ")} | target | limit ms | efficiency | met? |`);
ratioLines.push(`|---|${peerLabels.map(() => "---:").join("|")}|---:|---:|---:|---|`);
const ratios: Array<{ query: string; engine: string; ratio: number }> = [];
const verdicts: Array<{ query: string; target: number | null; against: string; bestRatio: number | null; limit_ms: number; efficiency: number; met: boolean | null; model: string }> = [];
for (const q of QUERIES) {
  const ours = get(q.id, oursLabel)!.median_ms;
  const cells = peerLabels.map((l) => {
    const ratio = get(q.id, l)!.median_ms / Math.max(ours, 1e-6);
    ratios.push({ query: q.id, engine: l, ratio: round(ratio, 2) });
    return `${ratio.toFixed(ratio >= 10 ? 0 : 1)}x`;
  });
  const target = TARGET[q.group]!;
  const against = AGAINST_ALL_PEERS.has(q.group) ? peerLabels : duckLabels;
  const best = against.length > 0 ? Math.min(...against.map((l) => get(q.id, l)!.median_ms)) / Math.max(ours, 1e-6) : null;
  const limit = limitMs(work[q.id]!, machine);
  const eff = limit / Math.max(ours, 1e-6);
  let met: boolean | null = target === null || best === null ? null : best >= target;
  if (q.group === "count" && met !== null) met = met && eff >= 1 / 3;
  verdicts.push({
    query: q.id,
    target,
    against: AGAINST_ALL_PEERS.has(q.group) ? "best peer" : "best DuckDB",
    bestRatio: best === null ? null : round(best, 2),
    limit_ms: round(limit, 4),
    efficiency: round(eff, 3),
    met,
    model: work[q.id]!.model,
  });
  const tgt = target === null ? "—" : `≥${target}x best ${AGAINST_ALL_PEERS.has(q.group) ? "peer" : "DuckDB"}${q.group === "count" ? ", ≤3x limit" : ""}`;
  ratioLines.push(`| ${q.id} | ${cells.join(" | ")} | ${tgt} | ${fmt(limit)} | ${(eff * 100).toFixed(eff >= 0.1 ? 0 : 1)}% | ${met === null ? "—" : met ? "yes" : "**MISS**"} |`);
}

const versions = Object.fromEntries([s.ours, ...s.peers].map((p) => [p.name, p.version]));
/** The code measured: HEAD plus any uncommitted engine files (the work tree is shared with other work). */
function gitState(): { head: string; dirty_engine_files: string[] } | null {
  try {
    const head = execSync("git rev-parse --short HEAD", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execSync("git status --porcelain -- engine contract", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .split("\n")
      .filter(Boolean)
      .map((l) => l.slice(3));
    return { head, dirty_engine_files: dirty };
  } catch {
    return null;
  }
}
const meta = {
  date: new Date().toISOString(),
  git: gitState(),
  loadavg_1m_at_start: round(loadStart[0]!, 2),
  loadavg_at_end: loadavg().map((x) => round(x, 2)),
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memGb: round(totalmem() / 2 ** 30, 1),
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform}-${process.arch}`,
  entities: N,
  events: s.data.events,
  bandwidth_gb_s: round(machine.bytesPerMs / 1e6, 2),
  ns_per_word: round(machine.msPerWord * 1e6, 3),
};
if (meta.git !== null)
  console.log(`\ncode: ${meta.git.head}${meta.git.dirty_engine_files.length > 0 ? ` + uncommitted ${meta.git.dirty_engine_files.join(", ")}` : ""}; load average ${meta.loadavg_at_end.join(" ")}`);
console.log(`\nmedian / p95 ms (${N} entities, ${s.data.events} events; ${meta.cpu} x${meta.cores}; Node ${process.version}, V8 ${process.versions.v8})\n`);
console.log(lines.join("\n"));
console.log(`\nratio of each peer's median to ours (>1 = we are faster); efficiency = physical limit / our median (§5.5)\n`);
console.log(ratioLines.join("\n"));
console.log("\nversions:");
for (const [k, v] of Object.entries(versions)) console.log(`  ${k}: ${v}`);
for (const x of s.skipped) console.log(`  ${x}`);
console.log("load times:");
for (const p of [s.ours, ...s.peers]) console.log(`  ${p.name}: ${(p.loadMs / 1000).toFixed(1)} s — ${p.design}`);
const misses = verdicts.filter((v) => v.met === false).map((v) => v.query);
console.log(misses.length === 0 ? "targets: all met" : `targets missed: ${misses.join(", ")}`);

mkdirSync(dirname(CHART), { recursive: true });
writeFileSync(
  CHART,
  ratioChart(
    ratios,
    QUERIES.map((q) => q.id),
    peerLabels,
    `Peer median / our median, ${N.toLocaleString("en-US")} entities (log scale; >1 = we are faster)`,
  ),
);
console.log(`chart: ${CHART}`);
if (JSON_OUT !== undefined) {
  mkdirSync(dirname(JSON_OUT), { recursive: true });
  const report = {
    machine: meta,
    versions,
    skipped: s.skipped,
    designs: Object.fromEntries([s.ours, ...s.peers].map((p) => [p.name, p.design])),
    load_ms: Object.fromEntries([s.ours, ...s.peers].map((p) => [p.name, round(p.loadMs, 0)])),
    answers,
    results: results.map(({ query, engine, median_ms, p95_ms }) => ({ query, engine, median_ms, p95_ms })),
    ratios,
    verdicts,
  };
  writeFileSync(JSON_OUT, JSON.stringify(report, null, 2) + "\n");
  console.log(`json: ${JSON_OUT}`);
}
await s.close();
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
