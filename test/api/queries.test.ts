// Query endpoints through the Worker on several shards, where answers differ: paging with next-page
// tokens, score, ties, zero matches, saved queries, delete/update (idempotent), and SQL.

import { beforeAll, describe, expect, it } from "vitest";
import { shardOf } from "../../contract/shard-of";
import { call, createDatabase, firstError, type TestDatabase } from "../helpers/api";

const ENTITIES = 57;

describe("query endpoints", () => {
  let db: TestDatabase;
  const post = (path: string, body: unknown, key = db.read) => call("POST", path, { key, body });

  beforeAll(async () => {
    db = await createDatabase({ shards: 5, replicas: 0 });
    await call("POST", "/v1/column", {
      key: db.master,
      body: [
        { name: "Plan", "api-name": "plan", type: "string" },
        { name: "Age", "api-name": "age", type: "integer" },
        { name: "Visits", "api-name": "visits", type: "string-event" },
      ],
    });
    const plans = ["gold", "silver", "bronze"];
    const body = Object.fromEntries(
      Array.from({ length: ENTITIES }, (_, i) => [
        `u${String(i).padStart(3, "0")}`,
        { plan: plans[i % 3], age: 20 + (i % 10), visits: Array.from({ length: 1 + (i % 3) }, () => ({ value: "home", date: "2020-02-02T10:00:00Z" })) },
      ]),
    );
    const r = await call("POST", "/v1/insert?wait=true", { key: db.write, body });
    expect(r.status, r.text).toBe(200);
  });

  it("pages through every matching entity once, in order, across shards", async () => {
    const seen: string[] = [];
    let token: string | null = null;
    let page = 0;
    do {
      const body: Record<string, unknown> = { query: [{ age: { gte: 20 } }], columns: ["entity-id", "plan"], order: [{ "entity-id": "asc" }], "bypass-cache": true };
      if (token) body["page-token"] = token;
      else body["limit"] = 10;
      const r = await post("/v1/data_extraction/result", body);
      expect(r.status, r.text).toBe(200);
      expect(r.body.page).toBe(++page);
      seen.push(...r.body.data.map((row: { "entity-id": string }) => row["entity-id"]));
      token = r.body["next-page"];
    } while (token !== null && page < 20);
    expect(page).toBe(6);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(ENTITIES);
    const reuse = await post("/v1/data_extraction/result", { query: [{ age: { gte: 21 } }], "page-token": "bm90LWEtdG9rZW4" });
    expect(firstError(reuse).code).toBe(113);
  });

  it("scores entities by the number of satisfied alternatives", async () => {
    const r = await post("/v1/data_extraction/score", {
      query: [{ plan: { equals: "gold" } }, "or", { age: { equals: 20 } }, "or", { visits: { equals: "home", between: ["2020-02-01", "2020-02-03"], minfreq: 3 } }],
      columns: ["entity-id"],
      limit: 100,
    });
    expect(r.status, r.text).toBe(200);
    const scores = Object.fromEntries(r.body.data.map((row: { "entity-id": string; score: number }) => [row["entity-id"], row.score]));
    expect(scores["u000"]).toBe(2); // gold and age 20 (1 visit)
    expect(scores["u030"]).toBe(2); // gold, age 20
    expect(scores["u002"]).toBe(1); // bronze, age 22, 3 visits → minfreq 3
    expect(scores["u005"]).toBe(1); // bronze, age 25, 3 visits
    expect(scores["u001"]).toBeUndefined(); // silver, age 21, 2 visits: nothing holds
    expect(Number.isInteger(scores["u000"])).toBe(true);
  });

  it("answers zero matches and ties", async () => {
    const zero = await post("/v1/query/count/entity", { "query-name": "none", query: [{ plan: { equals: "platinum" } }] });
    expect(zero.body.result).toEqual({ none: 0 });
    const top = await post("/v1/query/top_values", { t: { plan: 3 } });
    expect(top.body.result.t.plan).toEqual(
      [
        { value: "gold", quantity: 19 },
        { value: "silver", quantity: 19 },
        { value: "bronze", quantity: 19 },
      ]
        .sort((a, b) => a.value.localeCompare(b.value))
        .sort((a, b) => b.quantity - a.quantity),
    );
    const agg = await post("/v1/query/aggregation", { query: [{ plan: 2 }, { age: "max" }] });
    expect(agg.status, agg.text).toBe(200);
    expect(agg.body.result.plan).toHaveLength(2);
    const exists = await post("/v1/query/exists/entity", { ids: ["u001", "nobody", "u056"] });
    expect(exists.body).toMatchObject({ exists: ["u001", "u056"], "not-exists": ["nobody"] });
  });

  it("saves, lists, executes, replaces and deletes a query", async () => {
    const def = { name: "gold-count", type: "count/entity", query: [{ plan: { equals: "gold" } }], "cache-period": 30 };
    const created = await call("POST", "/v1/query/saved", { key: db.master, body: def });
    expect(created.status, created.text).toBe(200);
    expect(created.body).toMatchObject(def);
    expect(firstError(await call("POST", "/v1/query/saved", { key: db.master, body: def })).code).toBe(103);
    const list = await call("GET", "/v1/query/saved", { key: db.master });
    expect(list.body["saved-queries"]).toEqual([def]);
    const run = await call("GET", "/v1/query/saved/gold-count", { key: db.read });
    expect(run.body).toMatchObject({ type: "count/entity", result: { query: 19 } });
    const put = await call("PUT", "/v1/query/saved/gold-count", {
      key: db.master,
      body: { type: "count/entity", query: [{ plan: { equals: "silver" } }, "or", { plan: { equals: "gold" } }], "cache-period": 0 },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body).not.toHaveProperty("name");
    expect((await call("GET", "/v1/query/saved/gold-count", { key: db.read })).body.result).toEqual({ query: 38 });
    const del = await call("DELETE", "/v1/query/saved/gold-count", { key: db.master });
    expect(del.body["deleted-query"]).toBe("gold-count");
    expect(firstError(await call("GET", "/v1/query/saved/gold-count", { key: db.read })).code).toBe(104);
    expect(firstError(await call("POST", "/v1/query/saved", { key: db.master, body: { ...def, name: "bad name!" } })).code).toBe(118);
    expect(firstError(await call("POST", "/v1/query/saved", { key: db.master, body: { ...def, name: "x", type: "result" } })).code).toBe(105);
  });

  it("updates and deletes matching entities once per Idempotency-Key", async () => {
    const count = async (query: unknown) => (await post("/v1/query/count/entity", { "query-name": "q", query, "bypass-cache": true })).body.result.q;
    const upd = await call("POST", "/v1/update", { key: db.master, body: { query: [{ age: { equals: 29 } }], set: { plan: "vip" } } });
    expect(upd.body.result).toEqual({ updated: 5 });
    expect(await count([{ plan: { equals: "vip" } }])).toBe(5);
    const headers = { "idempotency-key": "cleanup-1" };
    const d1 = await call("POST", "/v1/delete", { key: db.master, body: { query: [{ plan: { equals: "vip" } }] }, headers });
    expect(d1.body.result).toEqual({ deleted: 5 });
    const d2 = await call("POST", "/v1/delete", { key: db.master, body: { query: [{ plan: { equals: "vip" } }] }, headers });
    expect(d2.body.result).toEqual({ deleted: 5 }); // the first outcome, not applied again
    expect(await count([{ plan: { equals: "vip" } }])).toBe(0);
    expect((await post("/v1/query/count/entity/total", { "bypass-cache": true })).body.result.total).toBe(ENTITIES - 5);
  });

  it("runs a delete and an update sent under the same Idempotency-Key as two requests", async () => {
    const count = async (query: unknown) => (await post("/v1/query/count/entity", { "query-name": "q", query, "bypass-cache": true })).body.result.q;
    const headers = { "idempotency-key": "same-key-2" };
    const del = await call("POST", "/v1/delete", { key: db.master, body: { query: [{ age: { equals: 27 } }] }, headers });
    expect(del.status, del.text).toBe(200);
    expect(del.body.result.deleted).toBeGreaterThan(0);
    const upd = await call("POST", "/v1/update", { key: db.master, body: { query: [{ age: { equals: 28 } }], set: { plan: "platinum" } }, headers });
    expect(upd.status, upd.text).toBe(200);
    expect(upd.body.result.updated).toBeGreaterThan(0);
    expect(await count([{ plan: { equals: "platinum" } }])).toBe(upd.body.result.updated);
  });

  it("runs SQL SELECT and INSERT, and points at syntax errors", async () => {
    const ins = await call("POST", "/v1/sql?wait=true", {
      key: db.write,
      raw: "INSERT INTO default([entity-id], plan, age) VALUES('sql-1', 'Gold', 77)",
      headers: { "content-type": "application/sql" },
    });
    expect(ins.status, ins.text).toBe(200);
    const sel = await call("POST", "/v1/sql", { key: db.read, raw: "SELECT [entity-id], plan, age FROM default WHERE age = 77", headers: { "content-type": "application/sql" } });
    expect(sel.status, sel.text).toBe(200);
    expect(sel.body.result).toEqual([{ "entity-id": "sql-1", plan: "gold", age: 77 }]);
    const avg = await call("POST", "/v1/sql", { key: db.read, raw: "SELECT AVG(age) FROM default WHERE age = 77", headers: { "content-type": "application/sql" } });
    expect(avg.text).toContain('"AVG":77.0');
    const bad = await call("POST", "/v1/sql", { key: db.read, raw: "SELECT FROM WHERE", headers: { "content-type": "application/sql" } });
    expect(bad.status).toBe(400);
    expect(firstError(bad).message).toMatch(/line 1, column \d+/);
    const writeWithRead = await call("POST", "/v1/sql", { key: db.read, raw: "INSERT INTO default([entity-id], plan) VALUES('x', 'y')", headers: { "content-type": "application/sql" } });
    expect(writeWithRead.status).toBe(403);
  });
});

describe("result pages across uneven shards", () => {
  it("fills a page from a shard holding most matches (it is asked a second time)", async () => {
    // Each shard is first asked for about its share of a page (30 rows over 5 shards: 18); here 40 of
    // the 48 matches live on shard 0, so a full first page needs more of its rows.
    const onShard0: string[] = [];
    const elsewhere: string[] = [];
    for (let i = 0; onShard0.length < 40 || elsewhere.length < 8; i++) {
      const id = `skew-${i}`;
      if (shardOf("default", id, 5) === 0) onShard0.length < 40 && onShard0.push(id);
      else elsewhere.length < 8 && elsewhere.push(id);
    }
    const ids = [...onShard0, ...elsewhere];
    const db = await createDatabase({ shards: 5, replicas: 0 });
    const post = (path: string, body: unknown) => call("POST", path, { key: db.read, body });
    const columns = await call("POST", "/v1/column", { key: db.master, body: { name: "Plan", "api-name": "plan", type: "string" } });
    expect(columns.status, columns.text).toBe(200);
    const insert = await call("POST", "/v1/insert?wait=true", { key: db.write, body: Object.fromEntries(ids.map((id) => [id, { plan: "skewed" }])) });
    expect(insert.status, insert.text).toBe(200);
    const first = await post("/v1/data_extraction/result", { query: [{ plan: { equals: "skewed" } }], columns: ["entity-id"], limit: 30, "bypass-cache": true });
    expect(first.status, first.text).toBe(200);
    expect(first.body.data).toHaveLength(30);
    const second = await post("/v1/data_extraction/result", { query: [{ plan: { equals: "skewed" } }], columns: ["entity-id"], "page-token": first.body["next-page"], "bypass-cache": true });
    expect(second.status, second.text).toBe(200);
    expect(second.body["next-page"]).toBeNull();
    const seen = [...first.body.data, ...second.body.data].map((row: { "entity-id": string }) => row["entity-id"]);
    expect(seen).toEqual([...ids].sort());
  });
});
