// Inserts through the Worker: the full body format of API.md §5, every validation error (the whole
// request is refused and nothing is stored), limits, ?wait=true and Idempotency-Key.

import { beforeAll, describe, expect, it } from "vitest";
import { COLUMNS_PER_REQUEST_MAX, INSERT_BODY_BYTES_MAX, INSERT_ENTITIES_MAX, INSERT_VALUES_MAX } from "../../contract/limits";
import { adminCall, call, createDatabase, firstError, type TestDatabase } from "../helpers/api";

describe("insert", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase({ shards: 3 });
    const r = await call("POST", "/v1/column", {
      key: db.master,
      body: [
        { name: "Name", "api-name": "name", type: "string" },
        { name: "Age", "api-name": "age", type: "integer" },
        { name: "Fee", "api-name": "fee", type: "decimal", "decimal-places": 2 },
        { name: "Active", "api-name": "active", type: "boolean" },
        { name: "Signup", "api-name": "signup", type: "date" },
        { name: "Seen", "api-name": "seen", type: "datetime" },
        { name: "Logins", "api-name": "logins", type: "string-event" },
        { name: "Clicks", "api-name": "clicks", type: "integer-event" },
      ],
    });
    expect(r.status, r.text).toBe(200);
  });

  const count = async (query: unknown, dimension?: string): Promise<number> => {
    const r = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "q", query, "bypass-cache": true, ...(dimension ? { dimension } : {}) } });
    expect(r.status, r.text).toBe(200);
    return r.body.result.q;
  };
  const countEvents = async (query: unknown): Promise<number> => {
    const r = await call("POST", "/v1/query/count/event", { key: db.read, body: { "query-name": "q", query, "bypass-cache": true } });
    expect(r.status, r.text).toBe(200);
    return r.body.result.q;
  };
  const insert = (body: unknown, opts: { wait?: boolean; idem?: string } = {}) =>
    call("POST", `/v1/insert${opts.wait === false ? "" : "?wait=true"}`, { key: db.write, body, headers: opts.idem ? { "idempotency-key": opts.idem } : {} });

  it("stores every type, normalised, and answers the SlicingDice insert response", async () => {
    const r = await insert({
      "cust-1": {
        name: "Ana MARIA",
        age: 31,
        fee: 19.9,
        active: "true",
        signup: "2017-03-02",
        seen: "2018-02-02T00:00:31-03:00",
        logins: [
          { value: "Web", date: "2017-05-01T10:00:00Z" },
          { value: "mobile", date: "2017-05-02T08:30:00-03:00" },
        ],
        clicks: { value: 3, date: "2017-05-03" },
      },
      "cust-2": { name: "bob", age: "40", active: false },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ status: "success", "inserted-entities": 2, "inserted-columns": 11 });
    expect(typeof r.body.took).toBe("number");
    expect(await count([{ name: { equals: "ana maria" } }])).toBe(1);
    expect(await count([{ active: { equals: "false" } }])).toBe(1);
    expect(await count([{ age: { equals: 40 } }])).toBe(1);
    expect(await count([{ seen: { equals: "2018-02-02T03:00:31Z" } }])).toBe(1);
    expect(await countEvents([{ logins: { equals: "web", between: ["2017-05-01", "2017-05-02"] } }])).toBe(1);
    expect(await countEvents([{ logins: { equals: "mobile", between: ["2017-05-02T11:30:00Z", "2017-05-02T11:30:00Z"] } }])).toBe(1);
  });

  it("stamps events without a date with the insertion time", async () => {
    await insert({ "cust-3": { logins: { value: "tv" } } });
    expect(await countEvents([{ logins: { equals: "tv", between: ["now", "-1min"] } }])).toBe(1);
  });

  it("re-inserting an entity overwrites latest values and appends events", async () => {
    await insert({ over: { name: "first", clicks: [{ value: 1, date: "2017-01-01" }] } });
    await insert({ over: { name: "second", clicks: [{ value: 1, date: "2017-01-01" }] } });
    expect(await count([{ name: { equals: "first" } }])).toBe(0);
    expect(await count([{ name: { equals: "second" } }])).toBe(1);
    expect(await countEvents([{ clicks: { equals: 1, between: ["2017-01-01", "2017-01-02"] } }])).toBe(2);
  });

  it("routes entities to dimensions and auto-creates dimensions and columns with inferred types", async () => {
    const r = await insert({
      u1: { dimension: "users", city: "Natal", visits: 3, score: 2.5, vip: true, joined: "2017-07-17", last: "2018-01-01T10:00:00Z", views: [{ value: "home", date: "2017-05-22T00:00:00Z" }] },
      "auto-create": ["dimension", "column"],
    });
    expect(r.status, r.text).toBe(200);
    const cols = await call("GET", "/v1/column", { key: db.master });
    const types = Object.fromEntries(cols.body.active.filter((c: { dimension: string }) => c.dimension === "users").map((c: { "api-name": string; type: string }) => [c["api-name"], c.type]));
    expect(types).toEqual({ city: "string", visits: "integer", score: "decimal", vip: "boolean", joined: "date", last: "datetime", views: "string-event" });
    expect(await count([{ city: { equals: "natal" } }], "users")).toBe(1);
    expect(await count([{ "entity-id": { equals: "u1" } }])).toBe(0); // the default dimension does not hold it
  });

  it("auto-creates no more columns in one insert than POST /v1/column allows, and then creates nothing", async () => {
    const before = (await call("GET", "/v1/column", { key: db.master })).body.active.length;
    const wide = Object.fromEntries(Array.from({ length: COLUMNS_PER_REQUEST_MAX + 1 }, (_, i) => [`wide${i}`, i]));
    const r = await insert({ w1: wide, "auto-create": ["column"] });
    expect(r.status, r.text).toBe(400);
    expect(firstError(r).code).toBe(44);
    expect((await call("GET", "/v1/column", { key: db.master })).body.active.length).toBe(before);
    const ok = await insert({ w1: Object.fromEntries(Object.entries(wide).slice(0, COLUMNS_PER_REQUEST_MAX)), "auto-create": ["column"] });
    expect(ok.status, ok.text).toBe(200);
  });

  const invalid: Array<[string, unknown, number]> = [
    ["a body that is a list", [{ a: 1 }], 108],
    ["an entity that is not an object", { e1: "x" }, 61],
    ["an empty entity id", { "": { name: "x" } }, 58],
    ["an unknown column", { e1: { nope: "x" } }, 67],
    ["an unknown dimension", { e1: { name: "x", dimension: "ghosts" } }, 2010],
    ["a bad auto-create", { e1: { name: "x" }, "auto-create": "column" }, 2011],
    ["an object in a string column", { e1: { name: { first: "x" } } }, 63],
    ["an empty string", { e1: { name: "" } }, 71],
    ["a string too long", { e1: { name: "x".repeat(1001) } }, 65],
    ["text in an integer column", { e1: { age: "old" } }, 73],
    ["a fraction in an integer column", { e1: { age: 1.5 } }, 63],
    ["too many decimal places", { e1: { fee: 1.234 } }, 60],
    ["a bad boolean", { e1: { active: "yes" } }, 63],
    ["a bad date", { e1: { signup: "2017-02-30" } }, 70],
    ["a bad datetime", { e1: { seen: "yesterday" } }, 70],
    ["an event without value", { e1: { logins: { date: "2017-01-01" } } }, 74],
    ["an event with an unknown key", { e1: { logins: { value: "x", when: "2017-01-01" } } }, 72],
    ["an event with a bad date", { e1: { logins: { value: "x", date: "soon" } } }, 66],
  ];
  for (const [what, body, code] of invalid) {
    it(`refuses ${what} (code ${code}) and stores nothing of the request`, async () => {
      // a valid entity travels with the invalid one: it must not be stored either
      const withGood = Array.isArray(body) ? body : { "good-one": { name: `valid-${code}` }, ...(body as object) };
      const r = await insert(withGood);
      expect(r.status, r.text).toBe(400);
      expect(firstError(r).code).toBe(code);
      expect(await count([{ name: { equals: `valid-${code}` } }])).toBe(0);
    });
  }

  it("enforces the entity, value and body-size limits with SlicingDice's codes", async () => {
    const many = Object.fromEntries(Array.from({ length: INSERT_ENTITIES_MAX + 1 }, (_, i) => [`e${i}`, { age: i }]));
    const r1 = await insert(many);
    expect(firstError(r1).code).toBe(2012);
    expect(firstError(r1).message).toContain(String(INSERT_ENTITIES_MAX));
    const events = Array.from({ length: INSERT_VALUES_MAX + 1 }, () => ({ value: 1, date: "2017-01-01" }));
    const r2 = await insert({ e1: { clicks: events } });
    expect(firstError(r2).code).toBe(2013);
    const r3 = await call("POST", "/v1/insert", { key: db.write, raw: JSON.stringify({ e1: { name: "x".repeat(INSERT_BODY_BYTES_MAX) } }) });
    expect(r3.status).toBe(413);
    expect(firstError(r3).code).toBe(1507);
  });

  it("applies a retried insert with the same Idempotency-Key once", async () => {
    const body = { idem: { clicks: [{ value: 7, date: "2016-06-06T06:06:06Z" }] } };
    const a = await insert(body, { idem: "order-77" });
    const b = await insert(body, { idem: "order-77" });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await countEvents([{ clicks: { equals: 7, between: ["2016-06-06", "2016-06-07"] } }])).toBe(1);
    await insert(body, { idem: "order-78" });
    expect(await countEvents([{ clicks: { equals: 7, between: ["2016-06-06", "2016-06-07"] } }])).toBe(2);
    const bad = await insert(body, { idem: "k".repeat(201) });
    expect(firstError(bad).code).toBe(2014);
  });

  it("refuses an Idempotency-Key reused with a different body, and applies nothing of it", async () => {
    const first = await insert({ idem2: { clicks: [{ value: 8, date: "2016-07-07T07:07:07Z" }] } }, { idem: "order-90" });
    expect(first.status, first.text).toBe(200);
    const other = await insert({ idem3: { clicks: [{ value: 9, date: "2016-07-07T07:07:07Z" }] }, idem4: { name: "never" } }, { idem: "order-90" });
    expect(other.status, other.text).toBe(422);
    expect(firstError(other).code).toBe(2015);
    expect(await countEvents([{ clicks: { equals: 9, between: ["2016-07-07", "2016-07-08"] } }])).toBe(0);
    expect(await count([{ name: { equals: "never" } }])).toBe(0);
    // the same body again replays the first answer
    const again = await insert({ idem2: { clicks: [{ value: 8, date: "2016-07-07T07:07:07Z" }] } }, { idem: "order-90" });
    expect({ ...again.body, took: 0 }).toEqual({ ...first.body, took: 0 });
    expect(await countEvents([{ clicks: { equals: 8, between: ["2016-07-07", "2016-07-08"] } }])).toBe(1);
  });

  it("scopes an Idempotency-Key to its API key and operation: another key or an SQL INSERT is its own request", async () => {
    const body = { idem5: { clicks: [{ value: 10, date: "2016-08-08T08:08:08Z" }] } };
    expect((await insert(body, { idem: "shared-1" })).status).toBe(200);
    const byMaster = await call("POST", "/v1/insert?wait=true", { key: db.master, body, headers: { "idempotency-key": "shared-1" } });
    expect(byMaster.status, byMaster.text).toBe(200);
    expect(await countEvents([{ clicks: { equals: 10, between: ["2016-08-08", "2016-08-09"] } }])).toBe(2);
    const sql = await call("POST", "/v1/sql?wait=true", {
      key: db.write,
      raw: "INSERT INTO default([entity-id], name) VALUES('idem6', 'from-sql')",
      headers: { "content-type": "application/sql", "idempotency-key": "shared-1" },
    });
    expect(sql.status, sql.text).toBe(200);
    expect(await count([{ name: { equals: "from-sql" } }])).toBe(1);
  });

  it("without ?wait=true acknowledges at once and the data arrives through the queue", async () => {
    const r = await insert({ later: { name: "eventually" } }, { wait: false });
    expect(r.status).toBe(200);
    let n = 0;
    for (let i = 0; i < 100 && n === 0; i++) {
      n = await count([{ name: { equals: "eventually" } }]);
      if (n === 0) await scheduler.wait(50);
    }
    expect(n).toBe(1);
  });
});

