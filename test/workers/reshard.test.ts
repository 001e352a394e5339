// Live resharding (issue 17.1, docs/resharding.md) through the real Worker, catalog alarm, shards,
// intake and queue: a database moves to another shard count while writers insert and a reader
// counts, and every answer is exact for one layout: never more entities than were acknowledged (no
// entity in two live shards), never fewer than a previous answer (none lost at the cut-over), and at
// the end exactly what was acknowledged, each entity on the shard shardOf names, events once. The
// catalog and shards are evicted mid-copy and the move resumes; inserts packed for the old layout
// after the cut-over are forwarded once; a cancelled move leaves the old layout as it was.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { catalogOf, shardStub } from "../../durable-objects/stubs";
import { shardOf } from "../../contract/shard-of";
import type { IngestMessage } from "../../contract/queue-messages";
import type { ShardAddress } from "../../contract/shard-rpc";
import { adminCall, call, createDatabase, firstError, type TestDatabase } from "../helpers/api";

const WINDOW = ["2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"];

async function database(shards: number): Promise<TestDatabase> {
  const db = await createDatabase({ shards, replicas: 1 });
  const r = await call("POST", "/v1/column", {
    key: db.master,
    body: [
      { name: "Plan", "api-name": "plan", type: "string" },
      { name: "Clicks", "api-name": "clicks", type: "integer-event" },
    ],
  });
  expect(r.status, r.text).toBe(200);
  return db;
}

/** Entities `from`..`to`-1, each with a plan and two click events. */
function batch(from: number, to: number): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (let i = from; i < to; i++)
    body[`u${i}`] = {
      plan: i % 3 === 0 ? "gold" : "free",
      clicks: [
        { value: 1, date: "2024-01-01T00:00:00Z" },
        { value: 2, date: "2024-02-01T00:00:00Z" },
      ],
    };
  return body;
}

async function insert(db: TestDatabase, from: number, to: number, wait = false): Promise<void> {
  const r = await call("POST", `/v1/insert${wait ? "?wait=true" : ""}`, { key: db.write, body: batch(from, to) });
  expect(r.status, r.text).toBe(200);
}

async function total(db: TestDatabase): Promise<number> {
  const r = await call("POST", "/v1/query/count/entity/total", { key: db.read, body: { "bypass-cache": true } });
  expect(r.status, r.text).toBe(200);
  expect(r.body.approximate ?? false, "an answer during a reshard is exact").toBe(false);
  return r.body.result.total as number;
}

async function gold(db: TestDatabase): Promise<number> {
  const r = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "g", query: [{ plan: { equals: "gold" } }], "bypass-cache": true } });
  expect(r.status, r.text).toBe(200);
  return r.body.result.g as number;
}

async function clicks(db: TestDatabase): Promise<number> {
  const r = await call("POST", "/v1/query/count/event", { key: db.read, body: { "query-name": "c", query: [{ clicks: { equals: 1, between: WINDOW } }], "bypass-cache": true } });
  expect(r.status, r.text).toBe(200);
  return r.body.result.c as number;
}

const status = async (db: TestDatabase) => (await adminCall("GET", `/admin/databases/${db.id}/reshard`)).body.reshard;

async function tune(db: TestDatabase, pageEntities: number | null, stepDelayMs: number | null): Promise<void> {
  await runInDurableObject(catalogOf(env, db.id), (catalog: { reshardPageEntities: number | null; reshardStepDelayMs: number | null }) => {
    catalog.reshardPageEntities = pageEntities;
    catalog.reshardStepDelayMs = stepDelayMs;
  });
}

async function eventually(what: string, ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await ok()) return;
    await scheduler.wait(50);
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

/** Every acknowledged insert applied: nothing left in the intake. */
async function drained(db: TestDatabase, expected: number): Promise<void> {
  await eventually(`all ${expected} acknowledged entities visible`, async () => {
    const h = (await adminCall("GET", `/admin/databases/${db.id}/health`)).body;
    return h.intake.pending === 0 && (await total(db)) === expected;
  });
}

