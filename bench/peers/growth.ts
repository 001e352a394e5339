// Growth report of the side-by-side benchmark: every query's median at several sizes (default 100k,
// 1M and 4M entities), ours against the best peer variant of the same run at each size.
//
//   npm run bench:growth -- [--sizes 100000,1000000,4000000] [--large-peers duckdb,chdb] [--runs R] [--report-only]
//
// Each size is one `npm run bench` process (peers and ours in the same process, as always), writing
// bench/results/peers-<size>.json; sizes above 1M run only --large-peers (default DuckDB and chDB:
// SQLite needs about 15 minutes to load and index 4M entities, and seconds per grouping query). Then
// the table is printed and written to bench/results/growth.json and growth.md. --report-only skips
// the runs and builds the table from the JSON files already there.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const SIZES = (arg("--sizes") ?? "100000,1000000,4000000").split(",").map(Number);
const LARGE_PEERS = arg("--large-peers") ?? "duckdb,chdb";
const RUNS = arg("--runs") ?? "11";
const REPORT_ONLY = process.argv.includes("--report-only");
const RESULTS = join("bench", "results");

/** The size tag of run.ts's file names: 100k, 1m, 4m. */
const tag = (n: number): string => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}m` : `${Math.round(n / 1000)}k`);
const jsonOf = (n: number): string => join(RESULTS, `peers-${tag(n)}.json`);

interface Report {
  machine: { date: string; entities: number; events: number; loadavg_1m_at_start: number; loadavg_at_end: number[]; git: { head: string } | null };
  results: Array<{ query: string; engine: string; median_ms: number }>;
  skipped: string[];
}

if (!REPORT_ONLY) {
  for (const n of SIZES) {
    const args = [
      "--expose-gc",
      "--no-warnings",
      join(".wrangler", "bench", "peers.mjs"),
      "--entities",
      String(n),
      "--runs",
      RUNS,
      "--json",
      jsonOf(n),
      "--chart",
      join(RESULTS, `peers-${tag(n)}.svg`),
    ];
    if (n > 1_000_000) args.push("--peers", LARGE_PEERS);
    console.log(`\n=== ${n} entities: node ${args.join(" ")}`);
    const r = spawnSync(process.execPath, args, { stdio: "inherit" });
    if (r.status !== 0) {
      console.error(`the run at ${n} entities failed (exit ${r.status}); the report uses the sizes that have results`);
    }
  }
}

const reports = SIZES.filter((n) => existsSync(jsonOf(n))).map((n) => ({ n, r: JSON.parse(readFileSync(jsonOf(n), "utf8")) as Report }));
if (reports.length === 0) {
  console.error("no results to report");
  process.exit(1);
}
const queries = [...new Set(reports.flatMap(({ r }) => r.results.map((x) => x.query)))];
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

interface Cell {
  entities: number;
  ours_ms: number;
  best_peer: string;
  best_peer_ms: number;
  ratio: number;
}
const rows: Array<{ query: string; sizes: Cell[] }> = queries.map((query) => ({
  query,
  sizes: reports.flatMap(({ n, r }) => {
    const mine = r.results.filter((x) => x.query === query);
    const ours = mine.find((x) => x.engine.startsWith("ours"));
    const peers = mine.filter((x) => !x.engine.startsWith("ours")).sort((a, b) => a.median_ms - b.median_ms);
    if (ours === undefined || peers.length === 0) return [];
    const best = peers[0]!;
    return [{ entities: n, ours_ms: ours.median_ms, best_peer: best.engine, best_peer_ms: best.median_ms, ratio: Math.round((best.median_ms / Math.max(ours.median_ms, 1e-6)) * 100) / 100 }];
  }),
}));

const head = `| query | ${reports.map(({ n }) => `ours ${tag(n)} | best peer ${tag(n)} | ×`).join(" | ")} | ours ${tag(reports[reports.length - 1]!.n)} / ${tag(reports[0]!.n)} |`;
const rule = `|---|${reports.map(() => "---:|---|---:").join("|")}|---:|`;
const lines = [head, rule];
for (const row of rows) {
  const cells = reports.map(({ n }) => {
    const c = row.sizes.find((s) => s.entities === n);
    return c === undefined ? "— | — | —" : `${fmt(c.ours_ms)} | ${fmt(c.best_peer_ms)} (${c.best_peer}) | ${c.ratio.toFixed(c.ratio >= 10 ? 0 : 1)}x`;
  });
  const first = row.sizes[0];
  const last = row.sizes[row.sizes.length - 1];
  const growth = first !== undefined && last !== undefined && last !== first ? `${(last.ours_ms / Math.max(first.ours_ms, 1e-6)).toFixed(1)}x` : "—";
  lines.push(`| ${row.query} | ${cells.join(" | ")} | ${growth} |`);
}
const table = lines.join("\n");
const runsOf = reports.map(({ n, r }) => ({
  entities: n,
  events: r.machine.events,
  date: r.machine.date,
  git: r.machine.git?.head ?? null,
  loadavg_1m_at_start: r.machine.loadavg_1m_at_start,
  loadavg_at_end: r.machine.loadavg_at_end,
  skipped: r.skipped,
  peers: [...new Set(r.results.map((x) => x.engine).filter((e) => !e.startsWith("ours")))],
}));
console.log(`\nmedian ms, ours vs the best peer variant of the same run (× = best peer / ours; >1: we are faster)\n`);
console.log(table);
for (const x of runsOf) console.log(`  ${tag(x.entities)}: ${x.date}, code ${x.git ?? "?"}, load ${x.loadavg_1m_at_start} -> ${x.loadavg_at_end.join(" ")}; peers ${x.peers.join(", ")}`);
writeFileSync(join(RESULTS, "growth.json"), JSON.stringify({ runs: runsOf, rows }, null, 2) + "\n");
writeFileSync(join(RESULTS, "growth.md"), table + "\n");
console.log(`json: ${join(RESULTS, "growth.json")}; table: ${join(RESULTS, "growth.md")}`);
