// Storage behaviour of the segment engine: segments split below SEGMENT_BYTES_MAX, idempotent and
// versioned migration, checksum failures surfacing as errors, rollback after a failed apply, and the
// cache budget holding between calls.

import { describe, expect, it } from "vitest";
import { SEGMENT_BYTES_MAX } from "../../contract/limits";
import type { ColumnRef } from "../../contract/columns";
import type { Mutation } from "../../contract/plan";
import { BlobStore } from "../../engine/store/blobs";
import { migrate } from "../../engine/store/schema";
import { createSegmentEngine } from "../../engine/index";
import { createReferenceEngine } from "../../engine/testing/reference/index";
import { openSqlite } from "./helpers/sqlite";
import { randomMutation, randomQuery } from "./helpers/random-plans";
import { Rng } from "./helpers/seeded";

const name: ColumnRef = { id: 1, type: "string", storage: "latest-value" };
const clicks: ColumnRef = { id: 2, type: "string-event", storage: "latest-value" };
const write = (ids: string[], value = "x"): Mutation => ({
  kind: "write",
  entities: ids.map((id) => ({ dimension: "default", id, attrs: [{ col: name, value }], events: [{ col: clicks, value, t: Date.UTC(2017, 0, 1) }] })),
});
const countX = { kind: "count-entity" as const, queries: [{ dimension: "default", expr: { op: "attr" as const, col: name, test: { op: "eq" as const, value: "x" } } }] };

describe("segment storage", () => {
  it("splits large segments into parts and reassembles them", () => {
    const h = openSqlite();
    migrate(h.sql);
    const blobs = new BlobStore(h.sql);
    const big = new Uint8Array(2 * SEGMENT_BYTES_MAX + 123).map((_, i) => (i * 31) & 0xff);
    const key = { kind: 9, a: 1, b: 2, c: 3 };
    blobs.write(key, big);
    const parts = h.db.prepare("SELECT part, length(bytes) AS n FROM seg_blobs WHERE kind = 9 ORDER BY part").all() as Array<{ part: number; n: number }>;
    expect(parts.map((p) => p.n)).toEqual([SEGMENT_BYTES_MAX, SEGMENT_BYTES_MAX, 123]);
    expect(Buffer.from(blobs.read(key)!).equals(Buffer.from(big))).toBe(true);
    blobs.write(key, big.subarray(0, 10)); // shrinking drops the extra parts
    expect(h.db.prepare("SELECT COUNT(*) AS n FROM seg_blobs WHERE kind = 9").get()).toEqual({ n: 1 });
    expect(blobs.read(key)!.length).toBe(10);
  });

  it("migrates idempotently and refuses a newer schema", () => {
    const h = openSqlite();
    migrate(h.sql);
    migrate(h.sql);
    createSegmentEngine(h.sql);
    expect(h.db.prepare("SELECT value FROM seg_meta WHERE key = 'schema_version'").get()).toEqual({ value: 1 });
    h.db.exec("UPDATE seg_meta SET value = 99 WHERE key = 'schema_version'");
    expect(() => createSegmentEngine(h.sql)).toThrow(/schema version 99/);
  });

  it("detects a corrupted segment when paging it in", () => {
    const h = openSqlite();
    const engine = createSegmentEngine(h.sql);
    h.transactionSync(() => engine.apply(write(["a", "b"])));
    h.db.exec("UPDATE seg_blobs SET bytes = CAST(replace(CAST(bytes AS TEXT), 'x', 'y') AS BLOB) WHERE kind = 3");
    const cold = createSegmentEngine(h.sql);
    expect(() => cold.query(countX)).toThrow(/checksum/);
  });

  it("applies a batch with one flush exactly as one mutation at a time (live and after a reload)", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rng = new Rng(seed);
      const batches = Array.from({ length: 6 }, () => Array.from({ length: rng.int(1, 8) }, () => randomMutation(rng, 30)));
      const queries = Array.from({ length: 25 }, () => randomQuery(rng, 30));
      const one = openSqlite();
      const many = openSqlite();
      const single = createSegmentEngine(one.sql);
      const batched = createSegmentEngine(many.sql);
      for (const batch of batches) {
        const a = batch.map((m) => one.transactionSync(() => single.apply(m)));
        const b = many.transactionSync(() => batched.applyAll(batch));
        expect(b, `seed ${seed}`).toEqual(a);
      }
      const reloaded = createSegmentEngine(many.sql); // a woken Durable Object: everything from storage
      for (const q of queries) {
        const want = single.query(q);
        expect(batched.query(q), `seed ${seed}`).toEqual(want);
        expect(reloaded.query(q), `seed ${seed} after reload`).toEqual(want);
      }
    }
  });

  it("rolls back cleanly when an apply throws", () => {
    const h = openSqlite();
    const engine = createSegmentEngine(h.sql);
    const ref = createReferenceEngine(h.sql);
    for (const e of [engine, ref]) h.transactionSync(() => e.apply(write(["a", "b"])));
    // A valid entity first, then an attribute value for an event column: the whole mutation fails.
    const bad: Mutation = {
      kind: "write",
      entities: [
        { dimension: "default", id: "c", attrs: [{ col: name, value: "x" }], events: [] },
        { dimension: "default", id: "d", attrs: [{ col: clicks, value: "x" }], events: [] },
      ],
    };
    for (const e of [engine, ref]) expect(() => h.transactionSync(() => e.apply(bad))).toThrow();
    expect(engine.query(countX)).toEqual(ref.query(countX));
    expect(engine.query(countX)).toEqual({ kind: "count-entity", counts: [2] });
    expect(engine.stats().entities).toBe(2);
    h.transactionSync(() => engine.apply(write(["c"])));
    expect(engine.query(countX)).toEqual({ kind: "count-entity", counts: [3] });
  });

  it("keeps the cache inside its budget between calls", () => {
    const h = openSqlite();
    const engine = createSegmentEngine(h.sql, { cacheBytes: 50_000 });
    for (let b = 0; b < 20; b++) h.transactionSync(() => engine.apply(write(Array.from({ length: 500 }, (_, i) => `e${b * 500 + i}`))));
    expect(engine.stats().cachedBytes).toBeLessThanOrEqual(50_000);
    expect(engine.query(countX)).toEqual({ kind: "count-entity", counts: [10_000] });
    expect(engine.stats().cachedBytes).toBeLessThanOrEqual(50_000);
    const s = engine.stats();
    expect(s.entities).toBe(10_000);
    expect(s.dimensions).toEqual({ default: 10_000 });
    expect(s.storageBytes).toBeGreaterThan(0);
  });
});

