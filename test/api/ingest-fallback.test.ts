// When the ingest queues refuse sends, inserts go to INGEST_FALLBACK (consumed by the same consumer,
// with the same exactly-once apply); when both refuse, the durable intake applies what it holds, and
// with the intake unavailable (or off) the client gets a clear error and nothing is acknowledged.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { call, createDatabase } from "../helpers/api";
import { withIngestQueues } from "../helpers/queues";

const refusing = {
  async send() {
    throw new Error("queue unavailable (injected)");
  },
  async sendBatch() {
    throw new Error("queue unavailable (injected)");
  },
} as unknown as Queue;

/** env whose every shard-affine ingest queue (INGEST, INGEST_1 …) refuses sends; the fallback is untouched. */
const ingestQueuesRefusing = (): Env => withIngestQueues(env, () => refusing);

async function insertWith(environment: Env, key: string, body: unknown, idem?: string): Promise<{ status: number; body: any }> {
  // eslint-disable-line @typescript-eslint/no-explicit-any
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { authorization: key, "content-type": "application/json" };
  if (idem) headers["idempotency-key"] = idem;
  const res = await app.fetch(new Request("http://sliced.test/v1/insert?wait=true", { method: "POST", headers, body: JSON.stringify(body) }), environment, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json() };
}

describe("ingest queue fallback", () => {
  it("keeps accepting inserts through INGEST_FALLBACK when the ingest queues fail", async () => {
    const db = await createDatabase({ shards: 2 });
    await call("POST", "/v1/column", { key: db.master, body: { name: "Clicks", "api-name": "clicks", type: "integer-event" } });
    const body = { a: { clicks: { value: 1, date: "2017-01-01" } }, b: { clicks: { value: 1, date: "2017-01-01" } } };
    const r = await insertWith(ingestQueuesRefusing(), db.write, body, "fallback-1");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // the same request retried once the main queue is back is applied once (same record ids)
    const again = await insertWith(env, db.write, body, "fallback-1");
    expect(again.status).toBe(200);
    const count = await call("POST", "/v1/query/count/event", {
      key: db.read,
      body: { "query-name": "q", "bypass-cache": true, query: [{ clicks: { equals: 1, between: ["2017-01-01", "2017-01-02"] } }] },
    });
    expect(count.body.result.q).toBe(2);
  });

  it("acknowledges an insert neither queue accepts once the durable intake holds it, and the intake applies it", async () => {
    const db = await createDatabase({ shards: 2 });
    await call("POST", "/v1/column", { key: db.master, body: { name: "Plan", "api-name": "plan", type: "string" } });
    const body = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`held-${i}`, { plan: "held" }]));
    const r = await insertWith({ ...ingestQueuesRefusing(), INGEST_FALLBACK: refusing }, db.write, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200); // ?wait=true: the intake applied it within the wait
    const count = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "q", "bypass-cache": true, query: [{ plan: { equals: "held" } }] } });
    expect(count.body.result.q).toBe(20);
  });

  it("answers 503 (code 4003) when the intake does not take the insert, and acknowledges nothing", async () => {
    const db = await createDatabase({ shards: 2 });
    await call("POST", "/v1/column", { key: db.master, body: { name: "Plan", "api-name": "plan", type: "string" } });
    const brokenIntake = {
      idFromName: (name: string) => env.INTAKE.idFromName(name),
      get: () => ({ accept: () => Promise.reject(new Error("intake storage unavailable")) }),
    } as unknown as Env["INTAKE"];
    const r = await insertWith({ ...env, INTAKE: brokenIntake }, db.write, { a: { plan: "lost" } });
    expect(r.status).toBe(503);
    expect(r.body.errors[0].code).toBe(4003);
    const count = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "q", "bypass-cache": true, query: [{ plan: { equals: "lost" } }] } });
    expect(count.body.result.q).toBe(0);
  });

  it("answers 503 (code 4003) when neither queue accepts in the queue-only mode, and stores nothing", async () => {
    const db = await createDatabase({ shards: 2 });
    await call("POST", "/v1/column", { key: db.master, body: { name: "Plan", "api-name": "plan", type: "string" } });
    const r = await insertWith({ ...ingestQueuesRefusing(), DURABLE_INTAKE: "false", INGEST_FALLBACK: refusing } as unknown as Env, db.write, { a: { plan: "lost" } });
    expect(r.status).toBe(503);
    expect(r.body.errors[0].code).toBe(4003);
    const count = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "q", "bypass-cache": true, query: [{ plan: { equals: "lost" } }] } });
    expect(count.body.result.q).toBe(0);
  });
});
