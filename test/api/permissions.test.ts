// Custom keys through the Worker: every query endpoint, saved queries, SQL, inserts, delete and
// update refuse a column a key may not touch (as missing when no grant names it, else 403 / code 16),
// work on granted columns, and answer a forbidden column exactly like one that does not exist.

import { beforeAll, describe, expect, it } from "vitest";
import { call, createDatabase, firstError, type Reply, type TestDatabase } from "../helpers/api";

const sqlCall = (key: string, text: string) => call("POST", "/v1/sql", { key, raw: text, headers: { "content-type": "application/sql" } });

/**
 * Refused: 403 / 16 naming the column when the key's own grants name it (for the other access), else
 * exactly as a column that does not exist is refused (400 / 85), so forbidden names cannot be probed.
 */
function expectDenied(r: Reply, column: string): void {
  if (r.status === 403) {
    expect(firstError(r).code, r.text).toBe(16);
    expect(firstError(r).message).toContain(`"${column}"`);
    return;
  }
  expect(r.status, r.text).toBe(400);
  expect(firstError(r).code, r.text).toBe(85);
  expect(firstError(r).message).toMatch(new RegExp(`"${column}" does not exist|unknown column ${column}\\b`));
}

function expectOk(r: Reply): void {
  expect(r.status, r.text).toBe(200);
}

