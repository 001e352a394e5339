// The durable intake below the HTTP layer: messages it holds are applied by its alarm when no queue
// delivers them, exactly once when the queue did too; a shard that refuses keeps them held (retried
// with backoff, a dead letter after INTAKE_DEAD_LETTER_ATTEMPTS, retries going on); a sealed message
// opens on the way; a deleted database's messages are dropped; eviction loses nothing.

import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { catalogOf, intakeOf } from "../../durable-objects/stubs";
import { sealMessages } from "../../durable-objects/ingest-seal";
import { secretsOf } from "../../durable-objects/shard/data-key";
import type { ColumnRef } from "../../contract/columns";
import type { IngestMessage } from "../../contract/queue-messages";
import { INTAKE_DEAD_LETTER_ATTEMPTS } from "../../contract/limits";
import { adminCall, call, createDatabase, type TestDatabase } from "../helpers/api";

async function setup(shards = 2): Promise<{ db: TestDatabase; clicks: ColumnRef }> {
  const db = await createDatabase({ shards, replicas: 0 });
  await call("POST", "/v1/column", { key: db.master, body: { name: "Clicks", "api-name": "clicks", type: "integer-event" } });
  const col = (await catalogOf(env, db.id).schema())!.columns.find((c) => c.apiName === "clicks")!;
  return { db, clicks: { id: col.id, type: col.type, storage: col.storage } };
}

function message(db: TestDatabase, clicks: ColumnRef, recordId: string, shard: number, entities: string[]): IngestMessage {
  const writes = entities.map((id) => ({ dimension: "default", id, attrs: [], events: [{ col: clicks, value: 1, t: Date.UTC(2017, 0, 1) }] }));
  return { v: 2, db: db.id, shard, replicas: 0, recordId, entitiesJson: JSON.stringify(writes) };
}

async function countEvents(db: TestDatabase): Promise<number> {
  const r = await call("POST", "/v1/query/count/event", { key: db.read, body: { "query-name": "q", "bypass-cache": true, query: [{ clicks: { equals: 1, between: ["2016-12-31", "2017-01-02"] } }] } });
  expect(r.status, r.text).toBe(200);
  return r.body.result.q;
}

/** Makes every held message due now, as if its settle time or backoff had passed. */
async function makeDue(intake: ReturnType<typeof intakeOf>): Promise<void> {
  await runInDurableObject(intake, (_: unknown, state: DurableObjectState) => {
    state.storage.sql.exec("UPDATE intake_messages SET next_at = 0");
  });
}

async function attemptsOf(intake: ReturnType<typeof intakeOf>): Promise<number[]> {
  return runInDurableObject(intake, (_: unknown, state: DurableObjectState) =>
    state.storage.sql
      .exec("SELECT attempts FROM intake_messages ORDER BY seq")
      .toArray()
      .map((r) => r["attempts"] as number),
  );
}

