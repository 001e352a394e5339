// The segment cache's scan resistance: admit() caches what a read pages in only while the budget has
// room, and event counts over a few values keep per-code slices of the postings, so a working set of
// postings segments far larger than the budget still answers from memory on the next run. Answers are
// checked exactly against a brute-force count of the generated events, before and after writes.

import { describe, expect, it } from "vitest";
import type { ColumnRef } from "../../contract/columns";
import type { EntityWrite, Expr, ShardQuery } from "../../contract/plan";
import type { SqlLike } from "../../engine/engine";
import { createSegmentEngine } from "../../engine/index";
import { SegmentKind } from "../../engine/format/segment";
import { type Segment, SegmentCache } from "../../engine/store/cache";
import type { BlobStore } from "../../engine/store/blobs";
import { openSqlite } from "./helpers/sqlite";
import { Rng } from "./helpers/seeded";

class Fake implements Segment {
  constructor(private readonly n: number) {}
  heapBytes(): number {
    return this.n;
  }
  flush(): void {}
}

describe("segment cache admission", () => {
  it("admits a read's segments only while the budget has room, and evicts nothing for them", () => {
    const cache = new SegmentCache(null as unknown as BlobStore, 1000);
    cache.offer("hot", new Fake(300));
    expect(cache.admit("a", new Fake(400))).toBe(true);
    expect(cache.admit("b", new Fake(400))).toBe(false); // 300 + 400 + 400 > 1000
    expect(cache.has("hot") && cache.has("a") && !cache.has("b")).toBe(true);
    expect(cache.admit("a", new Fake(999))).toBe(true); // already cached: kept as it is
    expect(cache.cachedBytes()).toBe(700);
    cache.offer("c", new Fake(600)); // offer (demand paging) always caches; trim then evicts the LRU
    cache.trim();
    expect(cache.has("hot")).toBe(false);
    expect(cache.cachedBytes()).toBe(1000);
    expect(cache.peek("a")).toBeDefined();
    cache.store("a", new Fake(100)); // a clean projection replaces the entry and its size
    expect(cache.cachedBytes()).toBe(700);
    cache.clear();
    expect(cache.cachedBytes()).toBe(0);
  });
});

const clicks: ColumnRef = { id: 2, type: "string-event", storage: "latest-value" };
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

interface Ev {
  id: number;
  value: number;
  day: number;
}

/** Events of entities [from, to): 2 to 5 each, values Zipf-ish over 40, days over five months. */
function events(rng: Rng, from: number, to: number): Ev[] {
  const out: Ev[] = [];
  for (let id = from; id < to; id++) {
    for (let k = rng.int(2, 5); k > 0; k--) out.push({ id, value: Math.min(rng.int(0, 39), rng.int(0, 39)), day: rng.int(0, 150) });
  }
  return out;
}

function writes(evs: Ev[]): EntityWrite[] {
  const by = new Map<number, Ev[]>();
  for (const e of evs) {
    const list = by.get(e.id);
    if (list === undefined) by.set(e.id, [e]);
    else list.push(e);
  }
  return [...by].map(([id, list]) => ({ dimension: "default", id: `e${id}`, attrs: [], events: list.map((e) => ({ col: clicks, value: `v${e.value}`, t: T0 + e.day * DAY })) }));
}

const minfreq = (values: number[], fromDay: number, toDay: number, n: number): Expr => ({
  op: "events",
  terms: [{ col: clicks, test: { op: "in", values: values.map((v) => `v${v}`) }, window: { from: T0 + fromDay * DAY, to: T0 + toDay * DAY - 1 } }],
  minfreq: n,
});

/** Entities with at least n events of `values` on days [fromDay, toDay). */
function expected(evs: Ev[], values: number[], fromDay: number, toDay: number, n: number): number {
  const per = new Map<number, number>();
  for (const e of evs) if (values.includes(e.value) && e.day >= fromDay && e.day < toDay) per.set(e.id, (per.get(e.id) ?? 0) + 1);
  let k = 0;
  for (const c of per.values()) if (c >= n) k++;
  return k;
}

describe("event counts over a postings working set larger than the cache", () => {
  it("get hits from the second run on, stay inside the budget, and stay exact across writes", { timeout: 120_000 }, () => {
    const rng = new Rng(4242);
    const h = openSqlite();
    const writer = createSegmentEngine(h.sql);
    const N = 140_000; // three entity chunks
    const evs = events(rng, 0, N);
    const batch = writes(evs);
    for (let i = 0; i < batch.length; i += 5000) h.transactionSync(() => writer.apply({ kind: "write", entities: batch.slice(i, i + 5000) }));
    const postingsBytes = Number(h.db.prepare(`SELECT SUM(length(bytes)) AS n FROM seg_blobs WHERE kind IN (${SegmentKind.postings}, ${SegmentKind.postingsTail})`).get()!.n);

    // A fresh engine (a woken DO) whose budget is a fraction of the postings; it counts postings reads.
    let reads = 0;
    const sql: SqlLike = {
      exec(query: string, ...bindings: unknown[]) {
        if (query.includes("FROM seg_blobs") && (bindings[0] === SegmentKind.postings || bindings[0] === SegmentKind.postingsTail)) reads++;
        return h.sql.exec(query, ...bindings);
      },
    };
    const budget = 256 * 1024;
    expect(postingsBytes).toBeGreaterThan(4 * budget);
    const engine = createSegmentEngine(sql, { cacheBytes: budget });
    const cases: Array<[number[], number, number, number]> = [
      [[3], 10, 140, 2],
      [[0, 7], 0, 151, 3],
      [[5], 31, 60, 1], // exactly one whole month
    ];
    const q = (c: [number[], number, number, number]): ShardQuery => ({ kind: "count-entity", queries: [{ dimension: "default", expr: minfreq(...c) }] });
    for (const c of cases) {
      const want = { kind: "count-entity", counts: [expected(evs, ...c)] };
      reads = 0;
      expect(engine.query(q(c))).toEqual(want);
      expect(reads).toBeGreaterThan(0); // paged in once
      expect(engine.stats().cachedBytes).toBeLessThanOrEqual(budget);
      reads = 0;
      for (let run = 0; run < 3; run++) expect(engine.query(q(c))).toEqual(want);
      expect(reads).toBe(0); // every later run answers from the cached slices
      expect(engine.stats().cachedBytes).toBeLessThanOrEqual(budget);
    }

    // Writes through the same engine (new events for old entities and new entities) invalidate
    // exactly the slices they touch; answers stay exact, from memory again once re-sliced.
    const more = [...events(rng, 1000, 1400), ...events(rng, N, N + 300)];
    h.transactionSync(() => engine.apply({ kind: "write", entities: writes(more) }));
    const all = [...evs, ...more];
    for (const c of cases) {
      const want = { kind: "count-entity", counts: [expected(all, ...c)] };
      expect(engine.query(q(c))).toEqual(want);
      reads = 0;
      expect(engine.query(q(c))).toEqual(want);
      expect(reads).toBe(0);
    }
    // A different engine over the same storage (the writer never saw these writes) agrees.
    const cold = createSegmentEngine(h.sql, { cacheBytes: budget });
    for (const c of cases) expect(cold.query(q(c))).toEqual({ kind: "count-entity", counts: [expected(all, ...c)] });
    h.close();
  });
});
