// The engine benchmark inside workerd: a SQLite-backed Durable Object that generates the same shard
// through apply() and times the same queries (bench/engine-queries.ts) with the WASM kernel installed
// exactly as a Worker host does. Driven by bench/workerd/run.ts through Miniflare.

import "../../engine/kernel/worker";
import type { SqlLike } from "../../engine/engine";
import type { EntityWrite, ShardQuery } from "../../contract/plan";
import { createSegmentEngine } from "../../engine/index";
import { kernel } from "../../engine/kernel/kernel";
import { ALL_COLUMNS, COLD_QUERY, QUERIES } from "../engine-queries";
import { makeGenerator, toEntityWrite } from "../generator";

/** What this object uses of its DurableObjectState (typed structurally: the bench is checked with Node types). */
interface State {
  storage: { sql: SqlLike; transactionSync<T>(fn: () => T): T };
}

const CACHE_BYTES = 64 * 2 ** 20;
const BATCH = 1000;

export class BenchShard {
  private engine;
  private readonly gen = makeGenerator(42);

  constructor(private readonly state: State) {
    this.engine = createSegmentEngine(state.storage.sql, { cacheBytes: CACHE_BYTES });
  }

  async fetch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const num = (k: string, d: number): number => Number(url.searchParams.get(k) ?? d);
    switch (url.pathname) {
      case "/stats":
        return Response.json({ ...this.engine.stats(), kernel: kernel().name });
      case "/generate":
        return Response.json(this.generate(num("from", 0), num("to", 0)));
      case "/cold": {
        // A fresh engine over the same storage: a Durable Object woken after eviction.
        this.engine = createSegmentEngine(this.state.storage.sql, { cacheBytes: CACHE_BYTES });
        const t = performance.now();
        this.engine.query(COLD_QUERY);
        return Response.json({ ms: performance.now() - t });
      }
      case "/query": {
        const q = QUERIES.find((x) => x.name === url.searchParams.get("name"));
        if (q === undefined) return new Response("unknown query", { status: 404 });
        return Response.json(this.time(q.q, num("runs", 11)));
      }
      case "/all-columns":
        this.engine.query(ALL_COLUMNS);
        return Response.json(this.engine.stats());
      default:
        return new Response("not found", { status: 404 });
    }
  }

  private generate(from: number, to: number): { values: number; ms: number } {
    let values = 0;
    let ms = 0;
    for (let i = from; i < to; i += BATCH) {
      const entities: EntityWrite[] = [];
      for (let j = i; j < Math.min(to, i + BATCH); j++) entities.push(toEntityWrite(this.gen(j)));
      const t = performance.now();
      values += this.state.storage.transactionSync(() => this.engine.apply({ kind: "write", entities })).values;
      ms += performance.now() - t;
    }
    return { values, ms };
  }

  /**
   * Median over `runs` batches of the mean time per query. Batches repeat the query until they last
   * >= 20 ms, because workerd's clock is coarse (it may move in whole milliseconds).
   */
  private time(q: ShardQuery, runs: number): { ms: number; reps: number; answer: string } {
    const answer = JSON.stringify(this.engine.query(q)).slice(0, 120);
    let reps = 1;
    for (;;) {
      const t = performance.now();
      for (let i = 0; i < reps; i++) this.engine.query(q);
      if (performance.now() - t >= 20 || reps >= 4096) break;
      reps *= 2;
    }
    const per: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      for (let i = 0; i < reps; i++) this.engine.query(q);
      per.push((performance.now() - t) / reps);
    }
    per.sort((a, b) => a - b);
    return { ms: per[Math.floor(per.length / 2)]!, reps, answer };
  }
}

export default {
  fetch(req: Request, env: { SHARD: { idFromName(n: string): unknown; get(id: unknown): { fetch(r: Request): Promise<Response> } } }): Promise<Response> {
    return env.SHARD.get(env.SHARD.idFromName("bench")).fetch(req);
  },
};
