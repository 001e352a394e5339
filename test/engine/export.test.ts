// The full-entity export a reshard moves between shards: seeded random data (inserts, deletes,
// updates, several dimensions, every column type, events) exported page by page from one engine and
// applied to a fresh one must answer every random query identically, and each entity exactly once.

import { describe, expect, it } from "vitest";
import type { ExportCursor } from "../../engine/index";
import { createSegmentEngine } from "../../engine/index";
import { openSqlite } from "./helpers/sqlite";
import { Rng } from "./helpers/seeded";
import { randomMutation, randomQuery } from "./helpers/random-plans";
import { answerDifference } from "./helpers/compare";

const SEEDS = 12;

describe("entity export recreates a shard", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}: page by page into a fresh engine, every query answers the same`, () => {
      const rng = new Rng(seed * 104729);
      const from = openSqlite();
      const to = openSqlite();
      const source = createSegmentEngine(from.sql);
      const target = createSegmentEngine(to.sql);
      const nIds = rng.int(20, 400);
      for (let i = 0; i < rng.int(10, 40); i++) {
        const m = randomMutation(rng, nIds);
        from.transactionSync(() => source.apply(m));
      }
      const pageSize = rng.int(1, 50);
      const seen = new Set<string>();
      let cursor: ExportCursor | null = null;
      let pages = 0;
      do {
        const page = source.exportEntities(cursor, pageSize);
        expect(page.writes.length).toBeLessThanOrEqual(pageSize);
        for (const w of page.writes) {
          const key = `${w.dimension}\u0000${w.id}`;
          expect(seen.has(key), `entity ${key} exported twice`).toBe(false);
          seen.add(key);
        }
        if (page.writes.length > 0) to.transactionSync(() => target.apply({ kind: "write", entities: page.writes }));
        cursor = page.next;
        pages++;
      } while (cursor !== null && pages < 10_000);
      expect(cursor).toBeNull();
      expect(seen.size).toBe(source.stats().entities);
      expect(target.stats().dimensions).toEqual(source.stats().dimensions);
      for (let q = 0; q < 60; q++) {
        const query = randomQuery(rng, nIds);
        const d = answerDifference(target.query(query), source.query(query));
        if (d !== null) throw new Error(`seed ${seed}: query ${JSON.stringify(query).slice(0, 2000)}\n${d}`);
      }
      from.close();
      to.close();
    });
  }

  it("a page read again from the same cursor is the same page", () => {
    const h = openSqlite();
    const e = createSegmentEngine(h.sql);
    const col = { id: 1, type: "integer" as const, storage: "latest-value" as const };
    h.transactionSync(() =>
      e.apply({ kind: "write", entities: Array.from({ length: 300 }, (_, i) => ({ dimension: i % 3 === 0 ? "users" : "default", id: `u${i}`, attrs: [{ col, value: i }], events: [] })) }),
    );
    const first = e.exportEntities(null, 120);
    expect(e.exportEntities(null, 120)).toEqual(first);
    const second = e.exportEntities(first.next, 120);
    expect(e.exportEntities(first.next, 120)).toEqual(second);
    const third = e.exportEntities(second.next, 120);
    expect(third.next).toBeNull();
    expect(first.writes.length + second.writes.length + third.writes.length).toBe(300);
    h.close();
  });
});
