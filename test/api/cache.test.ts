// The 5-second result cache: identical queries within the window share an answer, bypass-cache and
// schema changes skip it, databases never share entries, and freshness is decided by the write time.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cacheKeyOf, readCached, writeCached } from "../../src/cache";
import { call, createDatabase, type TestDatabase } from "../helpers/api";

async function seeded(): Promise<TestDatabase> {
  const db = await createDatabase({ shards: 2 });
  await call("POST", "/v1/column", { key: db.master, body: { name: "Plan", "api-name": "plan", type: "string" } });
  await call("POST", "/v1/insert?wait=true", { key: db.write, body: { a: { plan: "gold" } } });
  return db;
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
    await call("POST", "/v1/insert?wait=true", { key: db.write, body: { b: { plan: "gold" } } });
    expect(await countGold(db)).toBe(1); // cached
    expect(await countGold(db, true)).toBe(2); // bypassed
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

  it("treats entries older than 5 seconds as a miss (KV's TTL alone cannot)", async () => {
    const key = cacheKeyOf("feedfacefeedfacefeed", 1, "plan-hash");
    const t0 = 1_800_000_000_000;
    await writeCached(env.RESULT_CACHE, key, '{"result":{"q":1}}', t0);
    expect(await readCached(env.RESULT_CACHE, key, t0 + 4_900)).toBe('{"result":{"q":1}}');
    expect(await readCached(env.RESULT_CACHE, key, t0 + 5_100)).toBeNull();
    expect(await readCached(env.RESULT_CACHE, key, t0 - 1)).toBeNull(); // written "in the future": not trusted
    expect(await readCached(env.RESULT_CACHE, key, t0 + 50_000, 60_000)).not.toBeNull(); // a saved query's cache-period
    expect(await readCached(env.RESULT_CACHE, cacheKeyOf("feedfacefeedfacefeed", 2, "plan-hash"), t0 + 1)).toBeNull();
  });
});
