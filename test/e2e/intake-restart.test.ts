// "Acknowledged" means it survives any stop of `npm run dev`: inserts run against a real wrangler dev
// (without ?wait) while the server is killed (SIGKILL and SIGTERM alternately) and restarted on the
// same state folder, several times; then a primary is down while inserts are acknowledged, the server
// dies, comes back and the shard recovers. Every acknowledged entity must be present exactly once:
// each carries exactly one event, so a duplicate application would show as a second event.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, http, startDevServer, type DevServer } from "./helpers/dev-server";

const ROUNDS = 4;
const REQUESTS_PER_ROUND = 24; // acknowledged before the kill
const ENTITIES_PER_REQUEST = 40;
const WRITERS = 4;

let server: DevServer;
let db: { id: string; master: string; write: string; read: string };
const acknowledged = new Set<string>();
const attempted = new Set<string>();

beforeAll(async () => {
  server = await startDevServer({ overrides: { ALLOW_FAULT_INJECTION: "true" } });
  db = await createDatabase(server, { shards: 4, replicas: 1, name: "intake-restart" });
  const cols = await http(server.base, "POST", "/v1/column", { key: db.master, body: [{ name: "Hits", "api-name": "hits", type: "integer-event" }] });
  expect(cols.status, cols.text).toBe(200);
});

afterAll(async () => {
  await server?.dispose();
});

/** One insert of fresh entities, one event each; counted as acknowledged only on a 200. */
async function insertBatch(tag: string): Promise<boolean> {
  const ids = Array.from({ length: ENTITIES_PER_REQUEST }, (_, i) => `${tag}-${i}`);
  for (const id of ids) attempted.add(id);
  const body = Object.fromEntries(ids.map((id) => [id, { hits: { value: 1, date: "2026-01-01T00:00:00Z" } }]));
  try {
    const r = await http(server.base, "POST", "/v1/insert", { key: db.write, body, timeoutMs: 10_000 });
    if (r.status !== 200) return false;
  } catch {
    return false; // the server died under it: not acknowledged (it may still be applied)
  }
  for (const id of ids) acknowledged.add(id);
  return true;
}

/** Writers insert until `wanted` requests were acknowledged; the caller kills the server meanwhile. */
function writeUntil(round: number, wanted: number): { done: Promise<void>; stop: () => void; acked: () => number } {
  let acked = 0;
  let stopped = false;
  let seq = 0;
  const writer = async (w: number): Promise<void> => {
    while (!stopped) {
      if (await insertBatch(`r${round}w${w}n${seq++}`)) acked++;
      else await new Promise((r) => setTimeout(r, 50));
    }
  };
  const done = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w))).then(() => undefined);
  void wanted;
  return { done, stop: () => (stopped = true), acked: () => acked };
}

async function totals(): Promise<{ entities: number; events: number }> {
  const entities = await http(server.base, "POST", "/v1/query/count/entity/total", { key: db.read, body: { "bypass-cache": true } });
  const events = await http(server.base, "POST", "/v1/query/count/event", {
    key: db.read,
    body: { "query-name": "q", "bypass-cache": true, query: [{ hits: { equals: 1, between: ["2025-12-31", "2026-01-02"] } }] },
  });
  expect(entities.status, entities.text).toBe(200);
  expect(events.status, events.text).toBe(200);
  return { entities: entities.body.result.total, events: events.body.result.q };
}

/** Every entity id the database holds, through paged extraction. */
async function presentIds(): Promise<string[]> {
  const ids: string[] = [];
  let token: string | null = null;
  do {
    const body: Record<string, unknown> = { query: [{ hits: { equals: 1, between: ["2025-12-31", "2026-01-02"] } }], columns: ["entity-id"], "bypass-cache": true };
    if (token) body["page-token"] = token;
    else body["limit"] = 1000;
    const r = await http(server.base, "POST", "/v1/data_extraction/result", { key: db.read, body });
    expect(r.status, r.text).toBe(200);
    ids.push(...r.body.data.map((row: { "entity-id": string }) => row["entity-id"]));
    token = r.body["next-page"];
  } while (token !== null);
  return ids;
}

