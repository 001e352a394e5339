// A restore and the copies' bookkeeping (issue 15 items 4 and 6), through the real Worker, shards,
// queue and R2: (4) a replica that refused a write (its own "behind" note and the catalog's mark) is
// usable again after a restore, and health lists every copy that will refuse queries, before and
// after; (6) while a restore is running, deletes and updates are refused (503 / 3106, nothing
// changed) and an insert acknowledged meanwhile is applied after the restore instead of being wiped;
// and one restore per database runs at a time.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardStub } from "../../durable-objects/stubs";
import type { ShardAddress } from "../../contract/shard-rpc";
import { adminCall, call, createDatabase, firstError, type TestDatabase } from "../helpers/api";

const count = (db: TestDatabase) => call("POST", "/v1/query/count/entity/total", { key: db.read, body: { "bypass-cache": true } });
const fault = (db: TestDatabase, shard: number, replica: number, mode: string) => adminCall("POST", `/admin/databases/${db.id}/faults`, { shard, replica, mode });
const health = async (db: TestDatabase) => (await adminCall("GET", `/admin/databases/${db.id}/health`)).body;

async function withColumn(options: { shards: number; replicas: number }): Promise<TestDatabase> {
  const db = await createDatabase(options);
  const r = await call("POST", "/v1/column", { key: db.master, body: [{ name: "Name", "api-name": "name", type: "string" }] });
  expect(r.status, r.text).toBe(200);
  return db;
}

/** Makes shard 0's primary wait this long between staging and committing a restore (null: no wait). */
async function holdRestoreCommit(db: TestDatabase, ms: number | null): Promise<void> {
  const addr: ShardAddress = { db: db.id, shard: 0, copy: 0, replicas: 0 };
  await runInDurableObject(shardStub(env, addr), (shard: { restoreCommitDelayMs: number | null }) => {
    shard.restoreCommitDelayMs = ms;
  });
}

async function eventually(what: string, ok: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await ok()) return;
    await scheduler.wait(100);
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

describe("restore and a replica that fell behind", () => {
  it("resets the replica's bookkeeping with the catalog's, and health shows who refuses queries", async () => {
    const db = await withColumn({ shards: 1, replicas: 1 });
    expect((await call("POST", "/v1/insert?wait=true", { key: db.write, body: { e1: { name: "a" } } })).status).toBe(200);
    // The replica is down while a write is acknowledged: it misses it and knows it.
    expect((await fault(db, 0, 1, "down")).status).toBe(200);
    const w = await call("POST", "/v1/insert?wait=true", { key: db.write, body: { e2: { name: "b" } } });
    expect(w.status, w.text).toBe(200);
    const before = await health(db);
    expect(before["refusing-queries"].map((r: { copy: number }) => r.copy)).toEqual([1]);
    expect(before["replicas-behind"]).toHaveLength(1);

    const taken = await adminCall("POST", `/admin/databases/${db.id}/backup`);
    expect(taken.status, taken.text).toBe(201);
    const restored = await adminCall("POST", `/admin/databases/${db.id}/restore`, { snapshot: taken.body.snapshot });
    expect(restored.status, restored.text).toBe(200);
    expect((await fault(db, 0, 1, "none")).status).toBe(200);

    const after = await health(db);
    expect(after["replicas-behind"]).toEqual([]);
    expect(after["refusing-queries"], JSON.stringify(after.shards)).toEqual([]);
    expect(after.shards[1].behind).toBeNull();
    // With the primary down the replica answers, exactly (it holds the snapshot like every copy).
    expect((await fault(db, 0, 0, "down")).status).toBe(200);
    const q = await count(db);
    expect(q.status, q.text).toBe(200);
    expect(q.body.result.total).toBe(2);
    expect(q.body.approximate).toBeUndefined();
    expect((await health(db))["refusing-queries"]).toEqual([{ shard: 0, copy: 0, reason: "injected fault: down" }]);
    await fault(db, 0, 0, "none");
  });
});

