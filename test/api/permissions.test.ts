// Custom keys through the Worker: every query endpoint, saved queries, SQL, inserts, delete and
// update answer 403 / code 16 naming the column a key may not touch, and work on granted columns.

import { beforeAll, describe, expect, it } from "vitest";
import { call, createDatabase, firstError, type Reply, type TestDatabase } from "../helpers/api";

const sqlCall = (key: string, text: string) => call("POST", "/v1/sql", { key, raw: text, headers: { "content-type": "application/sql" } });

function expectDenied(r: Reply, column: string): void {
  expect(r.status, r.text).toBe(403);
  expect(firstError(r).code, r.text).toBe(16);
  expect(firstError(r).message).toContain(`"${column}"`);
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
    expect(firstError(total).message).toContain('dimension "customers"');
    expectOk(await call("POST", "/v1/query/count/entity/total", { key: narrow, body: { dimensions: ["default"] } }));
    const other = await call("POST", "/v1/query/exists/entity", { key: narrow, body: { ids: ["c1"], dimension: "customers" } });
    expect(other.status).toBe(403);
    expect(firstError(other).code).toBe(16);
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
    expect(all.status).toBe(403);
    expect(firstError(all).code).toBe(16);
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
    expect(star.status).toBe(403);
    expect(firstError(star).code).toBe(16);
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
});
