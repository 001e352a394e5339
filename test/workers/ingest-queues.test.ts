// Several ingest queues through the real local queues and consumers: every queue wrangler.toml binds
// is found and consumed, an insert's messages go to their shard's queue (and only there), and a queue
// that refuses sends has its share carried by the fallback while the other queues go on.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { ingestQueues } from "../../src/ingest/queues";
import { ingestQueueOf } from "../../contract/ingest-queue-of";
import { refusingQueue, withIngestQueues } from "../helpers/queues";
import type { QueueLike } from "../../src/ingest/send";
import type { IngestMessage, OutgoingIngestMessage } from "../../contract/queue-messages";
import { catalogOf } from "../../durable-objects/stubs";
import { call, createDatabase, type TestDatabase } from "../helpers/api";

/** A real queue binding that also notes the shard of every message sent through it. */
function recording(queue: QueueLike, shards: number[]): QueueLike {
  return {
    sendBatch(messages: Iterable<MessageSendRequest<OutgoingIngestMessage>>) {
      const list = [...messages];
      for (const m of list) shards.push(m.body.shard);
      return queue.sendBatch(list);
    },
  };
}

/** env with every ingest queue and the fallback recorded, and the queues in `refused` refusing. */
function recordedEnv(refused: number[] = []): { environment: Env; perQueue: number[][]; fallback: number[] } {
  const perQueue = ingestQueues(env).map(() => [] as number[]);
  const fallback: number[] = [];
  const queues = withIngestQueues(env, (queue, i) => recording(refused.includes(i) ? refusingQueue : queue, perQueue[i]!));
  return { environment: { ...queues, INGEST_FALLBACK: recording(env.INGEST_FALLBACK, fallback) } as Env, perQueue, fallback };
}

async function insert(environment: Env, db: TestDatabase, body: unknown): Promise<{ status: number; text: string }> {
  const ctx = createExecutionContext();
  const req = new Request("http://sliced.test/v1/insert?wait=true", { method: "POST", headers: { authorization: db.write, "content-type": "application/json" }, body: JSON.stringify(body) });
  const res = await app.fetch(req, environment, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, text: await res.text() };
}

async function countPlan(db: TestDatabase, plan: string): Promise<number> {
  const r = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "q", "bypass-cache": true, query: [{ plan: { equals: plan } }] } });
  expect(r.status, r.text).toBe(200);
  return r.body.result.q;
}

async function setup(shards: number): Promise<TestDatabase> {
  const db = await createDatabase({ shards });
  const r = await call("POST", "/v1/column", { key: db.master, body: { name: "Plan", "api-name": "plan", type: "string" } });
  expect(r.status, r.text).toBe(200);
  return db;
}

const entities = (n: number, plan: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${plan}-${i}`, { plan }]));

describe("shard-affine ingest queues", () => {
  it("finds every queue wrangler.toml binds, in order", () => {
    const queues = ingestQueues(env);
    expect(queues.length).toBeGreaterThanOrEqual(4);
    expect(queues[0]).toBe(env.INGEST);
    expect(queues[1]).toBe(env.INGEST_1);
    expect(queues[3]).toBe(env.INGEST_3);
  });

  it("consumes every queue: a message sent straight to each one is applied", async () => {
    const db = await setup(1);
    const schema = await catalogOf(env, db.id).schema();
    const plan = schema!.columns.find((c) => c.apiName === "plan")!;
    const queues = ingestQueues(env);
    for (const [i, queue] of queues.entries()) {
      const write = { dimension: "default", id: `direct-${i}`, attrs: [{ col: { id: plan.id, type: plan.type, storage: plan.storage }, value: "direct" }], events: [] };
      const message: IngestMessage = { v: 2, db: db.id, shard: 0, replicas: 0, recordId: `direct-queue-${i}`, entitiesJson: JSON.stringify([write]) };
      await queue.sendBatch([{ body: message, contentType: "v8" }]);
    }
    const deadline = Date.now() + 10_000;
    while ((await countPlan(db, "direct")) < queues.length && Date.now() < deadline) await scheduler.wait(50);
    expect(await countPlan(db, "direct")).toBe(queues.length);
  });

  it("sends each shard's messages to its own queue only, and uses every queue", async () => {
    const db = await setup(8);
    const { environment, perQueue, fallback } = recordedEnv();
    const r = await insert(environment, db, entities(400, "spread"));
    expect(r.status, r.text).toBe(200);
    perQueue.forEach((shards, q) => {
      expect(shards.length, `queue ${q} got messages`).toBeGreaterThan(0);
      for (const shard of shards) expect(ingestQueueOf(db.id, shard, perQueue.length)).toBe(q);
    });
    expect(new Set(perQueue.flat())).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(fallback).toEqual([]);
    expect(await countPlan(db, "spread")).toBe(400);
  });

  it("moves only a refusing queue's share to the fallback; every entity is applied once", async () => {
    const db = await setup(8);
    const { environment, perQueue, fallback } = recordedEnv([2]);
    const r = await insert(environment, db, entities(300, "detour"));
    expect(r.status, r.text).toBe(200);
    const shardsOfQueue2 = [0, 1, 2, 3, 4, 5, 6, 7].filter((s) => ingestQueueOf(db.id, s, perQueue.length) === 2);
    expect(new Set(fallback)).toEqual(new Set(shardsOfQueue2));
    expect(new Set(perQueue[2])).toEqual(new Set(shardsOfQueue2)); // tried first, refused
    for (const q of [0, 1, 3]) expect(perQueue[q]!.every((s) => !shardsOfQueue2.includes(s))).toBe(true);
    expect(await countPlan(db, "detour")).toBe(300);
  });
});
