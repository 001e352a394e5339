// API.md rules where answers are easy to get subtly wrong, checked through the Worker on several
// shards: list-of-values columns, overwritten values, deleted and re-inserted entities, dimensions on
// every endpoint, relative windows, histogram buckets, metric number types (raw JSON text), negative
// and large numbers, and bypass-cache inside top-values sub-queries.

import { beforeAll, describe, expect, it } from "vitest";
import { call, createDatabase, firstError, type Reply, type TestDatabase } from "../helpers/api";

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + "Z";

describe("API.md contract edges", () => {
  let db: TestDatabase;
  const post = (path: string, body: unknown): Promise<Reply> => call("POST", path, { key: db.master, body: { ...(body as object) } });
  const postList = (path: string, body: unknown[]): Promise<Reply> => call("POST", path, { key: db.master, body });
  const sql = (text: string) => call("POST", "/v1/sql", { key: db.master, raw: text, headers: { "content-type": "application/sql" } });
  const insert = async (body: Record<string, unknown>) => {
    const r = await call("POST", "/v1/insert?wait=true", { key: db.master, body });
    expect(r.status, r.text).toBe(200);
    return r;
  };
  /** Count of one named query in `dimension`, never from the result cache (the data changes between calls). */
  const count = async (query: unknown, dimension?: string) => {
    const r = await post("/v1/query/count/entity", { "query-name": "q", query, "bypass-cache": true, ...(dimension ? { dimension } : {}) });
    expect(r.status, r.text).toBe(200);
    return r.body.result.q as number;
  };
  const columns = (defs: Array<Record<string, unknown>>) => call("POST", "/v1/column", { key: db.master, body: defs });

  beforeAll(async () => {
    db = await createDatabase({ shards: 4, replicas: 0 });
  });

  it("list-of-values columns keep every value, also across inserts, and match when any value does", async () => {
    expect(
      (
        await columns([
          { name: "Tags", "api-name": "lv-tags", type: "string", storage: "list-of-values" },
          { name: "Codes", "api-name": "lv-codes", type: "integer", storage: "list-of-values" },
        ])
      ).status,
    ).toBe(200);
    await insert({ "lv-1": { "lv-tags": ["Red", "blue"], "lv-codes": [1, 100] }, "lv-2": { "lv-tags": "red", "lv-codes": 5 }, "lv-3": { "lv-tags": ["green"] } });
    await insert({ "lv-3": { "lv-tags": "Blue", "lv-codes": [7] } }); // appends to lv-3's list

    expect(await count([{ "lv-tags": { equals: "RED" } }])).toBe(2);
    expect(await count([{ "lv-tags": { equals: "blue" } }])).toBe(2);
    expect(await count([{ "lv-tags": { equals: "green" } }])).toBe(1); // the first value survived the second insert
    expect(await count([{ "lv-tags": { "not-equals": "red" } }])).toBe(2); // lv-1 holds blue, lv-3 green/blue
    expect(await count([{ "lv-codes": { range: [50, 150] } }])).toBe(1);
    expect(await count([{ "lv-codes": { lt: 6 } }])).toBe(2);

    const top = await post("/v1/query/top_values", { tags: { "lv-tags": 5 } });
    expect(top.body.result.tags["lv-tags"]).toEqual([
      { value: "blue", quantity: 2 },
      { value: "red", quantity: 2 },
      { value: "green", quantity: 1 },
    ]);
    const rows = await post("/v1/data_extraction/result", { query: [{ "entity-id": { equals: "lv-3" } }], columns: ["lv-tags", "lv-codes"] });
    expect(rows.body.data).toHaveLength(1);
    expect([...rows.body.data[0]["lv-tags"]].sort()).toEqual(["blue", "green"]);
    expect(rows.body.data[0]["lv-codes"]).toEqual(["7"]);
  });

  it("forgets an overwritten latest value in counts, top values, aggregations and SQL", async () => {
    await columns([
      { name: "Plan", "api-name": "ow-plan", type: "string", dimension: "ow" },
      { name: "Seats", "api-name": "ow-seats", type: "integer", dimension: "ow" },
    ]);
    const first: Record<string, unknown> = {};
    for (let i = 0; i < 12; i++) first[`ow-${i}`] = { "ow-plan": "trial", "ow-seats": i, dimension: "ow" };
    await insert(first);
    await insert({ "ow-0": { "ow-plan": "Gold", dimension: "ow" }, "ow-1": { "ow-plan": "gold", "ow-seats": 100, dimension: "ow" } });

    expect(await count([{ "ow-plan": { equals: "trial" } }], "ow")).toBe(10);
    expect(await count([{ "ow-seats": { equals: 1 } }], "ow")).toBe(0);
    expect(await count([{ "ow-seats": { equals: 0 } }], "ow")).toBe(1); // ow-0 kept its seats
    const top = await post("/v1/query/top_values", { p: { "ow-plan": 5 }, dimension: "ow", "bypass-cache": true });
    expect(top.body.result.p["ow-plan"]).toEqual([
      { value: "trial", quantity: 10 },
      { value: "gold", quantity: 2 },
    ]);
    const agg = await post("/v1/query/aggregation", { query: [{ "ow-plan": 5 }, { "ow-seats": "sum" }], dimension: "ow", "bypass-cache": true });
    expect(agg.body.result["ow-plan"]).toEqual([
      { value: "trial", quantity: 10, "ow-seats": { sum: 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 } },
      { value: "gold", quantity: 2, "ow-seats": { sum: 100 } },
    ]);
    const s = await sql("SELECT COUNT(*) FROM ow WHERE [ow-plan] = 'TRIAL'");
    expect(s.body.result).toEqual([{ COUNT: 10 }]);
  });

  it("removes a deleted entity from every query and brings it back fresh when re-inserted", async () => {
    const D = "gone";
    await columns([
      { name: "S", "api-name": "gone-s", type: "string", dimension: D },
      { name: "N", "api-name": "gone-n", type: "integer", dimension: D },
      { name: "E", "api-name": "gone-e", type: "string-event", dimension: D },
      { name: "T", "api-name": "gone-t", type: "string", dimension: D },
    ]);
    const body: Record<string, unknown> = {};
    for (let i = 1; i <= 6; i++) body[`Entity${i}`] = { "gone-s": "v", "gone-n": i, "gone-e": { value: "click", date: "2020-01-01T10:00:00Z" }, dimension: D };
    await insert(body);
    const del = await post("/v1/delete", { query: [{ "entity-id": { equals: "Entity3" } }], dimension: D });
    expect(del.body.result).toEqual({ deleted: 1 });
    await insert({ Entity3: { "gone-t": "new", dimension: D } });

    const window = ["2020-01-01", "2020-01-02"];
    expect(await count([{ "gone-s": { equals: "v" } }], D)).toBe(5);
    expect(await count([{ "gone-n": { equals: 3 } }], D)).toBe(0);
    expect(await count([{ "gone-e": { equals: "click", between: window } }], D)).toBe(5);
    expect(await count([["not", { "gone-s": { equals: "v" } }]], D)).toBe(1); // only the re-inserted Entity3
    const events = await post("/v1/query/count/event", { "query-name": "q", query: [{ "gone-e": { equals: "click", between: window } }], dimension: D });
    expect(events.body.result).toEqual({ q: 5 });
    expect((await post("/v1/query/count/entity/total", { dimensions: [D] })).body.result).toEqual({ total: 6 });
    const top = await post("/v1/query/top_values", { e: { "gone-e": 5, between: window }, dimension: D });
    expect(top.body.result.e["gone-e"]).toEqual([{ value: "click", quantity: 5 }]);
    const agg = await post("/v1/query/aggregation", { query: [{ "gone-n": "sum" }, { "gone-e": "count-events", between: window }], dimension: D });
    expect(agg.body.result).toEqual({ "gone-n": { sum: 1 + 2 + 4 + 5 + 6 }, "gone-e": { "count-events": 5 } });
    const row = await post("/v1/data_extraction/result", {
      query: [{ "entity-id": { equals: "Entity3" } }],
      columns: ["entity-id", "gone-s", "gone-n", "gone-t", { "gone-e": window }],
      dimension: D,
    });
    expect(row.body.data).toEqual([{ "entity-id": "Entity3", "gone-t": "new" }]);
  });

  it("honours the dimension on every endpoint; one id in two dimensions is two entities", async () => {
    await columns([
      { name: "Kind", "api-name": "dim-kind", type: "string", dimension: "dim-a" },
      { name: "Kind", "api-name": "dim-kind", type: "string", dimension: "dim-b" },
      { name: "Hits", "api-name": "dim-hits", type: "integer-event", dimension: "dim-b" },
    ]);
    await insert({ x: { "dim-kind": "alpha", dimension: "dim-a" }, y: { "dim-kind": "alpha", dimension: "dim-a" } });
    await insert({ x: { "dim-kind": "beta", "dim-hits": { value: 3, date: "2020-05-05" }, dimension: "dim-b" }, z: { "dim-kind": "beta", dimension: "dim-b" } });

    const counts = await postList("/v1/query/count/entity", [
      { "query-name": "a", query: [{ "dim-kind": { equals: "beta" } }], dimension: "dim-a" },
      { "query-name": "b", query: [{ "dim-kind": { equals: "beta" } }], dimension: "dim-b" },
    ]);
    expect(counts.body.result).toEqual({ a: 0, b: 2 });
    const events = await post("/v1/query/count/event", { "query-name": "b", query: [{ "dim-hits": { equals: "3", between: ["2020-05-01", "2020-06-01"] } }], dimension: "dim-b" });
    expect(events.body.result).toEqual({ b: 1 });
    const exists = await post("/v1/query/exists/entity", { ids: ["x", "y", "z"], dimension: "dim-b" });
    expect(exists.body).toMatchObject({ exists: ["x", "z"], "not-exists": ["y"] });
    const top = await post("/v1/query/top_values", { a: { "dim-kind": 5 }, b: { "dim-kind": 5, dimension: "dim-b" }, dimension: "dim-a" });
    expect(top.body.result).toEqual({ a: { "dim-kind": [{ value: "alpha", quantity: 2 }] }, b: { "dim-kind": [{ value: "beta", quantity: 2 }] } });
    const agg = await post("/v1/query/aggregation", { query: [{ "dim-kind": 5 }], dimension: "dim-b" });
    expect(agg.body.result).toEqual({ "dim-kind": [{ value: "beta", quantity: 2 }] });
    const res = await post("/v1/data_extraction/result", { query: [{ "entity-id": { equals: "x" } }], columns: "all", dimension: "dim-a" });
    expect(res.body.data).toEqual([{ "entity-id": "x", "dim-kind": "alpha" }]);
    expect((await post("/v1/query/count/entity/total", { dimensions: ["dim-a", "dim-b"] })).body.result).toEqual({ total: 4 });
    expect((await post("/v1/query/count/entity/total", { tables: ["dim-b"] })).body.result).toEqual({ total: 2 });
    expect(firstError(await post("/v1/query/count/entity/total", { dimensions: ["dim-nope"] })).code).toBe(128);
    expect((await sql("SELECT COUNT(*) FROM [dim-a] WHERE [dim-kind] = 'ALPHA'")).body.result).toEqual([{ COUNT: 2 }]);
  });

  it("resolves relative windows: dateless events are stamped now, -1m is a month, +1w looks ahead", async () => {
    await columns([{ name: "Visits", "api-name": "rel-visits", type: "string-event", dimension: "rel" }]);
    const now = Date.now();
    await insert({
      fresh: { "rel-visits": { value: "home" }, dimension: "rel" }, // no date: the insertion time
      older: { "rel-visits": { value: "home", date: iso(now - 20 * DAY_MS) }, dimension: "rel" },
      ahead: { "rel-visits": { value: "home", date: iso(now + 3 * DAY_MS) }, dimension: "rel" },
    });
    const events = async (between: string[]) => {
      const r = await post("/v1/query/count/event", { "query-name": "q", query: [{ "rel-visits": { equals: "HOME", between } }], dimension: "rel" });
      expect(r.status, r.text).toBe(200);
      return r.body.result.q as number;
    };
    expect(await events(["now", "-30sec"])).toBe(1);
    expect(await events(["-30sec", "now"])).toBe(1); // bounds in either order
    expect(await events(["today"])).toBe(1);
    expect(await events(["now", "-1w"])).toBe(1);
    expect(await events(["now", "-1m"]), "-1m").toBe(2);
    expect(await events(["now", "+1w"]), "+1w").toBe(1); // "fresh" was stamped before this request's now
    expect(await events(["-1y", "+1y"]), "-1y..+1y").toBe(3);
    expect(await count([{ "rel-visits": { equals: "home", between: ["now", "-1m"], minfreq: 1 } }], "rel")).toBe(2);
  });

  it("reports only non-empty, calendar-aligned histogram buckets, and explicit buckets are half-open", async () => {
    await columns([{ name: "Amount", "api-name": "hist-amount", type: "integer-event", dimension: "hist" }]);
    await insert({
      h1: {
        "hist-amount": [
          { value: 1, date: "2020-01-01T10:30:00Z" },
          { value: 2, date: "2020-01-02T00:00:00Z" },
        ],
        dimension: "hist",
      },
      h2: {
        "hist-amount": [
          { value: 4, date: "2020-01-15T23:59:59Z" },
          { value: 8, date: "2020-03-01T00:00:00Z" },
        ],
        dimension: "hist",
      },
    });
    const hist = async (level: Record<string, unknown>) => {
      const r = await post("/v1/query/aggregation", { query: [level], dimension: "hist" });
      expect(r.status, r.text).toBe(200);
      return r.body.result["hist-amount"];
    };
    expect(await hist({ "hist-amount": "sum", between: ["2020-01-01", "2020-01-31"], interval: "days" })).toEqual([
      { sum: 1, between: ["2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z"] },
      { sum: 2, between: ["2020-01-02T00:00:00Z", "2020-01-03T00:00:00Z"] },
      { sum: 4, between: ["2020-01-15T00:00:00Z", "2020-01-16T00:00:00Z"] },
    ]);
    expect(await hist({ "hist-amount": "count-events", between: ["2020-01-01", "2020-01-02"], interval: "hours" })).toEqual([
      { "count-events": 1, between: ["2020-01-01T10:00:00Z", "2020-01-01T11:00:00Z"] },
      { "count-events": 1, between: ["2020-01-02T00:00:00Z", "2020-01-02T01:00:00Z"] },
    ]);
    expect(await hist({ "hist-amount": "max", between: ["2020-01-01", "2020-03-31"], interval: "months" })).toEqual([
      { max: 4, between: ["2020-01-01T00:00:00Z", "2020-02-01T00:00:00Z"] },
      { max: 8, between: ["2020-03-01T00:00:00Z", "2020-04-01T00:00:00Z"] },
    ]);
    // The event at exactly 2020-01-02T00:00Z belongs to the second bucket only; the empty third is left out.
    expect(
      await hist({
        "hist-amount": "sum",
        between: [
          ["2020-01-01", "2020-01-02"],
          ["2020-01-02", "2020-01-03"],
          ["2020-02-01", "2020-02-02"],
        ],
      }),
    ).toEqual([
      { sum: 1, between: ["2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z"] },
      { sum: 2, between: ["2020-01-02T00:00:00Z", "2020-01-03T00:00:00Z"] },
    ]);
    expect(await hist({ "hist-amount": "sum", between: ["2021-01-01", "2021-01-07"], interval: "days" })).toEqual([]);
  });

  it("prints metric types by column, also for integral values (the type-strict harness reads 3 and 3.0 apart)", async () => {
    await columns([
      { name: "Price", "api-name": "ty-price", type: "decimal", "decimal-places": 2, dimension: "ty" },
      { name: "Qty", "api-name": "ty-qty", type: "integer", dimension: "ty" },
      { name: "Spend", "api-name": "ty-spend", type: "decimal-event", dimension: "ty" },
      { name: "Group", "api-name": "ty-group", type: "string", dimension: "ty" },
    ]);
    await insert({
      t1: { "ty-price": 1.5, "ty-qty": 2, "ty-spend": { value: 2, date: "2020-01-01" }, "ty-group": "g", dimension: "ty" },
      t2: { "ty-price": 2.5, "ty-qty": 4, "ty-spend": { value: 3, date: "2020-01-01" }, "ty-group": "g", dimension: "ty" },
    });
    const text = async (query: unknown[]) => {
      const r = await post("/v1/query/aggregation", { query, dimension: "ty" });
      expect(r.status, r.text).toBe(200);
      return r.text;
    };
    expect(await text([{ "ty-price": "sum" }])).toContain('"sum":4.0');
    expect(await text([{ "ty-price": "max" }])).toContain('"max":2.5');
    expect(await text([{ "ty-qty": "sum" }])).toContain('"sum":6}');
    expect(await text([{ "ty-qty": "avg" }])).toContain('"avg":3.0');
    expect(await text([{ "ty-qty": "min" }])).toContain('"min":2}');
    const nested = await text([{ "ty-group": 1 }, { "ty-spend": "max", between: ["2020-01-01", "2020-01-02"] }]);
    expect(nested).toContain('"ty-spend":{"max":3.0}');
    expect(await text([{ "ty-spend": "count-events", between: ["2020-01-01", "2020-01-02"], interval: "days" }])).toContain('"count-events":2,');
    expect((await sql("SELECT SUM([ty-price]), MAX([ty-qty]) FROM ty")).text).toContain('"SUM":4.0,"MAX":4}');
  });

  it("handles negative and large numbers in predicates, metrics, top values and order", async () => {
    await columns([
      { name: "Balance", "api-name": "num-bal", type: "integer", dimension: "num" },
      { name: "Rate", "api-name": "num-rate", type: "decimal", dimension: "num" },
    ]);
    const values = [-5, -1, 0, 3, 1e12, -1e12, 2 ** 40 + 1, -(2 ** 40) - 3];
    const rates = [-2.5, -0.0001, 0, 1.25, 0.1, -99999.5, 0.2, 7];
    await insert(Object.fromEntries(values.map((v, i) => [`n${i}`, { "num-bal": v, "num-rate": rates[i], dimension: "num" }])));
    expect(await count([{ "num-bal": { lt: 0 } }], "num")).toBe(4);
    expect(await count([{ "num-bal": { lte: "-1" } }], "num")).toBe(4);
    expect(await count([{ "num-bal": { range: [-5, 3] } }], "num")).toBe(4);
    expect(await count([{ "num-bal": { range: [-2e12, -2] } }], "num")).toBe(3);
    expect(await count([{ "num-bal": { equals: -(2 ** 40) - 3 } }], "num")).toBe(1);
    expect(await count([{ "num-rate": { gt: -0.0001 } }], "num")).toBe(5);
    expect(await count([{ "num-rate": { range: ["0.1", "0.2"] } }], "num")).toBe(2);
    const agg = await post("/v1/query/aggregation", { query: [{ "num-bal": "min" }, { "num-rate": "min" }], dimension: "num" });
    expect(agg.body.result).toEqual({ "num-bal": { min: -(2 ** 40) - 3 }, "num-rate": { min: -99999.5 } });
    const top = await post("/v1/query/top_values", { b: { "num-bal": 10, "not-equals": ["-5", 0] }, dimension: "num" });
    expect(top.body.result.b["num-bal"].map((v: { value: string }) => v.value).sort()).toEqual(["-1", "-1000000000000", "-1099511627779", "1000000000000", "1099511627777", "3"]);
    const ordered = await post("/v1/data_extraction/result", { query: [{ "num-bal": { gte: -1e13 } }], columns: ["num-rate"], order: [{ "num-rate": "desc" }], dimension: "num" });
    expect(ordered.body.data.map((r: { "num-rate": string }) => r["num-rate"])).toEqual(["7", "1.25", "0.2", "0.1", "0", "-0.0001", "-2.5", "-99999.5"]);
  });

  it("accepts bypass-cache inside a top-values named query, as in count queries", async () => {
    await columns([{ name: "Color", "api-name": "bc-color", type: "string" }]);
    await insert({ c1: { "bc-color": "red" } });
    const r = await post("/v1/query/top_values", { colors: { "bc-color": 3, "bypass-cache": true } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.result).toEqual({ colors: { "bc-color": [{ value: "red", quantity: 1 }] } });
    await insert({ c2: { "bc-color": "red" } });
    const fresh = await post("/v1/query/top_values", { colors: { "bc-color": 3, "bypass-cache": true } });
    expect(fresh.body.result.colors["bc-color"]).toEqual([{ value: "red", quantity: 2 }]);
    expect(firstError(await post("/v1/query/top_values", { colors: { "bc-color": 3, "bypass-cache": "yes" } })).code).toBe(108);
  });
});