describe("writes during a restore", () => {
  it("refuses deletes and updates, and applies inserts acknowledged meanwhile after it", async () => {
    const db = await withColumn({ shards: 1, replicas: 0 });
    expect((await call("POST", "/v1/insert?wait=true", { key: db.write, body: { e1: { name: "a" } } })).status).toBe(200);
    const taken = await adminCall("POST", `/admin/databases/${db.id}/backup`);
    expect(taken.status, taken.text).toBe(201);

    // Hold the restore between its phases (staged, not committed) long enough to write meanwhile.
    await holdRestoreCommit(db, 4_000);
    const restoring = adminCall("POST", `/admin/databases/${db.id}/restore`, { snapshot: taken.body.snapshot });
    await eventually("the restore is staged", async () => (await health(db)).restoring?.length === 1, 3_000).catch(() => undefined);

    const update = await call("POST", "/v1/update", { key: db.master, body: { query: [{ name: { equals: "a" } }], set: { name: "changed" } } });
    expect(update.status, update.text).toBe(503);
    expect(firstError(update).code).toBe(3106);
    expect(firstError(update).message).toMatch(/being restored.*nothing was changed/);
    const del = await call("POST", "/v1/delete", { key: db.master, body: { query: [{ name: { equals: "a" } }] } });
    expect(firstError(del)?.code, del.text).toBe(3106);

    // Acknowledged during the restore: 200, or 4002 "will be applied" when the wait ends first.
    const ins = await call("POST", "/v1/insert?wait=true", { key: db.write, body: { e2: { name: "b" } } });
    expect([200, 504], ins.text).toContain(ins.status);
    if (ins.status === 504) expect(firstError(ins).code).toBe(4002);

    const done = await restoring;
    expect(done.status, done.text).toBe(200);
    await holdRestoreCommit(db, null);
    expect((await health(db)).restoring).toEqual([]);
    // The acknowledged insert is there after the restore (the queue delivered it again), e1 unchanged.
    await eventually("the insert acknowledged during the restore is applied", async () => (await count(db)).body.result?.total === 2);
    const a = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "q", query: [{ name: { equals: "a" } }], "bypass-cache": true } });
    expect(a.body.result.q).toBe(1);
  }, 40_000);
  it("runs one restore of a database at a time: a second one is refused (409 / 3107) and changes nothing", async () => {
    const db = await withColumn({ shards: 1, replicas: 0 });
    expect((await call("POST", "/v1/insert?wait=true", { key: db.write, body: { e1: { name: "a" } } })).status).toBe(200);
    const first = await adminCall("POST", `/admin/databases/${db.id}/backup`);
    expect(first.status, first.text).toBe(201);
    expect((await call("POST", "/v1/insert?wait=true", { key: db.write, body: { e2: { name: "b" } } })).status).toBe(200);
    const second = await adminCall("POST", `/admin/databases/${db.id}/backup`);
    expect(second.status, second.text).toBe(201);

    await holdRestoreCommit(db, 3_000);
    const running = adminCall("POST", `/admin/databases/${db.id}/restore`, { snapshot: first.body.snapshot });
    await eventually("the first restore is staged", async () => (await health(db)).restoring?.length === 1, 3_000);
    const refused = await adminCall("POST", `/admin/databases/${db.id}/restore`, { snapshot: second.body.snapshot });
    expect(refused.status, refused.text).toBe(409);
    expect(firstError(refused).code).toBe(3107);
    expect(firstError(refused).message).toContain(`a restore of snapshot ${first.body.snapshot} is running`);

    const done = await running;
    expect(done.status, done.text).toBe(200);
    await holdRestoreCommit(db, null);
    expect((await count(db)).body.result.total).toBe(1); // the first snapshot, untouched by the refused one
    // The lock went with the first restore: the next one runs.
    const again = await adminCall("POST", `/admin/databases/${db.id}/restore`, { snapshot: second.body.snapshot });
    expect(again.status, again.text).toBe(200);
    expect((await count(db)).body.result.total).toBe(2);
  }, 40_000);
});
