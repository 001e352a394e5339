// The typed client (client/) against the real Worker (its fetch handler, real bindings): every
// method of SlicedClient and SlicedAdmin sends what its route takes and gets the answer its type
// says; refusals arrive as SlicedError with the SlicingDice codes and messages of the envelope.

import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { SlicedAdmin, SlicedClient, SlicedError, type CountAnswer, type ExtractionRow, type NamedQuery } from "../../client/index";
import { ADMIN_TOKEN, BASE } from "../helpers/api";

/** The Worker's own fetch handler stands where the network would be. */
const workerFetch = ((input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init))) as typeof fetch;

const admin = new SlicedAdmin({ base: BASE, adminToken: ADMIN_TOKEN, fetch: workerFetch });
const clientFor = (key: string) => new SlicedClient({ base: BASE, key, fetch: workerFetch });

async function refusal(p: Promise<unknown>): Promise<SlicedError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(SlicedError);
  return e as SlicedError;
}

describe("typed client against the Worker", () => {
  let dbId: string;
  let master: SlicedClient;
  let write: SlicedClient;
  let read: SlicedClient;

  beforeAll(async () => {
    const created = await admin.createDatabase({ name: "client", shards: 2 });
    dbId = created.database.id;
    master = clientFor(created["api-keys"].master);
    write = clientFor(created["api-keys"].write);
    read = clientFor(created["api-keys"].read);
    await master.createColumns([
      { name: "Plan", "api-name": "plan", type: "string" },
      { name: "Seats", "api-name": "seats", type: "integer" },
      { name: "Visits", "api-name": "visits", type: "string-event" },
    ]);
    const inserted = await write.insert(
      {
        u1: { plan: "gold", seats: 3, visits: [{ value: "web", date: "2024-01-02T00:00:00Z" }] },
        u2: { plan: "gold", seats: 5, visits: { value: "app", date: "2024-01-03T00:00:00Z" } },
        u3: { plan: "silver", seats: 1 },
      },
      { wait: true },
    );
    expect(inserted["inserted-entities"]).toBe(3);
  });

  it("reads the service, the database and its columns", async () => {
    const service = await read.service();
    expect(service.openapi).toMatch(/openapi\.json$/);
    expect((await read.openapi())["openapi"]).toMatch(/^3\./);
    const database = await master.database();
    expect([database.status, database.name, database.dimensions]).toEqual(["success", "client", ["default"]]);
    const columns = await master.columns();
    expect(columns.active.map((c) => [c["api-name"], c.type]).sort()).toEqual([
      ["plan", "string"],
      ["seats", "integer"],
      ["visits", "string-event"],
    ]);
  });

  it("reads and sets the database's browser origins", async () => {
    expect((await master.corsOrigins())["allowed-origins"]).toEqual([]);
    expect((await master.setCorsOrigins(["https://dash.example.com"]))["allowed-origins"]).toEqual(["https://dash.example.com"]);
    expect((await master.corsOrigins())["allowed-origins"]).toEqual(["https://dash.example.com"]);
    expect((await master.setCorsOrigins([]))["allowed-origins"]).toEqual([]);
  });

  it("changes and deactivates a column", async () => {
    await master.createColumn({ name: "Note", "api-name": "note", type: "string" });
    expect((await master.updateColumn("note", { description: "free text" }))["api-name"]).toBe("note");
    expect(await master.deactivateColumn("note")).toMatchObject({ "api-name": "note", active: false });
    expect((await master.columns()).inactive.map((c) => c["api-name"])).toEqual(["note"]);
  });

  it("counts entities and events, the total, and existence", async () => {
    const counts = await read.countEntity([
      { "query-name": "gold", query: [{ plan: { equals: "gold" } }], "bypass-cache": true },
      { "query-name": "big", query: [{ seats: { gte: 3 } }], "bypass-cache": true },
    ]);
    expectTypeOf(counts).toEqualTypeOf<CountAnswer>();
    expect(counts.result).toEqual({ gold: 2, big: 2 });
    expect((await read.total({ "bypass-cache": true })).result.total).toBe(3);
    const events = await read.countEvent({ "query-name": "web", query: [{ visits: { equals: "web", between: ["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"] } }] });
    expect(events.result).toEqual({ web: 1 });
    expect(await read.exists({ ids: ["u1", "u9"] })).toMatchObject({ exists: ["u1"], "not-exists": ["u9"] });
  });

  it("answers top values and aggregations", async () => {
    const top = await read.topValues({ plans: { plan: 2 } });
    expect(top.result["plans"]!["plan"]).toEqual([
      { value: "gold", quantity: 2 },
      { value: "silver", quantity: 1 },
    ]);
    const agg = await read.aggregation({ query: [{ plan: 2 }, { seats: "sum" }] });
    expect(agg.result["plan"]).toEqual([
      { value: "gold", quantity: 2, seats: { sum: 8 } },
      { value: "silver", quantity: 1, seats: { sum: 1 } },
    ]);
  });

  it("extracts results page by page, and scores", async () => {
    const seen: ExtractionRow[] = [];
    let pages = 0;
    for await (const page of read.resultPages({ columns: ["entity-id", "plan"], limit: 2 })) {
      pages++;
      seen.push(...page.data);
    }
    expect(pages).toBe(2);
    expect(seen.map((r) => [r["entity-id"], r["plan"]]).sort()).toEqual([
      ["u1", "gold"],
      ["u2", "gold"],
      ["u3", "silver"],
    ]);
    const scored = await read.score({ query: [{ plan: { equals: "gold" } }, "or", { seats: { gte: 5 } }], columns: ["entity-id"] });
    expect(scored.data.map((r) => [r["entity-id"], r.score]).sort()).toEqual([
      ["u1", 1],
      ["u2", 2],
    ]);
  });

  it("creates, lists, runs, replaces and deletes a saved query", async () => {
    await master.createSavedQuery({ name: "golds", type: "count/entity", query: [{ plan: { equals: "gold" } }] });
    expect((await master.savedQueries())["saved-queries"].map((q) => q.name)).toEqual(["golds"]);
    expect(await read.runSavedQuery("golds")).toMatchObject({ type: "count/entity", result: { query: 2 } });
    expect(await master.replaceSavedQuery("golds", { type: "count/entity", query: [{ plan: { equals: "silver" } }] })).toMatchObject({ type: "count/entity" });
    expect(await read.runSavedQuery("golds")).toMatchObject({ result: { query: 1 } });
    expect((await master.deleteSavedQuery("golds"))["deleted-query"]).toBe("golds");
    expect((await refusal(read.runSavedQuery("golds"))).status).toBe(404);
  });

  it("runs SQL, updates and deletes entities", async () => {
    const rows = await read.sql("SELECT plan, COUNT(*) AS n FROM default GROUP BY plan ORDER BY plan");
    expect("count" in rows && rows.result).toEqual([
      { plan: "gold", n: 2 },
      { plan: "silver", n: 1 },
    ]);
    expect((await write.sql("INSERT INTO default (\"entity-id\", plan, seats) VALUES ('u4', 'bronze', 2)", { wait: true }))["status"]).toBe("success");
    expect((await master.updateEntities({ query: [{ "entity-id": { equals: "u4" } }], set: { plan: "silver" } })).result.updated).toBe(1);
    expect((await master.deleteEntities({ query: [{ "entity-id": { equals: "u4" } }] })).result.deleted).toBe(1);
    expect((await read.total({ "bypass-cache": true })).result.total).toBe(3);
  });

  it("applies an insert sent twice with one Idempotency-Key once", async () => {
    const body = { u5: { visits: { value: "web", date: "2024-05-01T00:00:00Z" } } };
    await write.insert(body, { wait: true, idempotencyKey: "client-test/1" });
    await write.insert(body, { wait: true, idempotencyKey: "client-test/1" });
    const q: NamedQuery = { "query-name": "may", query: [{ visits: { equals: "web", between: ["2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z"] } }], "bypass-cache": true };
    expect((await read.countEvent(q)).result).toEqual({ may: 1 });
  });

  it("manages API keys with the master key", async () => {
    const made = await master.createKey({ name: "dashboard", level: "read" });
    expect(made["api-key"]).toMatch(/^sk_/);
    expect((await clientFor(made["api-key"]).total()).result).toEqual((await read.total()).result);
    expect((await master.keys()).keys.map((k) => k.name)).toContain("dashboard");
    expect((await master.revokeKey(made.id)).revoked.id).toBe(made.id);
    expect((await refusal(clientFor(made["api-key"]).total())).status).toBe(401);
  });

  it("raises SlicedError with the envelope's codes and messages", async () => {
    const unknownColumn = await refusal(read.countEntity({ "query-name": "q", query: [{ nope: { equals: 1 } }] }));
    expect([unknownColumn.status, unknownColumn.code, unknownColumn.retryable]).toEqual([400, 85, false]);
    expect(unknownColumn.errors[0]!.message).toMatch(/nope/);
    expect(unknownColumn.message).toMatch(/^POST \/v1\/query\/count\/entity: HTTP 400: 85 /);
    const readOnly = await refusal(read.insert({ u9: { plan: "gold" } }));
    expect(readOnly.status).toBe(403);
    expect(readOnly.code).not.toBeNull();
    const badKey = await refusal(clientFor("sk_not_a_key").database());
    expect([badKey.status, badKey.path]).toEqual([401, "/v1/database"]);
    const reply = await read.exchange({ method: "GET", route: "/v1/keys", path: "/v1/keys", credential: "key" });
    expect([reply.ok, reply.status]).toEqual([false, 403]);
  });

  it("runs the operator API", async () => {
    expect((await admin.databases()).databases.map((d) => d.id)).toContain(dbId);
    const health = await admin.health(dbId);
    expect([health.database.id, health.shards.length, health["dead-letters"]]).toEqual([dbId, 2 * (health.database.replicas + 1), 0]);
    // The typed answer carries what the Worker sends (placement, restores, the intake's backlog).
    expect([health.database.placement, health.database.jurisdiction, health.restoring, health["refusing-queries"], typeof health.intake.pending]).toEqual([null, null, [], [], "number"]);
    expect((await admin.deadLetters(dbId))["dead-letters"]).toEqual([]);
    expect((await admin.noop(dbId)).shards).toBe(2);
    const rotated = await admin.rotateMasterKey(dbId);
    expect(rotated.level).toBe("master");
    const rotatedMaster = clientFor(rotated["api-key"]);
    expect((await rotatedMaster.keys()).keys.length).toBeGreaterThanOrEqual(3);
    const again = await rotatedMaster.rotateMasterKey();
    expect([again.level, (await refusal(rotatedMaster.keys())).status]).toEqual(["master", 401]);
    expect(await admin.fault(dbId, { shard: 1, replica: 0, mode: "none" })).toMatchObject({ shard: 1, replica: 0, mode: "none" });
    const taken = await admin.backup(dbId);
    expect([taken.snapshot.startsWith("manual-"), taken.shards]).toEqual([true, 2]);
    expect((await admin.backups(dbId)).backups.map((b) => b.snapshot)).toContain(taken.snapshot);
    expect(await admin.restore(dbId, { snapshot: taken.snapshot })).toMatchObject({ restored: taken.snapshot, shards: 2 });
    expect((await read.total({ "bypass-cache": true })).result.total).toBe(4);
    const wrongToken = await refusal(new SlicedAdmin({ base: BASE, adminToken: "wrong", fetch: workerFetch }).databases());
    expect(wrongToken.status).toBe(401);
    const other = await admin.createDatabase({ name: "gone", shards: 1 });
    expect((await admin.deleteDatabase(other.database.id)).deleted).toBe(other.database.id);
  });
});