/** Each entity lives on exactly the shard shardOf names for the current count: per-primary entity counts. */
async function expectPlacedBy(db: TestDatabase, n: number, shards: number): Promise<void> {
  const h = (await adminCall("GET", `/admin/databases/${db.id}/health`)).body;
  expect(h.database.shards).toBe(shards);
  const want = new Array<number>(shards).fill(0);
  for (let i = 0; i < n; i++) want[shardOf("default", `u${i}`, shards)]!++;
  const primaries = (h.shards as Array<{ shard: number; copy: number; entities: number }>).filter((s) => s.copy === 0).sort((a, b) => a.shard - b.shard);
  expect(primaries.map((p) => p.entities)).toEqual(want);
}

describe("live resharding", () => {
  it("grows 2 → 5 and shrinks 5 → 3 while writers insert and a reader counts; answers stay exact", { timeout: 120_000 }, async () => {
    const db = await database(2);
    await insert(db, 0, 300, true);
    expect(await total(db)).toBe(300);
    let acknowledged = 300;

    for (const to of [5, 3]) {
      await tune(db, 25, 40); // many pages and a pause per step: the writers and the reader meet every phase
      const started = await adminCall("POST", `/admin/databases/${db.id}/reshard`, { shards: to });
      expect(started.status, started.text).toBe(202);
      expect(started.body.reshard.phase).toBe("freezing");
      const phases = new Set<string>();
      let last = await total(db);
      let done = false;
      const writer = (async () => {
        while (!done) {
          await insert(db, acknowledged, acknowledged + 10);
          acknowledged += 10;
          await scheduler.wait(30);
        }
      })();
      while (!done) {
        const seen = await total(db);
        expect(seen, "no entity is counted twice").toBeLessThanOrEqual(acknowledged);
        expect(seen, "no entity disappears").toBeGreaterThanOrEqual(last);
        last = seen;
        const s = await status(db);
        phases.add(s.phase);
        done = s.phase === "done";
        await scheduler.wait(25); // under the per-key request limit
      }
      await writer;
      expect([...phases]).toEqual(expect.arrayContaining(["copying", "done"]));
      await drained(db, acknowledged);
      await expectPlacedBy(db, acknowledged, to);
      expect(await gold(db)).toBe(Math.ceil(acknowledged / 3));
      expect(await clicks(db), "every event once").toBe(acknowledged);
    }
    const info = (await adminCall("GET", `/admin/databases/${db.id}/health`)).body.database;
    expect(info.epoch).toBe(2);
  });

  it("refuses deletes and updates while shards are copied (503 / 3401, nothing changed), and applies them after", { timeout: 60_000 }, async () => {
    const db = await database(2);
    await insert(db, 0, 60, true);
    await tune(db, 5, 300);
    expect((await adminCall("POST", `/admin/databases/${db.id}/reshard`, { shards: 4 })).status).toBe(202);
    await eventually("copying", async () => (await status(db)).phase === "copying");
    const del = await call("POST", "/v1/delete", { key: db.master, body: { query: [{ plan: { equals: "gold" } }] } });
    expect(del.status, del.text).toBe(503);
    expect(firstError(del).code).toBe(3401);
    const upd = await call("POST", "/v1/update", { key: db.master, body: { query: [{ plan: { equals: "free" } }], set: { plan: "gold" } } });
    expect(upd.status, upd.text).toBe(503);
    expect(await gold(db)).toBe(20);
    await tune(db, null, null);
    await eventually("done", async () => (await status(db)).phase === "done");
    const after = await call("POST", "/v1/delete", { key: db.master, body: { query: [{ plan: { equals: "gold" } }] } });
    expect(after.status, after.text).toBe(200);
    expect(await total(db)).toBe(40);
    expect(await gold(db)).toBe(0);
  });

  it("resumes after the catalog and shards are evicted mid-copy", { timeout: 60_000 }, async () => {
    const db = await database(3);
    await insert(db, 0, 240, true);
    await tune(db, 10, 100);
    expect((await adminCall("POST", `/admin/databases/${db.id}/reshard`, { shards: 4 })).status).toBe(202);
    await eventually("part of the copy done", async () => {
      const s = await status(db);
      return s.phase === "copying" && s["entities-copied"] > 30;
    });
    // Eviction drops the test hooks with the catalog's memory: the rest runs at full speed.
    await evictDurableObject(catalogOf(env, db.id));
    for (const addr of [
      { db: db.id, shard: 0, copy: 0, replicas: 1 },
      { db: db.id, shard: 1, copy: 0, replicas: 1, epoch: 1 },
    ] satisfies ShardAddress[]) {
      await evictDurableObject(shardStub(env, addr));
    }
    await eventually("done after the evictions", async () => (await status(db)).phase === "done");
    const s = await status(db);
    expect(s["entities-copied"]).toBe(240);
    expect(s.entities).toBe(240);
    await insert(db, 240, 250);
    await drained(db, 250);
    await expectPlacedBy(db, 250, 4);
    expect(await clicks(db)).toBe(250);
  });

  it("forwards an insert packed for the old layout once, and skips one the old shard had applied", { timeout: 60_000 }, async () => {
    const db = await database(1);
    await insert(db, 0, 20, true);
    const old: ShardAddress = { db: db.id, shard: 0, copy: 0, replicas: 1 };
    const schema = (await catalogOf(env, db.id).schema())!;
    const plan = schema.columns.find((c) => c.apiName === "plan")!;
    const clicksCol = schema.columns.find((c) => c.apiName === "clicks")!;
    const late = (recordId: string, id: string): IngestMessage => ({
      v: 2,
      db: db.id,
      shard: 0,
      replicas: 1,
      recordId,
      entitiesJson: JSON.stringify([
        {
          dimension: "default",
          id,
          attrs: [{ col: { id: plan.id, type: plan.type, storage: plan.storage }, value: "gold" }],
          events: [{ col: { id: clicksCol.id, type: clicksCol.type, storage: clicksCol.storage }, value: 1, t: Date.parse("2024-03-01") }],
        },
      ]),
    });
    // Applied before the move (so it is in the copy), then delivered again after it (a queue redelivery).
    const applied = await shardStub(env, old).apply(old, [late("early-record", "x-early")]);
    expect(applied.ok).toBe(true);
    expect((await adminCall("POST", `/admin/databases/${db.id}/reshard`, { shards: 3 })).status).toBe(202);
    await eventually("done", async () => (await status(db)).phase === "done");
    expect(await clicks(db)).toBe(21);

    for (let i = 0; i < 2; i++) {
      const again = await shardStub(env, old).apply(old, [late("early-record", "x-early"), late("late-record", "x-late")]);
      expect(again.ok, JSON.stringify(again)).toBe(true);
    }
    expect(await total(db)).toBe(22);
    expect(await clicks(db), "the early event is not applied again, the late one once").toBe(22);
    const ids = await call("POST", "/v1/query/exists/entity", { key: db.read, body: { ids: ["x-early", "x-late"], "bypass-cache": true } });
    expect(ids.body.exists).toEqual(["x-early", "x-late"]);
    // Deletes routed to the retired layout (an isolate with a stale schema) are refused, not lost.
    const stale = await shardStub(env, old).mutate(old, "stale-delete", { kind: "delete", dimension: "default", expr: { op: "id", test: { op: "eq", value: "u1" } } });
    expect(stale.ok).toBe(false);
    expect(await total(db)).toBe(22);
  });

  it("cancels before publishing: the old layout takes writes again, unchanged", { timeout: 60_000 }, async () => {
    const db = await database(2);
    await insert(db, 0, 80, true);
    await tune(db, 5, 200);
    expect((await adminCall("POST", `/admin/databases/${db.id}/reshard`, { shards: 6 })).status).toBe(202);
    await eventually("copying", async () => (await status(db)).phase === "copying");
    const cancelled = await adminCall("DELETE", `/admin/databases/${db.id}/reshard`);
    expect(cancelled.status, cancelled.text).toBe(202);
    await eventually("cancelled", async () => (await status(db)).phase === "cancelled");
    const h = (await adminCall("GET", `/admin/databases/${db.id}/health`)).body;
    expect(h.database).toMatchObject({ shards: 2, epoch: 0 });
    expect(h.shards.every((s: { resharding: string | null }) => s.resharding === null)).toBe(true);
    await insert(db, 80, 90, true);
    expect(await total(db)).toBe(90);
    expect((await call("POST", "/v1/delete", { key: db.master, body: { query: [{ plan: { equals: "gold" } }] } })).status).toBe(200);
    expect(await total(db)).toBe(60);
    expect((await adminCall("DELETE", `/admin/databases/${db.id}/reshard`)).status).toBe(409);
  });

  it("validates the request and refuses a second move or a restore while one runs", { timeout: 60_000 }, async () => {
    const db = await database(2);
    await insert(db, 0, 10, true);
    for (const body of [{}, { shards: 0 }, { shards: 1.5 }, { shards: 257 }, { shards: 4, extra: 1 }, { shards: 2 }]) {
      const r = await adminCall("POST", `/admin/databases/${db.id}/reshard`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(firstError(r).code).toBe(3402);
    }
    expect((await adminCall("GET", `/admin/databases/${db.id}/reshard`)).body.reshard).toBeNull();
    const snapshot = (await adminCall("POST", `/admin/databases/${db.id}/backup`)).body.snapshot;
    await tune(db, 1, 300);
    expect((await adminCall("POST", `/admin/databases/${db.id}/reshard`, { shards: 3 })).status).toBe(202);
    const second = await adminCall("POST", `/admin/databases/${db.id}/reshard`, { shards: 4 });
    expect(second.status).toBe(409);
    expect(firstError(second).code).toBe(3403);
    const restore = await adminCall("POST", `/admin/databases/${db.id}/restore`, { snapshot });
    expect(restore.status, restore.text).toBe(409);
    expect(firstError(restore).code).toBe(3403);
    await tune(db, null, null);
    await eventually("done", async () => (await status(db)).phase === "done");
    // A snapshot of the 2-shard layout does not fit 3 shards; back at 2 shards it restores.
    const misfit = await adminCall("POST", `/admin/databases/${db.id}/restore`, { snapshot });
    expect(firstError(misfit).code).toBe(3104);
    expect((await adminCall("POST", `/admin/databases/${db.id}/reshard`, { shards: 2 })).status).toBe(202);
    await eventually("back at 2 shards", async () => (await status(db)).phase === "done");
    const restored = await adminCall("POST", `/admin/databases/${db.id}/restore`, { snapshot });
    expect(restored.status, restored.text).toBe(200);
    expect(await total(db)).toBe(10);
  });

  it("deleting the database destroys every layout's shards", { timeout: 60_000 }, async () => {
    const db = await database(1);
    await insert(db, 0, 10, true);
    expect((await adminCall("POST", `/admin/databases/${db.id}/reshard`, { shards: 2 })).status).toBe(202);
    await eventually("done", async () => (await status(db)).phase === "done");
    expect((await adminCall("DELETE", `/admin/databases/${db.id}`)).status).toBe(200);
    for (const addr of [
      { db: db.id, shard: 0, copy: 0, replicas: 1 },
      { db: db.id, shard: 0, copy: 0, replicas: 1, epoch: 1 },
      { db: db.id, shard: 1, copy: 1, replicas: 1, epoch: 1 },
    ] satisfies ShardAddress[]) {
      const h = await shardStub(env, addr).health(addr);
      expect(h.entities, JSON.stringify(addr)).toBe(0);
      expect(h.appliedRecords).toBe(0);
    }
  });
});
