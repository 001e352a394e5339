// Queued inserts sealed at rest (v3, durable-objects/ingest-seal.ts): what POST /v1/insert hands the queue holds no
// plaintext and is applied; v1/v2 still apply; a box that cannot be opened (damaged, replayed as another
// record, wrong secret) is never applied, retries, and ends as a dead letter saying why.

import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { catalogOf, shardStub } from "../../durable-objects/stubs";
import { secretsOf } from "../../durable-objects/shard/data-key";
import { messageBytes } from "../../src/ingest/pack";
import { type OutgoingIngestMessage } from "../../contract/queue-messages";
import { sealMessages } from "../../durable-objects/ingest-seal";
import type { ColumnRef } from "../../contract/columns";
import { QUEUE_MESSAGE_BYTES_MAX } from "../../contract/limits";
import type { EntityWrite } from "../../contract/plan";
import type { IngestMessage, QueuedIngestMessage, SealedIngestMessage } from "../../contract/queue-messages";
import worker from "../../src/index";
import { call, createDatabase, type TestDatabase } from "../helpers/api";
import { appliedRecordIds } from "../helpers/shards";
import { withIngestQueues } from "../helpers/queues";
import type { QueueLike } from "../../src/ingest/send";

const EMAIL = "ana.maria@example.com";

async function setup(shards = 1): Promise<{ db: TestDatabase; clicks: ColumnRef }> {
  const db = await createDatabase({ shards, replicas: 1 });
  const r = await call("POST", "/v1/column", {
    key: db.master,
    body: [
      { name: "Clicks", "api-name": "clicks", type: "integer-event" },
      { name: "Note", "api-name": "note", type: "string" },
    ],
  });
  expect(r.status, r.text).toBe(200);
  const col = (await catalogOf(env, db.id).schema())!.columns.find((c) => c.apiName === "clicks")!;
  return { db, clicks: { id: col.id, type: col.type, storage: col.storage } };
}

function v2(db: TestDatabase, clicks: ColumnRef, recordId: string, entity: string): IngestMessage {
  const entities: EntityWrite[] = [{ dimension: "default", id: entity, attrs: [], events: [{ col: clicks, value: 1, t: Date.UTC(2017, 0, 1) }] }];
  return { v: 2, db: db.id, shard: 0, replicas: 1, recordId, entitiesJson: JSON.stringify(entities) };
}

async function v3(db: TestDatabase, clicks: ColumnRef, recordId: string, entity: string): Promise<SealedIngestMessage> {
  const [m] = await sealMessages(secretsOf(env), [v2(db, clicks, recordId, entity)]);
  expect(m!.v).toBe(3);
  return m as SealedIngestMessage;
}