describe("a column written from two dimensions", () => {
  it("stays correct (intersected with each dimension's live entities, purged by deletes)", () => {
    const h = openSqlite();
    const engine = createSegmentEngine(h.sql);
    const ref = createReferenceEngine(h.sql);
    const m = (dimension: string, id: string): Mutation => ({ kind: "write", entities: [{ dimension, id, attrs: [{ col: name, value: "x" }], events: [{ col: clicks, value: "x", t: 0 }] }] });
    const queries = (dimension: string) => [
      {
        kind: "count-entity" as const,
        queries: [
          { dimension, expr: { op: "attr" as const, col: name, test: { op: "eq" as const, value: "x" } } },
          { dimension, expr: { op: "has" as const, col: clicks } },
        ],
      },
      { kind: "top-values" as const, queries: [{ dimension, col: name, test: null, window: null }] },
      { kind: "aggregation" as const, dimension, filter: null, groups: [{ col: name, test: null, window: null }], metrics: [] },
    ];
    const steps: Mutation[] = [m("default", "a"), m("users", "b"), m("users", "c"), { kind: "delete", dimension: "users", expr: { op: "id", test: { op: "eq", value: "b" } } }];
    for (const step of steps) {
      for (const e of [engine, ref]) h.transactionSync(() => e.apply(step));
      for (const dim of ["default", "users"]) for (const q of queries(dim)) expect(engine.query(q)).toEqual(ref.query(q));
    }
  });
});