describe("durable intake", () => {
  it("applies held messages no queue delivered, after its settle time, and releases them", async () => {
    const { db, clicks } = await setup();
    const intake = intakeOf(env, db.id, "req-lost");
    await intake.accept([message(db, clicks, "req-lost/0/0", 0, ["a", "b"]), message(db, clicks, "req-lost/1/0", 1, ["c"])]);
    expect(await countEvents(db)).toBe(0);
    expect((await intake.counts()).pending).toBe(2);
    expect(await runDurableObjectAlarm(intake)).toBe(true); // nothing is due yet: the alarm leaves them held
    expect((await intake.counts()).pending).toBe(2);
    await makeDue(intake);
    expect(await runDurableObjectAlarm(intake)).toBe(true);
    expect(await countEvents(db)).toBe(3);
    expect(await intake.counts()).toEqual({ pending: 0, deadLettered: 0, oldestAcceptedAt: null });
  });

  it("applies once a message both the queue and the intake deliver", async () => {
    const { db } = await setup();
    const r = await call("POST", "/v1/insert?wait=true", {
      key: db.write,
      body: { x: { clicks: { value: 1, date: "2017-01-01" } }, y: { clicks: { value: 1, date: "2017-01-01" } } },
      headers: { "idempotency-key": "both-paths" },
    });
    expect(r.status, r.text).toBe(200);
    expect(await countEvents(db)).toBe(2);
    // the request's lane holds its messages until it looks; its look finds them applied (skipped)
    const lanes = await Promise.all([0, 1, 2, 3].map((lane) => env.INTAKE.get(env.INTAKE.idFromName(`${db.id}/intake/${lane}`))));
    const holding = [];
    for (const lane of lanes) if ((await lane.counts()).pending > 0) holding.push(lane);
    expect(holding).toHaveLength(1);
    await makeDue(holding[0]!);
    await runDurableObjectAlarm(holding[0]!);
    expect((await holding[0]!.counts()).pending).toBe(0);
    expect(await countEvents(db)).toBe(2);
  });

  it("keeps messages a shard refuses, in order, retries them with backoff, dead-letters them once, and applies them when it is back", async () => {
    const { db, clicks } = await setup(1);
    const intake = intakeOf(env, db.id, "req-down");
    expect((await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 0, mode: "down" })).status).toBe(200);
    await intake.accept([message(db, clicks, "req-down/0/0", 0, ["d1"]), message(db, clicks, "req-down/0/1", 0, ["d2", "d3"])]);
    await makeDue(intake);
    await runDurableObjectAlarm(intake);
    expect(await attemptsOf(intake)).toEqual([1, 1]);
    const nextAt = await runInDurableObject(intake, (_: unknown, state: DurableObjectState) => state.storage.sql.exec("SELECT MIN(next_at) AS at FROM intake_messages").one()["at"] as number);
    expect(nextAt).toBeGreaterThan(Date.now()); // backed off, not spinning
    expect(await runInDurableObject(intake, (_: unknown, state: DurableObjectState) => state.storage.getAlarm())).toBe(nextAt);

    // many failed attempts later: a dead letter is recorded once, and the messages stay held
    await runInDurableObject(intake, (_: unknown, state: DurableObjectState) => {
      state.storage.sql.exec("UPDATE intake_messages SET attempts = ?", INTAKE_DEAD_LETTER_ATTEMPTS - 1);
    });
    for (let i = 0; i < 2; i++) {
      await makeDue(intake);
      await runDurableObjectAlarm(intake);
    }
    const letters = await catalogOf(env, db.id).deadLetters();
    expect(letters.map((l) => l.recordId).sort()).toEqual(["req-down/0/0", "req-down/0/1"]);
    expect(letters[0]!.error).toContain("retries go on");
    expect(await intake.counts()).toMatchObject({ pending: 2, deadLettered: 2 });

    await evictDurableObject(intake); // held in storage, not in memory
    expect((await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 0, mode: "none" })).status).toBe(200);
    await makeDue(intake);
    await runDurableObjectAlarm(intake);
    expect(await countEvents(db)).toBe(3);
    expect((await intake.counts()).pending).toBe(0);
  });

  it("opens sealed messages and applies them", async () => {
    const { db, clicks } = await setup(1);
    expect(secretsOf(env).current).not.toBeNull();
    const sealed = await sealMessages(secretsOf(env), [message(db, clicks, "req-sealed/0/0", 0, ["s1", "s2"])]);
    expect(sealed[0]!.v).toBe(3);
    const intake = intakeOf(env, db.id, "req-sealed");
    await intake.accept(sealed);
    const stored = await runInDurableObject(intake, (_: unknown, state: DurableObjectState) => state.storage.sql.exec("SELECT entities_json, entities_sealed FROM intake_messages").one());
    expect(stored["entities_json"]).toBeNull(); // at rest sealed, as in the queue
    expect(stored["entities_sealed"]).toBeInstanceOf(ArrayBuffer);
    await makeDue(intake);
    await runDurableObjectAlarm(intake);
    expect(await countEvents(db)).toBe(2);
  });

  it("drops the held messages of a database deleted after they were acknowledged", async () => {
    const { db, clicks } = await setup(1);
    const intake = intakeOf(env, db.id, "req-deleted");
    await intake.accept([message(db, clicks, "req-deleted/0/0", 0, ["z"])]);
    expect((await adminCall("DELETE", `/admin/databases/${db.id}`)).status).toBe(200);
    await makeDue(intake);
    await runDurableObjectAlarm(intake);
    expect((await intake.counts()).pending).toBe(0);
  });
  it("re-arms a drain whose alarm was lost: on the database's first request in an isolate, and on health", async () => {
    // Created through the operator API only, so no /v1 request has named this database yet.
    const db = await createDatabase({ shards: 1, replicas: 0 });
    const intake = intakeOf(env, db.id, "req-stalled");
    const held: IngestMessage = { v: 2, db: db.id, shard: 0, replicas: 0, recordId: "req-stalled/0/0", entitiesJson: "[]" };
    await intake.accept([held]);
    const alarmOf = () => runInDurableObject(intake, (_: unknown, state: DurableObjectState) => state.storage.getAlarm());
    const loseAlarm = () => runInDurableObject(intake, (_: unknown, state: DurableObjectState) => state.storage.deleteAlarm());
    await loseAlarm();
    expect(await alarmOf()).toBeNull();

    const r = await call("POST", "/v1/query/count/entity/total", { key: db.read, body: {} });
    expect(r.status, r.text).toBe(200);
    let alarm = await alarmOf();
    for (let i = 0; alarm === null && i < 50; i++) alarm = await new Promise((w) => setTimeout(w, 20)).then(alarmOf); // the re-arm runs after the answer
    expect(alarm).not.toBeNull();

    await loseAlarm();
    const health = await adminCall("GET", `/admin/databases/${db.id}/health`);
    expect(health.status, health.text).toBe(200);
    expect(health.body.intake).toMatchObject({ pending: 1, "dead-lettered": 0 });
    expect(await alarmOf()).not.toBeNull();

    // once re-armed it drains: the (empty) message is applied and released
    await makeDue(intake);
    await runDurableObjectAlarm(intake);
    expect((await intake.counts()).pending).toBe(0);
    expect((await adminCall("GET", `/admin/databases/${db.id}/health`)).body.intake).toEqual({ pending: 0, "dead-lettered": 0, "oldest-accepted-at": null });
  });
});
