// The exactly-once ingest path below the HTTP layer: queue redelivery, shard eviction between
// batches, a failing shard retried then dead-lettered, and replicas fed exactly once by the outbox.

import { createExecutionContext, createMessageBatch, evictDurableObject, getQueueResult, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { catalogOf, shardStub } from "../../durable-objects/stubs";
import type { ColumnRef } from "../../contract/columns";
import type { EntityWrite } from "../../contract/plan";
import type { AnyIngestMessage, IngestMessage } from "../../contract/queue-messages";
import type { ShardAddress } from "../../contract/shard-rpc";
import { adminCall, call, createDatabase, type TestDatabase } from "../helpers/api";
import { appliedRecordIds } from "../helpers/shards";

async function setup(options: { shards?: number; replicas?: number } = {}): Promise<{ db: TestDatabase; clicks: ColumnRef }> {
  const db = await createDatabase({ shards: options.shards ?? 1, replicas: options.replicas ?? 1 });
  await call("POST", "/v1/column", { key: db.master, body: { name: "Clicks", "api-name": "clicks", type: "integer-event" } });
  const schema = await catalogOf(env, db.id).schema();
  const col = schema!.columns.find((c) => c.apiName === "clicks")!;
  return { db, clicks: { id: col.id, type: col.type, storage: col.storage } };
}

function entityWrites(clicks: ColumnRef, entity: string, value: number): EntityWrite[] {
  return [{ dimension: "default", id: entity, attrs: [], events: [{ col: clicks, value, t: Date.UTC(2017, 0, 1) }] }];
}

function message(db: TestDatabase, clicks: ColumnRef, recordId: string, entity: string, value = 1, replicas = 1): IngestMessage {
  return { v: 2, db: db.id, shard: 0, replicas, recordId, entitiesJson: JSON.stringify(entityWrites(clicks, entity, value)) };
}

async function deliver(messages: AnyIngestMessage[], attempts = 1) {
  const batch = createMessageBatch<AnyIngestMessage>(
    "sliced-ingest",
    messages.map((body, i) => ({ id: `m-${attempts}-${i}-${body.recordId}`, timestamp: Date.now(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

async function countEvents(db: TestDatabase): Promise<number> {
  const r = await call("POST", "/v1/query/count/event", { key: db.read, body: { "query-name": "q", "bypass-cache": true, query: [{ clicks: { equals: 1, between: ["2016-12-31", "2017-01-02"] } }] } });
  expect(r.status, r.text).toBe(200);
  return r.body.result.q;
}

const primary = (db: TestDatabase, shard = 0) => shardStub(env, { db: db.id, shard, copy: 0 });
const replica = (db: TestDatabase, shard = 0) => shardStub(env, { db: db.id, shard, copy: 1 });

describe("exactly-once ingest", () => {
  it("applies a redelivered batch once and acks every message", async () => {
    const { db, clicks } = await setup();
    const batch = [message(db, clicks, "rec-1", "e1"), message(db, clicks, "rec-2", "e2")];
    const first = await deliver(batch, 1);
    expect(first.explicitAcks.sort()).toEqual(["m-1-0-rec-1", "m-1-1-rec-2"]);
    expect(await countEvents(db)).toBe(2);
    const again = await deliver(batch, 2); // redelivery: new message ids, same record ids
    expect(again.explicitAcks).toHaveLength(2);
    expect(again.retryMessages).toEqual([]);
    expect(await countEvents(db)).toBe(2);
  });

  it("applies a record id repeated within one batch once, and the batch's other messages", async () => {
    const { db, clicks } = await setup();
    // The repeat carries another entity, so applying it would show as a third event.
    const r = await deliver([message(db, clicks, "dup-1", "e1"), message(db, clicks, "dup-2", "e2"), message(db, clicks, "dup-1", "e3")]);
    expect(r.explicitAcks).toHaveLength(3);
    expect(await countEvents(db)).toBe(2);
    expect(await appliedRecordIds(primary(db))).toEqual(expect.arrayContaining(["dup-1", "dup-2"]));
  });

  it("acknowledges and drops inserts still queued for a deleted database (nothing recreated)", async () => {
    const { db, clicks } = await setup();
    await deliver([message(db, clicks, "before", "e1")]);
    expect((await adminCall("DELETE", `/admin/databases/${db.id}`)).status).toBe(200);
    const late = await deliver([message(db, clicks, "late-1", "e2")]);
    expect(late.explicitAcks).toHaveLength(1);
    expect(late.retryMessages).toEqual([]);
    expect(await appliedRecordIds(primary(db))).toEqual([]);
    const rows = await runInDurableObject(primary(db), (_: unknown, state: DurableObjectState) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'seg_%'").toArray(),
    );
    expect(rows).toEqual([]); // no engine tables: the engine was never rebuilt for the late message
  });

  it("still applies v1 messages (entities as objects) queued by an older deployment, once", async () => {
    const { db, clicks } = await setup();
    const v1: AnyIngestMessage = { v: 1, db: db.id, shard: 0, replicas: 1, recordId: "old-1", entities: entityWrites(clicks, "e1", 1) };
    const mixed = [v1, message(db, clicks, "new-1", "e2")];
    expect((await deliver(mixed, 1)).explicitAcks).toHaveLength(2);
    expect((await deliver(mixed, 2)).explicitAcks).toHaveLength(2); // redelivered: applied once
    expect(await countEvents(db)).toBe(2);
  });

  it("loses nothing when the shard is evicted between batches", async () => {
    const { db, clicks } = await setup();
    await deliver([message(db, clicks, "a-1", "e1"), message(db, clicks, "a-2", "e2")]);
    await evictDurableObject(primary(db));
    await deliver([message(db, clicks, "a-3", "e3"), message(db, clicks, "a-1", "e1")], 2);
    await evictDurableObject(primary(db));
    expect(await countEvents(db)).toBe(3);
  });

  it("rolls back a batch that fails midway and retries it whole", async () => {
    const { db, clicks } = await setup();
    await runInDurableObject(primary(db), (shard: { failApplyAfter: number | null }) => {
      shard.failApplyAfter = 1; // the second message throws inside the transaction
    });
    const batch = [message(db, clicks, "b-1", "e1"), message(db, clicks, "b-2", "e2")];
    const failed = await deliver(batch);
    expect(failed.explicitAcks).toEqual([]);
    expect(failed.retryMessages.map((m) => m.msgId).sort()).toEqual(["m-1-0-b-1", "m-1-1-b-2"]);
    expect(await countEvents(db)).toBe(0); // the first message's writes were rolled back too
    await runInDurableObject(primary(db), (shard: { failApplyAfter: number | null }) => {
      shard.failApplyAfter = null;
    });
    const retried = await deliver(batch, 2);
    expect(retried.explicitAcks).toHaveLength(2);
    expect(await countEvents(db)).toBe(2);
  });

  it("retries a failing shard through the real queue, then records the dead letter", { timeout: 30_000 }, async () => {
    const { db, clicks } = await setup();
    await runInDurableObject(primary(db), (shard: { failApplyAfter: number | null }) => {
      shard.failApplyAfter = 0;
    });
    await env.INGEST.send(message(db, clicks, "dead-1", "e1"));
    let letters: Awaited<ReturnType<ReturnType<typeof catalogOf>["deadLetters"]>> = [];
    for (let i = 0; i < 250 && letters.length === 0; i++) {
      await scheduler.wait(100);
      letters = await catalogOf(env, db.id).deadLetters();
    }
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ recordId: "dead-1", shard: 0 });
    expect(letters[0]!.error).toContain("injected apply failure");
    const shardHealth = await primary(db).health({ db: db.id, shard: 0, copy: 0, replicas: 1 });
    expect(shardHealth.errors).toBe(4); // the first delivery and every one of the 3 retries
    const health = await adminCall("GET", `/admin/databases/${db.id}/health`);
    expect(health.body["dead-letters"]).toBe(1);
    expect(await countEvents(db)).toBe(0);
  });

  it("drops the dead letter of a database deleted meanwhile, leaving its catalog empty", async () => {
    const { db, clicks } = await setup();
    const deleted = await adminCall("DELETE", `/admin/databases/${db.id}`);
    expect(deleted.status, deleted.text).toBe(200);
    const batch = createMessageBatch<AnyIngestMessage>("sliced-ingest-dlq", [{ id: "dlq-1", timestamp: Date.now(), attempts: 1, body: message(db, clicks, "late-1", "e1") }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["dlq-1"]);
    const rows = await runInDurableObject(catalogOf(env, db.id), (_: unknown, state: DurableObjectState) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM cat_dead_letters").one()["n"]);
    expect(rows).toBe(0);
  });

  it("does not acknowledge a write its replica missed unless the catalog recorded that the replica is behind", async () => {
    const { db, clicks } = await setup();
    const addr: ShardAddress = { db: db.id, shard: 0, copy: 0, replicas: 1 };
    expect((await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 1, mode: "unreachable" })).status).toBe(200);
    await runInDurableObject(primary(db), (shard: { catalogMarkFault: string | null }) => {
      shard.catalogMarkFault = "injected catalog outage";
    });
    const failed = await deliver([message(db, clicks, "m-1", "e1")]);
    expect(failed.explicitAcks).toEqual([]); // the queue keeps it
    expect(failed.retryMessages.map((m) => m.msgId)).toEqual(["m-1-0-m-1"]);
    expect(await appliedRecordIds(primary(db))).toEqual(["m-1"]); // applied on the primary, but
    expect(await primary(db).appliedAmong(addr, ["m-1"])).toEqual({ ok: true, value: [] }); // ?wait=true keeps waiting
    expect(await catalogOf(env, db.id).replicaMarks()).toEqual([]);

    await runInDurableObject(primary(db), (shard: { catalogMarkFault: string | null }) => {
      shard.catalogMarkFault = null;
    });
    const retried = await deliver([message(db, clicks, "m-1", "e1")], 2);
    expect(retried.explicitAcks).toHaveLength(1); // the redelivery skips the data and records the mark
    expect(await primary(db).appliedAmong(addr, ["m-1"])).toEqual({ ok: true, value: ["m-1"] });
    expect(await catalogOf(env, db.id).replicaMarks()).toEqual([expect.objectContaining({ shard: 0, copy: 1, since: 1, through: 1 })]);

    await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 1, mode: "none" });
    while (await runDurableObjectAlarm(primary(db))) {
      /* catch the replica up */
    }
    expect(await appliedRecordIds(replica(db))).toEqual(["m-1"]);
    expect(await catalogOf(env, db.id).replicaMarks()).toEqual([]);
  });

  it("feeds the replica every record exactly once through the outbox", async () => {
    const { db } = await setup({ shards: 2, replicas: 1 });
    for (let i = 0; i < 5; i++) {
      const body = Object.fromEntries(Array.from({ length: 6 }, (_, j) => [`e${i}-${j}`, { clicks: [{ value: 1, date: "2017-01-01" }] }]));
      const r = await call("POST", "/v1/insert?wait=true", { key: db.write, body });
      expect(r.status, r.text).toBe(200);
    }
    // a duplicate delivery to the primary must not reach the replica twice either
    for (let shard = 0; shard < 2; shard++) {
      while (await runDurableObjectAlarm(primary(db, shard))) {
        /* drain the outbox */
      }
      const onPrimary = await appliedRecordIds(primary(db, shard));
      const onReplica = await appliedRecordIds(replica(db, shard));
      expect(onReplica).toEqual(onPrimary);
      const addr: ShardAddress = { db: db.id, shard, copy: 1, replicas: 1 };
      const counted = await replica(db, shard).query(addr, { kind: "total", dimensions: null });
      const addr0: ShardAddress = { ...addr, copy: 0 };
      const countedPrimary = await primary(db, shard).query(addr0, { kind: "total", dimensions: null });
      expect(counted).toEqual(countedPrimary);
      const health = await primary(db, shard).health(addr0);
      expect(health.outboxBacklog).toBe(0);
    }
    expect(await countEvents(db)).toBe(30);
  });
});
