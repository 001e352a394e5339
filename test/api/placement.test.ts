// Copies apart (issue 17, item 2): placement and jurisdiction given at database creation are
// validated, stored with the database and answered back; every shard stub is built with the copy's
// location hint and the database's jurisdiction; an object reached outside the jurisdiction refuses.
// Locally neither has a visible effect (workerd runs every object in one process and implements no
// jurisdictions), so both are verified where they are handed to the runtime: shardStubOn called with
// a recorder around the real SHARD binding; and creation refuses a jurisdiction workerd cannot open.

import { createMessageBatch, runInDurableObject } from "cloudflare:test";
import { consumeIngest } from "../../src/ingest/consumer";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { catalogOf, shardStubOn, type ShardNamespace } from "../../durable-objects/stubs";
import { shardAddress, shardObjectName, type ShardAddress } from "../../contract/shard-rpc";
import type { DatabaseInfo } from "../../contract/schema";
import type { IngestMessage } from "../../contract/queue-messages";
import { adminCall, call, firstError } from "../helpers/api";

type Shard = DurableObjectNamespace<import("../../src/index").ShardDO>;

/**
 * The real SHARD binding, recording what each stub was asked with (jurisdiction, name, hint). workerd
 * implements no jurisdictions ("Jurisdiction restrictions are not implemented in workerd"), so the
 * recorder's sub-namespace only tags the calls and builds ids in the real top-level namespace: the
 * test can check that the factory asked for it, not that the platform honoured it.
 */
function recording(
  real: Shard,
  calls: Array<{ jurisdiction: string | null; name: string; hint: string | null }>,
  jurisdiction: string | null = null,
): ShardNamespace<import("../../src/index").ShardDO> {
  const names = new Map<string, string>();
  return {
    jurisdiction: (j) => recording(real, calls, j),
    idFromName: (name) => {
      const id = real.idFromName(name);
      names.set(id.toString(), name);
      return id;
    },
    get: (id, options) => {
      calls.push({ jurisdiction, name: names.get(id.toString()) ?? "?", hint: options?.locationHint ?? null });
      return real.get(id, options);
    },
  };
}

async function create(body: Record<string, unknown>) {
  return adminCall("POST", "/admin/databases", { name: "placed", shards: 2, ...body });
}