describe("insert ?wait=true when a primary shard is down", () => {
  it("answers 504 (code 4002) after the bounded wait, and the queued data is applied once the shard is back", { timeout: 30_000 }, async () => {
    const db = await createDatabase({ shards: 1, replicas: 0 });
    await call("POST", "/v1/column", { key: db.master, body: { name: "Plan", "api-name": "plan", type: "string" } });
    await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 0, mode: "down" });
    const started = Date.now();
    const r = await call("POST", "/v1/insert?wait=true", { key: db.write, body: { late: { plan: "queued" } } });
    expect(r.status, r.text).toBe(504);
    expect(firstError(r).code).toBe(4002);
    expect(firstError(r).message).toMatch(/stay queued/);
    expect(Date.now() - started).toBeLessThan(10_000);
    await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 0, mode: "none" });
    let n = 0;
    for (let i = 0; i < 150 && n === 0; i++) {
      await scheduler.wait(100);
      const q = await call("POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "q", "bypass-cache": true, query: [{ plan: { equals: "queued" } }] } });
      n = q.body.result.q;
    }
    expect(n).toBe(1); // redelivered by the queue after the outage, applied once
  });

  it("keeps the whole wait within INSERT_WAIT_MS when the primary is slow (each poll gets only what is left)", { timeout: 30_000 }, async () => {
    const db = await createDatabase({ shards: 1, replicas: 0 });
    await call("POST", "/v1/column", { key: db.master, body: { name: "Plan", "api-name": "plan", type: "string" } });
    await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 0, mode: "slow" }); // holds each call 60 s
    const started = Date.now();
    const r = await call("POST", "/v1/insert?wait=true", { key: db.write, body: { slow: { plan: "held" } } });
    const took = Date.now() - started;
    expect(r.status, r.text).toBe(504);
    expect(firstError(r).code).toBe(4002);
    expect(took).toBeLessThan(3_000 + 2_000); // INSERT_WAIT_MS is 3000 in the tests; one poll alone would take 60 s
    await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 0, mode: "none" });
  });
});
