// The 5-second result cache: identical queries within the window share an answer, bypass-cache and
// schema changes skip it, databases never share entries, freshness is decided by the write time, and
// an isolate never answers from before a change of the data it acknowledged itself.

import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { catalogOf } from "../../durable-objects/stubs";
import { cacheKeyOf, readCached, writeCached } from "../../src/query/result-cache";
import worker from "../../src/index";
import { shardOf } from "../../contract/shard-of";
import type { EntityWrite } from "../../contract/plan";
import type { IngestMessage } from "../../contract/queue-messages";
import { call, createDatabase, type TestDatabase } from "../helpers/api";

async function seeded(): Promise<TestDatabase> {
  const db = await createDatabase({ shards: 2 });
  await call("POST", "/v1/column", { key: db.master, body: { name: "Plan", "api-name": "plan", type: "string" } });
  await call("POST", "/v1/insert?wait=true", { key: db.write, body: { a: { plan: "gold" } } });
  return db;
}

/** Applies an insert through the queue consumer, as another isolate's insert would arrive: this isolate never acknowledged it. */
async function writeElsewhere(db: TestDatabase, id: string): Promise<void> {
  const schema = (await catalogOf(env, db.id).schema())!;
  const col = schema.columns.find((c) => c.apiName === "plan")!;
  const entities: EntityWrite[] = [{ dimension: "default", id, attrs: [{ col: { id: col.id, type: col.type, storage: col.storage }, value: "gold" }], events: [] }];
  const { shards, replicas } = schema.database;
  const body: IngestMessage = { v: 2, db: db.id, shard: shardOf("default", id, shards), replicas, recordId: `elsewhere-${id}`, entitiesJson: JSON.stringify(entities) };
  const batch = createMessageBatch<IngestMessage>("sliced-ingest", [{ id: `elsewhere-${id}`, timestamp: Date.now(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([`elsewhere-${id}`]);
}

const countGold = async (db: TestDatabase, bypass = false): Promise<number> => {
  const r = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "gold", query: [{ plan: { equals: "gold" } }], "bypass-cache": bypass } });
  expect(r.status, r.text).toBe(200);
  return r.body.result.gold;
};

describe("result cache", () => {
  it("serves an identical query from the cache within the window; bypass-cache sees new data", async () => {
    const db = await seeded();
    expect(await countGold(db)).toBe(1);
    await writeElsewhere(db, "b"); // a change this isolate did not acknowledge (another isolate's insert)
    expect(await countGold(db)).toBe(1); // cached
    expect(await countGold(db, true)).toBe(2); // bypassed
  });

  it("does not answer from before a change this isolate acknowledged: inserts, deletes and updates", async () => {
    const db = await seeded();
    expect(await countGold(db)).toBe(1);
    await call("POST", "/v1/insert?wait=true", { key: db.write, body: { b: { plan: "gold" } } });
    expect(await countGold(db)).toBe(2);
    await writeElsewhere(db, "c");
    expect(await countGold(db), "still cached after the isolate's own write").toBe(2);
    const del = await call("POST", "/v1/delete", { key: db.master, body: { query: [{ "entity-id": { equals: "a" } }] } });
    expect(del.status, del.text).toBe(200);
    expect(await countGold(db)).toBe(2); // b and c
    const upd = await call("POST", "/v1/update", { key: db.master, body: { query: [{ "entity-id": { equals: "b" } }], set: { plan: "silver" } } });
    expect(upd.status, upd.text).toBe(200);
    expect(await countGold(db)).toBe(1);
  });

  it("stops answering from before an insert queued without ?wait=true once it can be applied", async () => {
    const db = await seeded();
    expect(await countGold(db)).toBe(1);
    const started = Date.now();
    const r = await call("POST", "/v1/insert", { key: db.write, body: { b: { plan: "gold" } } });
    expect(r.status, r.text).toBe(200);
    let seen = await countGold(db);
    while (seen !== 2 && Date.now() - started < 4_000) {
      await scheduler.wait(50);
      seen = await countGold(db);
    }
    expect(seen).toBe(2);
    expect(Date.now() - started, "well before the 5-second window ends").toBeLessThan(4_000);
  });

  it("never serves one database's answer to another", async () => {
    const one = await seeded();
    const two = await seeded();
    await call("POST", "/v1/insert?wait=true", { key: two.write, body: { b: { plan: "gold" }, c: { plan: "gold" } } });
    expect(await countGold(one)).toBe(1);
    expect(await countGold(two)).toBe(3);
  });

  it("does not serve an answer computed before a column definition changed", async () => {
    const db = await seeded();
    expect(await countGold(db)).toBe(1);
    await call("POST", "/v1/insert?wait=true", { key: db.write, body: { b: { plan: "gold" } } });
    await call("POST", "/v1/column", { key: db.master, body: { name: "Other", "api-name": "other", type: "integer" } });
    expect(await countGold(db)).toBe(2);
  });

  it("keeps answers sealed in KV: no customer data in the stored value, bound to database and key", async () => {
    const db = await seeded();
    await call("POST", "/v1/insert?wait=true", { key: db.write, body: { "ana@example.com": { plan: "gold" } } });
    const body = { query: [{ plan: { equals: "gold" } }], columns: ["entity-id", "plan"] };
    const first = await call("POST", "/v1/data_extraction/result", { key: db.read, body });
    expect(first.text).toContain("ana@example.com");
    const stored = await env.RESULT_CACHE.list<{ sealed?: boolean }>({ prefix: `q:${db.id}:` });
    expect(stored.keys).toHaveLength(1);
    const entry = stored.keys[0]!;
    expect(entry.metadata?.sealed).toBe(true);
    const raw = new Uint8Array((await env.RESULT_CACHE.get(entry.name, "arrayBuffer"))!);
    expect(new TextDecoder().decode(raw)).not.toContain("ana@example.com");
    const again = await call("POST", "/v1/data_extraction/result", { key: db.read, body });
    expect(again.body.data).toEqual(first.body.data); // opened from the cache

    const sealing = { secrets: { current: "test-data-key-secret", previous: null }, db: db.id };
    const key = cacheKeyOf(db.id, 1, "sealed-plan");
    const t0 = Date.now();
    await writeCached(env.RESULT_CACHE, key, '{"result":{"q":7}}', t0, { freshMs: 5_000, sealing });
    expect(await readCached(env.RESULT_CACHE, key, t0 + 1, { freshMs: 5_000, sealing })).toBe('{"result":{"q":7}}');
    expect(await readCached(env.RESULT_CACHE, key, t0 + 1, { freshMs: 5_000, sealing: { ...sealing, db: "feedfacefeedfacefeed" } })).toBeNull(); // another database's key
    expect(await readCached(env.RESULT_CACHE, key, t0 + 1, { freshMs: 5_000, sealing: null })).toBeNull(); // no secret: a miss, not an error
  });

  it("treats entries older than 5 seconds as a miss (KV's TTL alone cannot)", async () => {
    const key = cacheKeyOf("feedfacefeedfacefeed", 1, "plan-hash");
    const t0 = 1_800_000_000_000;
    await writeCached(env.RESULT_CACHE, key, '{"result":{"q":1}}', t0);
    expect(await readCached(env.RESULT_CACHE, key, t0 + 4_900)).toBe('{"result":{"q":1}}');
    expect(await readCached(env.RESULT_CACHE, key, t0 + 5_100)).toBeNull();
    expect(await readCached(env.RESULT_CACHE, key, t0 - 1)).toBeNull(); // written "in the future": not trusted
    expect(await readCached(env.RESULT_CACHE, key, t0 + 50_000, { freshMs: 60_000 })).not.toBeNull(); // a saved query's cache-period
    expect(await readCached(env.RESULT_CACHE, cacheKeyOf("feedfacefeedfacefeed", 2, "plan-hash"), t0 + 1)).toBeNull();
  });
});
