// Shared by bench/peers/run.ts (the timed benchmark) and test/bench (the CI cross-check): generate the
// data, load every available engine, and cross-check every query's answer across all of them.

import { rmSync } from "node:fs";
import { generate, type Dataset } from "./data";
import { diff, QUERIES, type Answer, type BenchQuery } from "./queries";
import { chdb, duckdb, ourEngine, sqlite, type Peer } from "./runners";

export type PeerName = "duckdb" | "sqlite" | "chdb";

export interface Setup {
  data: Dataset;
  ours: Peer;
  peers: Peer[];
  skipped: string[];
  close(): Promise<void>;
}

export async function setup(opts: { n: number; dir: string; peers: PeerName[]; threads?: number[]; sqliteIndexes?: boolean; log?: (s: string) => void }): Promise<Setup> {
  const log = opts.log ?? console.log;
  const engine = ourEngine(opts.dir);
  const data = generate(opts.n, opts.dir, engine.sink, log);
  const ours = engine.finish();
  log(`ours: applied in ${(ours.loadMs / 1000).toFixed(1)} s; ${ours.design}`);
  const peers: Peer[] = [];
  const skipped: string[] = [];
  for (const name of opts.peers) {
    const t = performance.now();
    let p: Peer | string;
    try {
      p = name === "duckdb" ? await duckdb(data, opts.threads) : name === "sqlite" ? await sqlite(data, opts.sqliteIndexes ?? true) : await chdb(data, opts.threads);
    } catch (err) {
      p = `${name} skipped: failed to load the data (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`;
    }
    if (typeof p === "string") {
      skipped.push(p);
      log(p);
    } else {
      peers.push(p);
      log(`${p.version}: loaded in ${((performance.now() - t) / 1000).toFixed(1)} s; ${p.design}`);
    }
  }
  return {
    data,
    ours,
    peers,
    skipped,
    async close() {
      for (const p of [ours, ...peers]) await p.close();
      rmSync(data.entitiesCsv, { force: true });
      rmSync(data.eventsCsv, { force: true });
    },
  };
}

export interface Mismatch {
  query: string;
  engine: string;
  detail: string;
}

/** Runs every query once on every variant and compares with our engine's answer. Returns the answers and mismatches. */
export async function crossCheck(s: Setup, queries: BenchQuery[] = QUERIES): Promise<{ answers: Record<string, Answer>; mismatches: Mismatch[] }> {
  const answers: Record<string, Answer> = {};
  const mismatches: Mismatch[] = [];
  for (const q of queries) {
    const ref = await s.ours.variants[0]!.run(q);
    answers[q.id] = ref;
    for (const p of s.peers) {
      for (const v of p.variants) {
        let d: string | null;
        try {
          d = diff(await v.run(q), ref);
        } catch (err) {
          d = `error: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
        }
        if (d !== null) mismatches.push({ query: q.id, engine: v.label, detail: `${v.label} vs ours: ${d}` });
      }
    }
  }
  return { answers, mismatches };
}