/** What the server says about the drain, shown when an entity is missing. */
async function diagnosis(): Promise<string> {
  const health = await http(server.base, "GET", `/admin/databases/${db.id}/health`, { headers: { authorization: `Bearer ${server.adminToken}` } });
  const lines = server
    .log()
    .split("\n")
    .filter((l) => /intake|alarm|error/i.test(l))
    .slice(-30);
  return `intake: ${JSON.stringify(health.body?.intake)}; dead letters: ${health.body?.["dead-letters"]}\n${lines.join("\n")}`;
}

async function intakePending(): Promise<number> {
  const health = await http(server.base, "GET", `/admin/databases/${db.id}/health`, { headers: { authorization: `Bearer ${server.adminToken}` } });
  expect(health.status, health.text).toBe(200);
  return health.body.intake.pending;
}

/** Until every acknowledged entity counts and the intake has released everything it held. */
async function untilSettled(expectedAtLeast: number, ms: number): Promise<{ entities: number; events: number }> {
  const giveUpAt = Date.now() + ms;
  let t = await totals();
  while ((t.entities < expectedAtLeast || (await intakePending()) > 0) && Date.now() < giveUpAt) {
    await new Promise((r) => setTimeout(r, 1000));
    t = await totals();
  }
  return t;
}

describe("acknowledged inserts survive stops of wrangler dev", () => {
  it(`keeps every acknowledged entity exactly once across ${ROUNDS} kills and restarts mid-ingest`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const run = writeUntil(round, REQUESTS_PER_ROUND);
      while (run.acked() < REQUESTS_PER_ROUND) await new Promise((r) => setTimeout(r, 20));
      await server.stop(round % 2 === 0 ? "SIGKILL" : "SIGTERM"); // right after the last 200s
      run.stop();
      await run.done;
      await server.start();
    }
    const t = await untilSettled(acknowledged.size, 90_000);
    expect(t.entities).toBeGreaterThanOrEqual(acknowledged.size);
    expect(t.entities).toBeLessThanOrEqual(attempted.size); // nothing invented
    expect(t.events).toBe(t.entities); // nothing applied twice
    const present = new Set(await presentIds());
    expect(present.size).toBe(t.entities);
    const lost = [...acknowledged].filter((id) => !present.has(id));
    expect(lost, `${lost.length} of ${acknowledged.size} acknowledged entities lost; ${lost.length > 0 ? await diagnosis() : ""}`).toEqual([]);
  });

  it("keeps inserts acknowledged while a primary is down across a restart, and applies them when it is back", async () => {
    const admin = { authorization: `Bearer ${server.adminToken}` };
    const down = await http(server.base, "POST", `/admin/databases/${db.id}/faults`, { headers: admin, body: { shard: 1, replica: 0, mode: "down" } });
    expect(down.status, down.text).toBe(200);
    const before = acknowledged.size;
    for (let i = 0; i < 10; i++) expect(await insertBatch(`down-${i}`)).toBe(true);
    expect(acknowledged.size - before).toBe(10 * ENTITIES_PER_REQUEST);
    await server.stop("SIGKILL");
    await server.start();
    const up = await http(server.base, "POST", `/admin/databases/${db.id}/faults`, { headers: admin, body: { shard: 1, replica: 0, mode: "none" } });
    expect(up.status, up.text).toBe(200);
    const t = await untilSettled(acknowledged.size, 90_000);
    expect(t.events).toBe(t.entities);
    expect(await intakePending(), await diagnosis()).toBe(0);
    const present = new Set(await presentIds());
    const lost = [...acknowledged].filter((id) => !present.has(id));
    expect(lost, `${lost.length} of ${acknowledged.size} acknowledged entities lost; ${lost.length > 0 ? await diagnosis() : ""}`).toEqual([]);
  });
});