async function deliver(messages: QueuedIngestMessage[], attempts = 1, environment: Env = env) {
  const batch = createMessageBatch<QueuedIngestMessage>(
    "sliced-ingest",
    messages.map((body, i) => ({ id: `m-${attempts}-${i}-${body.recordId}`, timestamp: Date.now(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, environment);
  return getQueueResult(batch, ctx);
}

/** POST /v1/insert?wait=true through a queue that remembers what it was handed, then passes it on. */
async function insertRecorded(db: TestDatabase, body: unknown, idempotencyKey?: string): Promise<{ status: number; text: string; sent: MessageSendRequest<OutgoingIngestMessage>[] }> {
  const sent: MessageSendRequest<OutgoingIngestMessage>[] = [];
  const recording = (queue: QueueLike): QueueLike => ({
    async sendBatch(requests: Iterable<MessageSendRequest<OutgoingIngestMessage>>) {
      const list = [...requests];
      sent.push(...list);
      return queue.sendBatch(list);
    },
  });
  const headers: Record<string, string> = { authorization: db.write, "content-type": "application/json" };
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request("http://sliced.test/v1/insert?wait=true", { method: "POST", headers, body: JSON.stringify(body) }), withIngestQueues(env, recording), ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, text: await res.text(), sent };
}

function containsBytes(haystack: Uint8Array, needle: string): boolean {
  const n = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + n.length <= haystack.length; i++) {
    for (let j = 0; j < n.length; j++) if (haystack[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

async function countEntities(db: TestDatabase, query: unknown): Promise<number> {
  const r = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "q", "bypass-cache": true, query } });
  expect(r.status, r.text).toBe(200);
  return r.body.result.q;
}

async function countEvents(db: TestDatabase): Promise<number> {
  const r = await call("POST", "/v1/query/count/event", { key: db.read, body: { "query-name": "q", "bypass-cache": true, query: [{ clicks: { equals: 1, between: ["2016-12-31", "2017-01-02"] } }] } });
  expect(r.status, r.text).toBe(200);
  return r.body.result.q;
}

const primary = (db: TestDatabase) => shardStub(env, { db: db.id, shard: 0, copy: 0 });

describe("sealed queued inserts", () => {
  it("queues POST /v1/insert as v3 without the plaintext, applies it, and replays a retry under the same Idempotency-Key", async () => {
    const { db } = await setup(2);
    const body = { [EMAIL]: { note: "Prefers e-mail", clicks: { value: 1, date: "2017-01-01" } }, "bob@example.com": { note: "x", clicks: { value: 1, date: "2017-01-01" } } };
    const r = await insertRecorded(db, body, "seal-1");
    expect(r.status, r.text).toBe(200);
    expect(r.sent.length).toBeGreaterThan(0);
    for (const { body: m, contentType } of r.sent) {
      expect(contentType).toBe("v8"); // bytes travel as bytes
      expect(m.v).toBe(3);
      expect(m).not.toHaveProperty("entitiesJson");
      const box = (m as SealedIngestMessage).entitiesSealed;
      expect(box).toBeInstanceOf(Uint8Array);
      expect(containsBytes(box, EMAIL)).toBe(false);
      expect(containsBytes(box, "prefers e-mail")).toBe(false);
    }
    expect(JSON.stringify(r.sent.map((s) => ({ ...s.body, entitiesSealed: null })))).not.toContain("example.com");
    expect(await countEntities(db, [{ note: { equals: "prefers e-mail" } }])).toBe(1);
    expect(await countEvents(db)).toBe(2);

    const again = await insertRecorded(db, body, "seal-1"); // the client retries: the first answer again, nothing re-queued
    expect(again.status, again.text).toBe(200);
    expect(JSON.parse(again.text)).toMatchObject({ "inserted-entities": 2, "inserted-columns": 4 });
    expect(again.sent).toEqual([]);
    expect(await countEvents(db)).toBe(2);
  });

  it("keeps every sealed message under the queue limit with long non-ASCII values, and applies them all", async () => {
    const { db } = await setup(2);
    const values = ["é".repeat(1000), "€".repeat(1000), "a€é😀".repeat(200)];
    const body = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`user${i}@example.com`, { note: values[i % 3] }]));
    const r = await insertRecorded(db, body);
    expect(r.status, r.text).toBe(200); // the real (local) queue refuses a message over 128 KB: nothing was
    expect(r.sent.length).toBeGreaterThan(2 * 6); // 600 entities of 2-3 KB each: many parts per shard
    for (const { body: m } of r.sent) {
      expect(m.v).toBe(3);
      expect(messageBytes(m)).toBeLessThanOrEqual(QUEUE_MESSAGE_BYTES_MAX);
    }
    for (const v of values) expect(await countEntities(db, [{ note: { equals: v } }])).toBe(200);
  });

  it("applies v1, v2 and v3 messages in one batch, each once when redelivered", async () => {
    const { db, clicks } = await setup();
    const old: QueuedIngestMessage = { v: 1, db: db.id, shard: 0, replicas: 1, recordId: "old-1", entities: JSON.parse(v2(db, clicks, "x", "e1").entitiesJson) };
    const mixed = [old, v2(db, clicks, "plain-1", "e2"), await v3(db, clicks, "sealed-1", "e3")];
    expect((await deliver(mixed, 1)).explicitAcks).toHaveLength(3);
    expect((await deliver(mixed, 2)).explicitAcks).toHaveLength(3);
    expect(await countEvents(db)).toBe(3);
    expect(await appliedRecordIds(primary(db))).toEqual(["old-1", "plain-1", "sealed-1"]);
  });

  it("retries, and does not apply, a box that is damaged, replayed as another record, or under an unknown secret", async () => {
    const { db, clicks } = await setup();
    const good = await v3(db, clicks, "good-1", "e1");
    const damaged = await v3(db, clicks, "damaged-1", "e2");
    damaged.entitiesSealed = damaged.entitiesSealed.slice();
    damaged.entitiesSealed[damaged.entitiesSealed.length - 20]! ^= 1;
    const replayed: SealedIngestMessage = { ...(await v3(db, clicks, "victim-1", "e3")), recordId: "replay-1" };
    const r = await deliver([damaged, good, replayed]);
    expect(r.explicitAcks).toEqual(["m-1-1-good-1"]); // the openable one is not held back by the others
    expect(r.retryMessages.map((m) => m.msgId).sort()).toEqual(["m-1-0-damaged-1", "m-1-2-replay-1"]);
    expect(await appliedRecordIds(primary(db))).toEqual(["good-1"]);

    // Another secret cannot open it; the same secret kept as DATA_KEY_SECRET_PREVIOUS (a rotation) can.
    const sealed = await v3(db, clicks, "rotated-1", "e4");
    const other = { ...env, DATA_KEY_SECRET: "another-secret-0123456789abcdef" } as Env;
    expect((await deliver([sealed], 1, other)).retryMessages.map((m) => m.msgId)).toEqual(["m-1-0-rotated-1"]);
    const rotating = { ...other, DATA_KEY_SECRET_PREVIOUS: secretsOf(env).current } as Env;
    expect((await deliver([sealed], 2, rotating)).explicitAcks).toEqual(["m-2-0-rotated-1"]);
    expect(await countEvents(db)).toBe(2);
  });

  it("dead-letters a damaged box after its retries through the real queue, recording why without plaintext", { timeout: 30_000 }, async () => {
    const { db, clicks } = await setup();
    const damaged = await v3(db, clicks, "dead-sealed-1", EMAIL);
    damaged.entitiesSealed = damaged.entitiesSealed.slice();
    damaged.entitiesSealed[30]! ^= 0x40;
    await env.INGEST.send(damaged, { contentType: "v8" });
    let letters: Awaited<ReturnType<ReturnType<typeof catalogOf>["deadLetters"]>> = [];
    for (let i = 0; i < 250 && letters.length === 0; i++) {
      await scheduler.wait(100);
      letters = await catalogOf(env, db.id).deadLetters();
    }
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ recordId: "dead-sealed-1", shard: 0 });
    expect(letters[0]!.error).toMatch(/sealed insert could not be opened.*fails authentication/);
    expect(letters[0]!.error).not.toContain(EMAIL);
    expect(await appliedRecordIds(primary(db))).toEqual([]);
    const health = await primary(db).health({ db: db.id, shard: 0, copy: 0, replicas: 1 });
    expect(health.errors).toBe(0); // it never reached the shard
    expect(await countEvents(db)).toBe(0);
  });
});
