// Column chunks stored as a base plus tails (engine/encodings/chunk-tail.ts), attribute chunks and
// event columns' existence chunks: a small write into a big chunk stores a small tail row instead of
// the chunk, tails merge back into the base at their limits, and an engine paging the chunks in from
// storage (base, then tails replayed) answers every query exactly as the engine that wrote them,
// through long seeded runs of random mutations.

import { describe, expect, it } from "vitest";
import { createSegmentEngine } from "../../engine/index";
import { SegmentKind } from "../../engine/format/segment";
import type { EntityWrite } from "../../contract/plan";
import { COLUMN_TAIL_ROWS_MAX } from "../../contract/limits";
import { openSqlite, type SqliteHarness } from "./helpers/sqlite";
import { Rng } from "./helpers/seeded";
import { randomMutation, randomQuery } from "./helpers/random-plans";
import { answerDifference } from "./helpers/compare";

const CITY = { id: 1, type: "string" as const, storage: "latest-value" as const };
const AGE = { id: 2, type: "integer" as const, storage: "latest-value" as const };
const PRICE = { id: 3, type: "decimal" as const, storage: "latest-value" as const };
const TAGS = { id: 4, type: "string" as const, storage: "list-of-values" as const };
const CLICKS = { id: 5, type: "string-event" as const, storage: "latest-value" as const };

function entity(i: number, salt = 0): EntityWrite {
  return {
    dimension: "default",
    id: `e${i}`,
    attrs: [
      { col: CITY, value: `city-${(i + salt) % 300}` },
      { col: AGE, value: (i * 7 + salt) % 90 },
      { col: PRICE, value: ((i + salt) % 1000) / 10 },
      { col: TAGS, value: `tag-${(i + salt) % 13}` },
    ],
    events: [],
  };
}

/** Bytes and rows each segment kind wrote while `fn` ran (storage writes bind (kind, a, b, c, part, bytes)). */
function writesDuring(h: SqliteHarness, fn: () => void): Map<number, { rows: number; bytes: number }> {
  const out = new Map<number, { rows: number; bytes: number }>();
  const exec = h.sql.exec;
  h.sql.exec = (query: string, ...bindings: unknown[]) => {
    if (/^INSERT INTO seg_blobs/i.test(query)) {
      const w = out.get(Number(bindings[0])) ?? { rows: 0, bytes: 0 };
      w.rows++;
      w.bytes += (bindings[5] as ArrayBuffer).byteLength;
      out.set(Number(bindings[0]), w);
    }
    return exec.call(h.sql, query, ...bindings);
  };
  try {
    fn();
  } finally {
    h.sql.exec = exec;
  }
  return out;
}

const tailRows = (h: SqliteHarness): number => Number(h.db.prepare(`SELECT COUNT(DISTINCT a || '/' || b || '/' || c) AS n FROM seg_blobs WHERE kind = ?`).get(SegmentKind.columnTail)!.n);

function valuesOf(engine: ReturnType<typeof createSegmentEngine>): unknown {
  const out: unknown[] = [];
  let cursor = null;
  do {
    const page = engine.exportEntities(cursor, 5000);
    out.push(...page.writes);
    cursor = page.next;
  } while (cursor !== null);
  return out;
}