describe("custom key permissions", () => {
  let db: TestDatabase;
  let partial: string; // query: default [name, age, logins], customers "*"; insert: default [name]
  let writer: string; // query: default [name]; insert: default "*"
  let narrow: string; // query: default only

  const newKey = async (permissions: unknown): Promise<string> => {
    const r = await call("POST", "/v1/keys", { key: db.master, body: { name: "k", level: "custom", permissions } });
    expect(r.status, r.text).toBe(201);
    return r.body["api-key"];
  };

  beforeAll(async () => {
    db = await createDatabase({ shards: 2 });
    const cols = await call("POST", "/v1/column", {
      key: db.master,
      body: [
        { name: "Name", "api-name": "name", type: "string" },
        { name: "Age", "api-name": "age", type: "integer" },
        { name: "Secret", "api-name": "secret", type: "string" },
        { name: "Logins", "api-name": "logins", type: "string-event" },
        { name: "Ctor", "api-name": "constructor", type: "string" },
        { name: "Plan", "api-name": "plan", type: "string", dimension: "customers" },
      ],
    });
    expectOk(cols);
    const ins = await call("POST", "/v1/insert?wait=true", {
      key: db.master,
      body: {
        e1: { name: "ana", age: 30, secret: "s1", logins: [{ value: "web", date: "2018-01-02T00:00:00Z" }], constructor: "c" },
        e2: { name: "bob", age: 40, secret: "s2" },
        c1: { plan: "gold", dimension: "customers" },
      },
    });
    expectOk(ins);
    partial = await newKey({ query: { default: ["name", "age", "logins"], customers: "*" }, insert: { default: ["name"] } });
    writer = await newKey({ query: { default: ["name"] }, insert: { default: "*" } });
    narrow = await newKey({ query: { default: [] } });
  });

  it("count entity / count event / exists / total", async () => {
    const countEntity = (key: string, query: unknown) => call("POST", "/v1/query/count/entity", { key, body: { "query-name": "q", query, "bypass-cache": true } });
    const r = await countEntity(partial, [{ name: { equals: "ana" } }, "and", { age: { gte: 18 } }]);
    expectOk(r);
    expect(r.body.result.q).toBe(1);
    expectDenied(await countEntity(partial, [{ name: { equals: "ana" } }, "or", { secret: { equals: "s1" } }]), "secret");
    expectDenied(await countEntity(partial, [{ constructor: { equals: "c" } }]), "constructor");
    expectOk(await countEntity(narrow, [{ "entity-id": { equals: "e1" } }]));
    expectOk(await call("POST", "/v1/query/count/event", { key: partial, body: { "query-name": "q", query: [{ logins: { equals: "web", between: ["2018-01-01", "2018-02-01"] } }] } }));
    expectDenied(await call("POST", "/v1/query/count/event", { key: writer, body: { "query-name": "q", query: [{ logins: { equals: "web", between: ["2018-01-01", "2018-02-01"] } }] } }), "logins");
    expectOk(await call("POST", "/v1/query/exists/entity", { key: narrow, body: { ids: ["e1"] } }));
    expectOk(await call("POST", "/v1/query/count/entity/total", { key: partial, body: {} }));
    const total = await call("POST", "/v1/query/count/entity/total", { key: narrow, body: {} });
    expect(total.status).toBe(403);
    expect(firstError(total).message).toMatch(/may not count every dimension/);
    expect(firstError(total).message, "the dimension it lacks is not named").not.toContain("customers");
    expectOk(await call("POST", "/v1/query/count/entity/total", { key: narrow, body: { dimensions: ["default"] } }));
    const other = await call("POST", "/v1/query/exists/entity", { key: narrow, body: { ids: ["c1"], dimension: "customers" } });
    // A dimension the key is granted nowhere is answered like one that does not exist.
    const none = await call("POST", "/v1/query/exists/entity", { key: narrow, body: { ids: ["c1"], dimension: "nosuchdim" } });
    expect(other.status, other.text).toBe(none.status);
    expect(firstError(other).code).toBe(firstError(none).code);
    expect(firstError(other).message.replaceAll("customers", "X")).toBe(firstError(none).message.replaceAll("nosuchdim", "X"));
  });

  it("top values and aggregation", async () => {
    expectOk(await call("POST", "/v1/query/top_values", { key: partial, body: { t: { name: 3 } } }));
    expectDenied(await call("POST", "/v1/query/top_values", { key: partial, body: { t: { secret: 3 } } }), "secret");
    expectOk(await call("POST", "/v1/query/aggregation", { key: partial, body: { query: [{ name: 3 }, { age: "avg" }] } }));
    expectDenied(await call("POST", "/v1/query/aggregation", { key: partial, body: { query: [{ name: 3 }, { secret: 2 }] } }), "secret");
    expectDenied(await call("POST", "/v1/query/aggregation", { key: partial, body: { filter: [{ secret: { equals: "s1" } }], query: [{ name: 3 }] } }), "secret");
  });

  it('result and score: query, columns (also "all") and order', async () => {
    const r = await call("POST", "/v1/data_extraction/result", { key: partial, body: { query: [{ age: { gte: 1 } }], columns: ["name", "age"] } });
    expectOk(r);
    expect(r.body.data).toHaveLength(2);
    expectDenied(await call("POST", "/v1/data_extraction/result", { key: partial, body: { query: [{ age: { gte: 1 } }], columns: ["secret"] } }), "secret");
    const all = await call("POST", "/v1/data_extraction/score", { key: partial, body: { query: [{ age: { gte: 1 } }], columns: "all" } });
    // "all" is every column the key can see: a forbidden one is not there for it (not a 403 hinting at it).
    expectOk(all);
    expect(all.text).not.toMatch(/secret|"s1"|constructor/);
    expect(all.text).toContain("ana");
    expectDenied(await call("POST", "/v1/data_extraction/result", { key: partial, body: { columns: ["name"], order: [{ secret: "asc" }] } }), "secret");
  });

  it("a cached answer is not served to a key that may not see it", async () => {
    const body = { "query-name": "q", query: [{ secret: { equals: "s1" } }] };
    expectOk(await call("POST", "/v1/query/count/entity", { key: db.master, body })); // now cached
    expectDenied(await call("POST", "/v1/query/count/entity", { key: partial, body }), "secret");
  });

  it("saved queries run only when every column they touch is granted", async () => {
    expectOk(await call("POST", "/v1/query/saved", { key: db.master, body: { name: "by-secret", type: "count/entity", query: [{ secret: { equals: "s1" } }] } }));
    expectOk(await call("POST", "/v1/query/saved", { key: db.master, body: { name: "by-name", type: "count/entity", query: [{ name: { equals: "ana" } }] } }));
    expectDenied(await call("GET", "/v1/query/saved/by-secret", { key: partial }), "secret");
    expectOk(await call("GET", "/v1/query/saved/by-name", { key: partial }));
    // Managing saved queries stays with the master key (code 19 for custom keys).
    expect(firstError(await call("GET", "/v1/query/saved", { key: partial })).code).toBe(19);
  });

  it("SQL SELECT and INSERT", async () => {
    expectOk(await sqlCall(partial, "SELECT COUNT(*) FROM default WHERE age > 1"));
    expectDenied(await sqlCall(partial, "SELECT secret FROM default"), "secret");
    expectDenied(await sqlCall(partial, "SELECT name FROM default WHERE secret = 's1'"), "secret");
    const star = await sqlCall(partial, "SELECT * FROM default");
    expectOk(star); // every column the key can see, as with "all"
    expect(star.text).not.toMatch(/secret|"s1"|constructor/);
    expectOk(await sqlCall(partial, "INSERT INTO default([entity-id], name) VALUES('e9', 'zed')"));
    expectDenied(await sqlCall(partial, "INSERT INTO default([entity-id], secret) VALUES('e9', 'x')"), "secret");
  });

  it("inserts: only granted columns and dimensions, never auto-creating", async () => {
    expectOk(await call("POST", "/v1/insert", { key: partial, body: { e3: { name: "cy" } } }));
    expectDenied(await call("POST", "/v1/insert", { key: partial, body: { e3: { name: "cy", age: 3 } } }), "age");
    const dim = await call("POST", "/v1/insert", { key: partial, body: { c2: { plan: "x", dimension: "customers" } } });
    expect(dim.status).toBe(403);
    expect(firstError(dim).code).toBe(16);
    const create = await call("POST", "/v1/insert", { key: writer, body: { e4: { brandnew: "x" }, "auto-create": ["column"] } });
    expect(create.status, create.text).toBe(403);
    expect(firstError(create).code).toBe(15);
    const cols = await call("GET", "/v1/column", { key: writer });
    expect(cols.body.active.map((c: { "api-name": string }) => c["api-name"])).not.toContain("brandnew");
    expect(firstError(await call("POST", "/v1/column", { key: writer, body: { name: "x", "api-name": "x2", type: "string" } })).code).toBe(15);
  });

  it("delete needs insert '*' on the dimension; update needs the set columns", async () => {
    const del = await call("POST", "/v1/delete", { key: partial, body: { query: [{ name: { equals: "nobody" } }] } });
    expect(del.status, del.text).toBe(403);
    expect(firstError(del).code).toBe(16);
    expectOk(await call("POST", "/v1/delete", { key: writer, body: { query: [{ name: { equals: "nobody" } }] } }));
    expectDenied(await call("POST", "/v1/delete", { key: writer, body: { query: [{ age: { equals: 1 } }] } }), "age");
    expectOk(await call("POST", "/v1/update", { key: partial, body: { query: [{ name: { equals: "nobody" } }], set: { name: "x" } } }));
    expectDenied(await call("POST", "/v1/update", { key: partial, body: { query: [{ name: { equals: "nobody" } }], set: { age: 1 } } }), "age");
  });

  it("master-only endpoints answer 19; the column list shows only granted columns", async () => {
    expect(firstError(await call("GET", "/v1/database", { key: partial })).code).toBe(19);
    const cols = await call("GET", "/v1/column", { key: partial });
    expectOk(cols);
    expect(cols.body.active.map((c: { "api-name": string }) => c["api-name"]).sort()).toEqual(["age", "logins", "name", "plan"]);
  });

  it("changes made through refused requests did not happen", async () => {
    const r = await call("POST", "/v1/query/count/entity", { key: db.master, body: { "query-name": "q", query: [{ age: { gte: 0 } }], "bypass-cache": true } });
    expect(r.body.result.q).toBe(2);
  });

  // Issue 15 item 10: 403 / 16 naming a forbidden column vs 400 / 85 for a missing one let a custom
  // key enumerate column names (and a type error, a forbidden column's type).
  it("answers a forbidden column exactly like a missing one, in queries, SQL and inserts", async () => {
    const same = async (what: string, ask: (column: string) => Promise<Reply>) => {
      const forbidden = await ask("secret");
      const missing = await ask("nosuchcol");
      expect(forbidden.status, `${what}: ${forbidden.text}`).toBe(missing.status);
      expect(forbidden.status, what).toBeGreaterThanOrEqual(400);
      expect(firstError(forbidden).code, what).toBe(firstError(missing).code);
      expect(firstError(forbidden).message.replaceAll("secret", "X"), what).toBe(firstError(missing).message.replaceAll("nosuchcol", "X"));
    };
    await same("count entity", (col) => call("POST", "/v1/query/count/entity", { key: partial, body: { "query-name": "q", query: [{ [col]: { equals: "s1" } }], "bypass-cache": true } }));
    await same("type probe", (col) => call("POST", "/v1/query/count/entity", { key: partial, body: { "query-name": "q", query: [{ [col]: { gte: 3 } }], "bypass-cache": true } }));
    await same("top values", (col) => call("POST", "/v1/query/top_values", { key: partial, body: { t: { [col]: 3 } } }));
    await same("extraction", (col) => call("POST", "/v1/data_extraction/result", { key: partial, body: { query: [{ age: { gte: 1 } }], columns: [col] } }));
    await same("SQL", (col) => sqlCall(partial, `SELECT COUNT(*) FROM default WHERE ${col} = 's1'`));
    await same("SQL select list", (col) => sqlCall(partial, `SELECT ${col} FROM default`));
    await same("insert", (col) => call("POST", "/v1/insert", { key: partial, body: { e7: { [col]: "x" } } }));
    await same("SQL INSERT", (col) => sqlCall(partial, `INSERT INTO default([entity-id], ${col}) VALUES('e7', 'x')`));
    await same("update", (col) => call("POST", "/v1/update", { key: partial, body: { query: [{ [col]: { equals: "s1" } }], set: { name: "z" } } }));
    // A whole-database total does not name the dimension the key lacks.
    const total = await call("POST", "/v1/query/count/entity/total", { key: narrow, body: {} });
    expect(total.status, total.text).toBe(403);
    expect(firstError(total).message).not.toContain("customers");
  });
});