describe("placement of shard copies", () => {
  it("stores placement and jurisdiction with the database and answers them in its info", async () => {
    const r = await create({ replicas: 2, placement: ["wnam", "weur", "apac"] });
    expect(r.status, r.text).toBe(201);
    expect(r.body.database).toMatchObject({ replicas: 2, placement: ["wnam", "weur", "apac"], jurisdiction: null });
    const id = r.body.database.id as string;
    const listed = (await adminCall("GET", "/admin/databases")).body.databases.find((d: { id: string }) => d.id === id);
    expect(listed).toMatchObject({ placement: ["wnam", "weur", "apac"], jurisdiction: null });
    // Every copy was created by the creation call itself (a hint counts only then), before anything
    // else touched it, and knows the placement: a primary needs it to reach its replicas with their hints.
    const identity = await runInDurableObject(env.SHARD.get(env.SHARD.idFromName(shardObjectName(id, 1, 0))), (_: unknown, state: DurableObjectState) =>
      state.storage.sql.exec(`SELECT value FROM shard_meta WHERE key = 'identity'`).one(),
    );
    expect(JSON.parse(identity["value"] as string)).toMatchObject({ db: id, shard: 1, copy: 0, replicas: 2, placement: ["wnam", "weur", "apac"] });
    const health = await adminCall("GET", `/admin/databases/${id}/health`);
    expect(health.body.database.placement).toEqual(["wnam", "weur", "apac"]);
    expect(health.body.shards).toHaveLength(6);
  });

  it("keeps feeding the replicas of a placed database through inserts", async () => {
    const r = await create({ shards: 1, replicas: 2, placement: ["weur", "enam"] });
    const keys = r.body["api-keys"];
    const ins = await call("POST", "/v1/insert?wait=true", { key: keys.write, body: { a: { name: "x" }, b: { name: "y" }, c: { name: "z" }, "auto-create": ["column"] } });
    expect(ins.status, ins.text).toBe(200);
    // Messages queued before placement existed address the primary without it: the primary keeps the one it knows.
    const identity = await runInDurableObject(env.SHARD.get(env.SHARD.idFromName(shardObjectName(r.body.database.id, 0, 0))), (_: unknown, state: DurableObjectState) =>
      state.storage.sql.exec(`SELECT value FROM shard_meta WHERE key = 'identity'`).one(),
    );
    expect(JSON.parse(identity["value"] as string).placement).toEqual(["weur", "enam"]);
    const health = await adminCall("GET", `/admin/databases/${r.body.database.id}/health`);
    expect(health.body.shards.map((s: { copy: number; entities: number }) => [s.copy, s.entities])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
  });

  it("refuses unknown hints and jurisdictions, impossible lengths, and creates nothing", async () => {
    const before = (await adminCall("GET", "/admin/databases")).body.databases.length;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ placement: ["wnam", "mars"] }, /'placement\.1' must be one of wnam, enam, sam, weur, eeur, apac, oc, afr, me/],
      [{ placement: "wnam" }, /'placement' must be an array of location hints/],
      [{ placement: [] }, /'placement' must name at least 1 location hint/],
      [{ placement: ["wnam", "weur", "apac", "oc"] }, /at most 3 location hints/],
      [{ replicas: 0, placement: ["wnam", "weur"] }, /names 2 location hints but the database keeps 1 copies/],
      [{ jurisdiction: "us" }, /'jurisdiction' must be one of eu, fedramp/],
    ];
    for (const [body, message] of cases) {
      const r = await create(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(firstError(r).code).toBe(3003);
      expect(firstError(r).message).toMatch(message);
    }
    expect((await adminCall("GET", "/admin/databases")).body.databases.length).toBe(before);
  });

  it("hands every copy's hint and the jurisdiction to the runtime when a stub is built", async () => {
    const info: DatabaseInfo = { id: "0123456789abcdef0abc", name: "p", description: "", shards: 2, replicas: 2, placement: ["wnam", "weur"], createdAt: "", updatedAt: "" };
    const calls: Array<{ jurisdiction: string | null; name: string; hint: string | null }> = [];
    const ns = recording(env.SHARD, calls);
    for (let copy = 0; copy <= 2; copy++) {
      const addr = shardAddress(info, 1, copy);
      expect((await shardStubOn(ns, addr).ping(addr)).ok).toBe(true); // a real object answered
    }
    // copy i at placement[i % 2]
    expect(calls).toEqual([
      { jurisdiction: null, name: `${info.id}/1/0`, hint: "wnam" },
      { jurisdiction: null, name: `${info.id}/1/1`, hint: "weur" },
      { jurisdiction: null, name: `${info.id}/1/2`, hint: "wnam" },
    ]);
    calls.length = 0;
    const eu = shardAddress({ ...info, jurisdiction: "eu", placement: undefined }, 0, 0);
    shardStubOn(ns, eu);
    shardStubOn(ns, shardAddress({ ...info, placement: undefined }, 0, 0));
    expect(calls).toEqual([
      { jurisdiction: "eu", name: `${info.id}/0/0`, hint: null },
      { jurisdiction: null, name: `${info.id}/0/0`, hint: null }, // no placement: no hint, the platform decides
    ]);
  });

  it("refuses a jurisdiction the runtime cannot open, before anything is created", async () => {
    const before = (await adminCall("GET", "/admin/databases")).body.databases.length;
    const r = await create({ jurisdiction: "eu" });
    expect(r.status, r.text).toBe(400);
    expect(firstError(r).code).toBe(3003);
    expect(firstError(r).message).toMatch(/'jurisdiction' 'eu' is not available on this runtime \(Jurisdiction restrictions are not implemented in workerd\)/);
    expect((await adminCall("GET", "/admin/databases")).body.databases.length).toBe(before);
  });

  it("an object reached outside its database's jurisdiction refuses and stores nothing", async () => {
    // A database recorded as "eu" (as a deployed service would create it; workerd cannot open the
    // namespace), reached by a caller that built the stub without its placement: the global object.
    const id = "0123456789abcdef0eu0";
    const info: DatabaseInfo = { id, name: "eu", description: "", shards: 1, replicas: 0, jurisdiction: "eu", createdAt: "", updatedAt: "" };
    await catalogOf(env, id).init(info, [], null);
    const bare: ShardAddress = { db: id, shard: 0, copy: 0, replicas: 0 };
    const outside = env.SHARD.get(env.SHARD.idFromName(shardObjectName(id, 0, 0)));
    const message: IngestMessage = { v: 2, db: id, shard: 0, replicas: 0, recordId: "outside-1", entitiesJson: "[]" };
    const refused = await outside.apply(bare, [message]);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/reached outside any jurisdiction but the database keeps its data in 'eu'/);
    expect((await outside.ping(bare)).ok).toBe(false); // every call, not only the first
    const health = await outside.health(bare);
    expect([health.appliedRecords, health.entities, health.jurisdiction]).toEqual([0, 0, null]);
    // The same database without a jurisdiction is served by the same kind of object.
    const plain = "0123456789abcdef0e00";
    await catalogOf(env, plain).init({ ...info, id: plain, jurisdiction: undefined }, [], null);
    const addr: ShardAddress = { ...bare, db: plain };
    const ok = await env.SHARD.get(env.SHARD.idFromName(shardObjectName(plain, 0, 0))).apply(addr, [{ ...message, db: plain }]);
    expect(ok.ok).toBe(true);
  });
  it("delivers queued inserts to the primary with its hint and inside the database's jurisdiction", async () => {
    const placed = await create({ shards: 1, replicas: 1, placement: ["weur", "apac"] });
    expect(placed.status, placed.text).toBe(201);
    // A database recorded as "eu", as a deployed service would create it (workerd cannot open the namespace).
    const eu = "0123456789abcdef0eu1";
    await catalogOf(env, eu).init({ id: eu, name: "eu", description: "", shards: 1, replicas: 0, jurisdiction: "eu", createdAt: "", updatedAt: "" }, [], null);
    const calls: Array<{ jurisdiction: string | null; name: string; hint: string | null }> = [];
    const recorded = { ...env, SHARD: recording(env.SHARD, calls) } as unknown as Env;
    for (const db of [placed.body.database.id as string, eu]) {
      const body: IngestMessage = { v: 2, db, shard: 0, replicas: db === eu ? 0 : 1, recordId: `placed-${db}`, entitiesJson: "[]" };
      const batch = createMessageBatch<IngestMessage>("sliced-ingest", [{ id: `m-${db}`, timestamp: new Date(), attempts: 1, body }]);
      await consumeIngest(batch, recorded);
    }
    expect(calls).toEqual([
      { jurisdiction: null, name: `${placed.body.database.id}/0/0`, hint: "weur" },
      { jurisdiction: "eu", name: `${eu}/0/0`, hint: null },
    ]);
  });
});