describe("column chunk tails", () => {
  it("stores a small write into a full chunk as tail rows, merges them at the row limit, and reads back exactly", () => {
    const h = openSqlite();
    const writer = createSegmentEngine(h.sql);
    for (let i = 0; i < 60_000; i += 5000) h.transactionSync(() => writer.apply({ kind: "write", entities: Array.from({ length: 5000 }, (_, j) => entity(i + j)) }));
    const loaded = tailRows(h); // big batches into a big chunk already take tails until a quarter of its entities
    const one = writesDuring(h, () => h.transactionSync(() => writer.apply({ kind: "write", entities: [entity(60_000)] })));
    expect(one.get(SegmentKind.columnTail)?.rows).toBe(4); // one tail row per attribute column touched
    expect(one.get(SegmentKind.columnChunk)).toBeUndefined(); // no chunk rewritten

    // 10 entities overwritten: a few hundred bytes per column instead of the whole chunk
    const small = writesDuring(h, () => h.transactionSync(() => writer.apply({ kind: "write", entities: Array.from({ length: 10 }, (_, j) => entity(j * 5000, 1)) })));
    expect(small.get(SegmentKind.columnChunk)).toBeUndefined();
    expect(small.get(SegmentKind.columnTail)!.bytes).toBeLessThan(4 * 500);
    expect(tailRows(h)).toBe(loaded + 8);

    // A fresh engine (a woken Durable Object) replays base + tails: same entities, same answers.
    expect(valuesOf(createSegmentEngine(h.sql))).toEqual(valuesOf(writer));

    // Up to the row limit the tails grow; the next flush rewrites each base and drops its tails.
    for (let call = 2; tailRows(h) < 4 * COLUMN_TAIL_ROWS_MAX; call++) {
      const w = writesDuring(h, () => h.transactionSync(() => writer.apply({ kind: "write", entities: [entity(call, call)] })));
      expect(w.get(SegmentKind.columnChunk)).toBeUndefined();
    }
    const merge = writesDuring(h, () => h.transactionSync(() => writer.apply({ kind: "write", entities: [entity(7, 99)] })));
    expect(merge.get(SegmentKind.columnChunk)?.rows).toBe(4);
    expect(tailRows(h)).toBe(0);
    expect(valuesOf(createSegmentEngine(h.sql))).toEqual(valuesOf(writer));
    h.close();
  });

  it("rewrites the base on a rescale of a decimal column and on a bulk clear of a list column", () => {
    const h = openSqlite();
    const writer = createSegmentEngine(h.sql);
    h.transactionSync(() => writer.apply({ kind: "write", entities: Array.from({ length: 2000 }, (_, i) => entity(i)) }));
    h.transactionSync(() => writer.apply({ kind: "write", entities: [entity(1, 5)] })); // tails
    expect(tailRows(h)).toBeGreaterThan(0);
    const rescale = writesDuring(h, () => h.transactionSync(() => writer.apply({ kind: "write", entities: [{ dimension: "default", id: "e3", attrs: [{ col: PRICE, value: 1.2345 }], events: [] }] })));
    expect(rescale.get(SegmentKind.columnChunk)?.rows).toBe(1); // the decimal chunk, at its new scale
    const cleared = writesDuring(h, () => h.transactionSync(() => writer.apply({ kind: "delete", dimension: "default", expr: { op: "id", test: { op: "in", values: ["e4", "e5"] } } })));
    expect(cleared.get(SegmentKind.columnChunk)?.rows ?? 0).toBeGreaterThanOrEqual(1); // the list chunk
    expect(valuesOf(createSegmentEngine(h.sql))).toEqual(valuesOf(writer));
    h.close();
  });

  it("stores an event column's existence changes as tails: entities new to the chunk add a tail row, known ones write no chunk row, a delete rewrites the base", () => {
    const h = openSqlite();
    const writer = createSegmentEngine(h.sql);
    const clicks = (from: number, n: number, t: number): EntityWrite[] =>
      Array.from({ length: n }, (_, j) => ({ dimension: "default", id: `e${from + j}`, attrs: [], events: [{ col: CLICKS, value: `page-${(from + j) % 7}`, t }] }));
    const t0 = Date.UTC(2026, 0, 5);
    h.transactionSync(() => writer.apply({ kind: "write", entities: clicks(0, 20_000, t0) })); // the base
    const fresh = writesDuring(h, () => h.transactionSync(() => writer.apply({ kind: "write", entities: clicks(20_000, 10, t0 + 1) })));
    expect(fresh.get(SegmentKind.columnChunk)).toBeUndefined(); // the chunk's existence bitmap is not rewritten
    expect(fresh.get(SegmentKind.columnTail)?.rows).toBe(1);
    const known = writesDuring(h, () => h.transactionSync(() => writer.apply({ kind: "write", entities: clicks(5, 10, t0 + 2) })));
    expect(known.get(SegmentKind.columnChunk)).toBeUndefined();
    expect(known.get(SegmentKind.columnTail)).toBeUndefined(); // nothing new to say about existence

    const count = (engine: ReturnType<typeof createSegmentEngine>): unknown => engine.query({ kind: "count-entity", queries: [{ dimension: "default", expr: { op: "has", col: CLICKS } }] });
    expect(count(writer)).toEqual({ kind: "count-entity", counts: [20_010] });
    expect(count(createSegmentEngine(h.sql))).toEqual(count(writer)); // a cold engine replays the tail

    const deleted = writesDuring(h, () => h.transactionSync(() => writer.apply({ kind: "delete", dimension: "default", expr: { op: "id", test: { op: "in", values: ["e1", "e20003"] } } })));
    expect(deleted.get(SegmentKind.columnChunk)?.rows).toBe(1); // the bulk removal rewrote the base...
    expect(tailRows(h)).toBe(0); // ...and dropped its tails
    expect(count(createSegmentEngine(h.sql))).toEqual({ kind: "count-entity", counts: [20_008] });
    h.close();
  });

  for (let seed = 1; seed <= 8; seed++) {
    it(`seed ${seed}: long random runs answer the same from storage (cold, replaying tails) as live`, () => {
      const rng = new Rng(seed * 15_485_863);
      const h = openSqlite();
      const writer = createSegmentEngine(h.sql);
      const nIds = rng.int(50, 400);
      const steps = rng.int(150, 260); // past COLUMN_TAIL_ROWS_MAX flushes of the same chunks: tails merge and start again
      let sawTails = false;
      for (let step = 0; step < steps; step++) {
        const m = randomMutation(rng, nIds);
        h.transactionSync(() => writer.apply(m));
        sawTails ||= tailRows(h) > 0;
        if (step % 25 !== 24) continue;
        const cold = createSegmentEngine(h.sql);
        for (let q = 0; q < 12; q++) {
          const query = randomQuery(rng, nIds);
          const d = answerDifference(cold.query(query), writer.query(query));
          if (d !== null) throw new Error(`seed ${seed} step ${step}: query ${JSON.stringify(query).slice(0, 2000)}\n${d}`);
        }
      }
      expect(sawTails).toBe(true);
      h.close();
    });
  }
});
