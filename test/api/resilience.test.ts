// Queries under failure, as an operator would provoke it with fault injection: a primary down or
// slow is replaced by its replica (exact answers), a whole shard down gives flagged approximations
// for count-like queries and a clear error for extraction, recovery restores exact answers, and a
// replica that missed acknowledged writes (knowingly or not) never answers as if it were current.

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { shardStub } from "../../durable-objects/stubs";
import type { FaultMode } from "../../contract/shard-rpc";
import { adminCall, call, createDatabase, firstError, type TestDatabase } from "../helpers/api";

const SHARDS = 4;
const ENTITIES = 400;

async function fault(db: TestDatabase, shard: number, replica: number, mode: FaultMode) {
  const r = await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard, replica, mode });
  expect(r.status, r.text).toBe(200);
}

const countAll = async (db: TestDatabase) => {
  const r = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "all", "bypass-cache": true, query: [{ kind: { equals: "k" } }] } });
  expect(r.status, r.text).toBe(200);
  return r.body;
};

const sqlCount = (db: TestDatabase) => call("POST", "/v1/sql", { key: db.read, raw: "SELECT COUNT(*) FROM default", headers: { "content-type": "application/sql" } });

describe("resilience under shard failures", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase({ shards: SHARDS, replicas: 1 });
    await call("POST", "/v1/column", { key: db.master, body: { name: "Kind", "api-name": "kind", type: "string" } });
    const body = Object.fromEntries(Array.from({ length: ENTITIES }, (_, i) => [`e${i}`, { kind: "k" }]));
    const r = await call("POST", "/v1/insert?wait=true", { key: db.write, body });
    expect(r.status, r.text).toBe(200);
    for (let s = 0; s < SHARDS; s++)
      while (await runDurableObjectAlarm(shardStub(env, { db: db.id, shard: s, copy: 0 }))) {
        /* replicate */
      }
  });

  it("answers exactly, without a flag, when a primary is down (its replica answers)", async () => {
    await fault(db, 1, 0, "down");
    const body = await countAll(db);
    expect(body.result.all).toBe(ENTITIES);
    expect(body).not.toHaveProperty("approximate");
    await fault(db, 1, 0, "none");
  });

  it("extrapolates and flags count-like answers when a shard's primary and replica are down", async () => {
    await fault(db, 2, 0, "down");
    await fault(db, 2, 1, "down");
    const body = await countAll(db);
    expect(body.approximate).toBe(true);
    expect(body["missing-shards"]).toBe(1);
    // uniform extrapolation from 3 of 4 shards: within a generous band around the truth
    expect(body.result.all).toBeGreaterThan(ENTITIES * 0.7);
    expect(body.result.all).toBeLessThan(ENTITIES * 1.3);
    const total = await call("POST", "/v1/query/count/entity/total", { key: db.read, body: { "bypass-cache": true } });
    expect(total.body.approximate).toBe(true);
  });

  it("extrapolates SQL COUNT(*) by the same rule as the JSON count", async () => {
    const r = await sqlCount(db);
    expect(r.status, r.text).toBe(200);
    expect(r.body.approximate).toBe(true);
    expect(r.body["missing-shards"]).toBe(1);
    expect(r.body.result[0]["COUNT(*)"] ?? Object.values(r.body.result[0])[0]).toBeGreaterThan(ENTITIES * 0.7);
  });

  it("refuses counts, JSON and SQL alike, with 4001 when no shard answers (never an invented 0)", async () => {
    for (let s = 0; s < SHARDS; s++) if (s !== 2) for (const replica of [0, 1]) await fault(db, s, replica, "down");
    try {
      const json = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "all", "bypass-cache": true, query: [{ kind: { equals: "k" } }] } });
      expect(json.status, json.text).toBe(503);
      expect(firstError(json).code).toBe(4001);
      const sql = await sqlCount(db);
      expect(sql.status, sql.text).toBe(503);
      expect(firstError(sql).code).toBe(4001);
    } finally {
      for (let s = 0; s < SHARDS; s++) if (s !== 2) for (const replica of [0, 1]) await fault(db, s, replica, "none");
    }
  });

  it("refuses extraction with a clear error naming the unavailable shard", async () => {
    const r = await call("POST", "/v1/data_extraction/result", { key: db.read, body: { query: [{ kind: { equals: "k" } }], columns: ["entity-id"], limit: 10 } });
    expect(r.status).toBe(503);
    expect(firstError(r).code).toBe(4001);
    expect(firstError(r).message).toContain("2");
  });

  it("answers exactly again once the faults are cleared", async () => {
    await fault(db, 2, 0, "none");
    await fault(db, 2, 1, "none");
    const body = await countAll(db);
    expect(body.result.all).toBe(ENTITIES);
    expect(body).not.toHaveProperty("approximate");
  });

  it("replaces a slow primary by its replica after the deadline, then skips it while it is sick", { timeout: 20_000 }, async () => {
    await fault(db, 3, 0, "slow");
    const t0 = Date.now();
    const first = await countAll(db);
    const firstMs = Date.now() - t0;
    expect(first.result.all).toBe(ENTITIES);
    expect(firstMs).toBeGreaterThanOrEqual(Number(env.SHARD_DEADLINE_MS) - 50);
    const t1 = Date.now();
    const second = await countAll(db);
    expect(second.result.all).toBe(ENTITIES);
    expect(Date.now() - t1).toBeLessThan(Number(env.SHARD_DEADLINE_MS) / 2); // the sick primary was not waited for again
    await fault(db, 3, 0, "none");
  });

  it("refuses fault injection for shards and replicas that do not exist", async () => {
    const r = await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: SHARDS, replica: 0, mode: "down" });
    expect(r.status).toBe(400);
    const r2 = await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 2, mode: "down" });
    expect(r2.status).toBe(400);
  });

  it("never passes a replica that missed changes off as exact: it refuses until caught up", async () => {
    const small = await createDatabase({ shards: 2, replicas: 1 });
    await call("POST", "/v1/column", { key: small.master, body: { name: "Kind", "api-name": "kind", type: "string" } });
    await fault(small, 0, 1, "down");
    const body = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`e${i}`, { kind: "k" }]));
    const r = await call("POST", "/v1/insert?wait=true", { key: small.write, body });
    expect(r.status, r.text).toBe(200); // the primary acknowledges; the replica is left to the alarm
    expect(await knowsItIsBehind(shardStub(env, { db: small.id, shard: 0, copy: 1 }))).toBe(true);
    await fault(small, 0, 1, "none");
    await fault(small, 0, 0, "down");
    const stale = await countAll(small);
    expect(stale.approximate).toBe(true); // not the replica's stale count presented as exact
    expect(stale["missing-shards"]).toBe(1);
    while (await runDurableObjectAlarm(shardStub(env, { db: small.id, shard: 0, copy: 0 }))) {
      /* the primary catches its replica up */
    }
    const caughtUp = await countAll(small);
    expect(caughtUp.result.all).toBe(20);
    expect(caughtUp).not.toHaveProperty("approximate");
    await fault(small, 0, 0, "none");
  });

  it("never falls back to a replica that was unreachable when its primary wrote: the catalog marks it until caught up", async () => {
    const small = await createDatabase({ shards: 2, replicas: 1 });
    await call("POST", "/v1/column", { key: small.master, body: { name: "Kind", "api-name": "kind", type: "string" } });
    await fault(small, 0, 1, "unreachable");
    const body = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`e${i}`, { kind: "k" }]));
    const r = await call("POST", "/v1/insert?wait=true", { key: small.write, body });
    expect(r.status, r.text).toBe(200);
    // The replica never heard of the write, so only its primary's mark in the catalog says it is behind.
    expect(await knowsItIsBehind(shardStub(env, { db: small.id, shard: 0, copy: 1 }))).toBe(false);
    const marked = await adminCall("GET", `/admin/databases/${small.id}/health`);
    expect(marked.body["replicas-behind"]).toEqual([expect.objectContaining({ shard: 0, copy: 1 })]);

    const primary = shardStub(env, { db: small.id, shard: 0, copy: 0 });
    await setAlarm(primary, null); // no catching up behind the test's back
    await fault(small, 0, 1, "none"); // reachable again, but not yet caught up
    await fault(small, 0, 0, "down");
    const stale = await countAll(small);
    expect(stale.approximate).toBe(true); // not the replica's stale count presented as exact
    expect(stale["missing-shards"]).toBe(1);
    const extraction = await call("POST", "/v1/data_extraction/result", { key: small.read, body: { query: [{ kind: { equals: "k" } }], columns: ["entity-id"], limit: 50 } });
    expect(extraction.status).toBe(503);
    expect(firstError(extraction).code).toBe(4001);

    await setAlarm(primary, Date.now());
    while (await runDurableObjectAlarm(primary)) {
      /* the primary catches its replica up */
    }
    const cleared = await adminCall("GET", `/admin/databases/${small.id}/health`);
    expect(cleared.body["replicas-behind"]).toEqual([]);
    const caughtUp = await countAll(small);
    expect(caughtUp.result.all).toBe(20);
    expect(caughtUp).not.toHaveProperty("approximate");
    await fault(small, 0, 0, "none");
  });

  it("keeps feeding a second replica while the first is unreachable, and falls back to it exactly", async () => {
    const two = await createDatabase({ shards: 1, replicas: 2 });
    await call("POST", "/v1/column", { key: two.master, body: { name: "Kind", "api-name": "kind", type: "string" } });
    await fault(two, 0, 1, "unreachable");
    const body = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`e${i}`, { kind: "k" }]));
    const r = await call("POST", "/v1/insert?wait=true", { key: two.write, body });
    expect(r.status, r.text).toBe(200);
    // Only the unreachable copy is behind: the write reached the other one before it was acknowledged.
    const health = await adminCall("GET", `/admin/databases/${two.id}/health`);
    expect(health.body["replicas-behind"]).toEqual([expect.objectContaining({ shard: 0, copy: 1 })]);
    await fault(two, 0, 0, "down");
    const answered = await countAll(two);
    expect(answered.result.all).toBe(12);
    expect(answered).not.toHaveProperty("approximate");
    await fault(two, 0, 0, "none");
    await fault(two, 0, 1, "none");
    const primary = shardStub(env, { db: two.id, shard: 0, copy: 0 });
    await setAlarm(primary, Date.now());
    while (await runDurableObjectAlarm(primary)) {
      /* the primary catches copy 1 up */
    }
    expect((await adminCall("GET", `/admin/databases/${two.id}/health`)).body["replicas-behind"]).toEqual([]);
  });

  it("takes the unreachable mode in the fault API and treats an unreachable primary like a failed one", async () => {
    await fault(db, 1, 0, "unreachable");
    const body = await countAll(db);
    expect(body.result.all).toBe(ENTITIES); // its (current) replica answers
    expect(body).not.toHaveProperty("approximate");
    await fault(db, 1, 0, "none");
    const bad = await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 0, mode: "asleep" });
    expect(bad.status).toBe(400);
  });
});

/** Whether a replica itself recorded that it missed changes (it refused them while "down"). */
function knowsItIsBehind(stub: ReturnType<typeof shardStub>): Promise<boolean> {
  return runInDurableObject(stub, (_: unknown, state: DurableObjectState) => state.storage.sql.exec("SELECT 1 FROM shard_meta WHERE key = 'behind'").toArray().length > 0);
}

/** Sets (or with null deletes) a shard copy's alarm, so that replication runs only when a test says so. */
function setAlarm(stub: ReturnType<typeof shardStub>, at: number | null): Promise<void> {
  return runInDurableObject(stub, (_: unknown, state: DurableObjectState) => (at === null ? state.storage.deleteAlarm() : state.storage.setAlarm(at)));
}
