// The API.md contract, section by section, through the Worker (4 shards): saved queries (§7.9), exists /
// count event / count entity total (§7.2-7.4), top values filters (§7.5), aggregation (§7.6),
// result/score (§7.7-7.8), relative dates and value forms in predicates (§6.2-6.3), and the error
// envelope and codes of §2 for a wide sample of invalid requests (never a 500).

import { beforeAll, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { catalogOf } from "../../durable-objects/stubs";
import { call, createDatabase, firstError, type Reply, type TestDatabase } from "../helpers/api";

import { DAY_MS } from "../../contract/limits";
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + "Z";
const pad = (n: number) => String(n).padStart(2, "0");

describe("API.md contract sections", () => {
  let db: TestDatabase;
  let setupNow = 0;
  const relTimes: Record<string, number> = {};
  const post = (path: string, body: unknown, key?: string): Promise<Reply> => call("POST", path, { key: key ?? db.master, body });
  const insert = async (body: Record<string, unknown>) => {
    const r = await call("POST", "/v1/insert?wait=true", { key: db.master, body });
    expect(r.status, r.text).toBe(200);
    return r;
  };
  const columns = async (defs: Array<Record<string, unknown>>) => {
    const r = await call("POST", "/v1/column", { key: db.master, body: defs });
    expect(r.status, r.text).toBe(200);
  };
  const count = async (query: unknown, dimension?: string) => {
    const r = await post("/v1/query/count/entity", { "query-name": "q", query, "bypass-cache": true, ...(dimension ? { dimension } : {}) });
    expect(r.status, r.text).toBe(200);
    return r.body.result.q as number;
  };
  const events = async (pred: Record<string, unknown>, dimension?: string) => {
    const r = await post("/v1/query/count/event", { "query-name": "q", query: [pred], "bypass-cache": true, ...(dimension ? { dimension } : {}) });
    expect(r.status, r.text).toBe(200);
    return r.body.result.q as number;
  };
  /** An error answer: documented envelope, code and HTTP status. */
  const expectError = (r: Reply, code: number, status = 400) => {
    expect(r.body?.errors?.[0]?.code, r.text).toBe(code);
    expect(typeof r.body.errors[0].message).toBe("string");
    expect(r.status, r.text).toBe(status);
    expect(r.body).not.toHaveProperty("status");
  };

  beforeAll(async () => {
    db = await createDatabase({ shards: 4, replicas: 0 });
    await columns([
      { name: "S", "api-name": "a-str", type: "string" },
      { name: "I", "api-name": "a-int", type: "integer" },
      { name: "D", "api-name": "a-dec", type: "decimal", "decimal-places": 3 },
      { name: "B", "api-name": "a-bool", type: "boolean" },
      { name: "Day", "api-name": "a-date", type: "date" },
      { name: "Dt", "api-name": "a-dt", type: "datetime" },
      { name: "ES", "api-name": "e-str", type: "string-event" },
      { name: "EI", "api-name": "e-int", type: "integer-event" },
      { name: "ED", "api-name": "e-dec", type: "decimal-event", "decimal-places": 3 },
      { name: "Rel", "api-name": "e-rel", type: "string-event", dimension: "rel" },
      { name: "Plan", "api-name": "u-plan", type: "string", dimension: "users" },
    ]);
    const body: Record<string, unknown> = {};
    for (let i = 0; i < 10; i++) {
      const e: Record<string, unknown> = {
        "a-dec": i + 0.25,
        "a-bool": i % 2 === 0,
        "a-date": `2020-01-${pad(i + 1)}`,
        "a-dt": i === 3 ? "2020-01-01t00:00:03z" : `2020-01-01T00:00:${pad(i)}Z`,
        "e-str": [...Array.from({ length: (i % 3) + 1 }, () => ({ value: "Click", date: "2020-02-01T10:00:00Z" })), ...(i < 5 ? [{ value: "view", date: "2020-02-02T00:00:00Z" }] : [])],
        "e-int": { value: i, date: `2020-02-0${1 + (i % 3)}T12:00:00Z` },
        "e-dec": { value: i + 0.5, date: "2020-02-01T12:00:00Z" },
      };
      if (i < 9) {
        e["a-str"] = i < 4 ? "Red" : i < 7 ? "green" : "Blue";
        e["a-int"] = i * 10;
      }
      body[`e${i}`] = e;
    }
    await insert(body);
    await insert({ u1: { "u-plan": "gold", dimension: "users" }, u2: { "u-plan": "Gold", dimension: "users" }, u3: { "u-plan": "silver", dimension: "users" } });
  });

  const insertRelative = async () => {
    setupNow = Date.now();
    const offsets: Record<string, number> = { r0: -10_000, r1: -90_000, r2: -2 * 3_600_000, r3: -2 * DAY_MS, r4: -10 * DAY_MS, r5: -40 * DAY_MS, r6: -400 * DAY_MS, r8: 3 * DAY_MS };
    const rel: Record<string, unknown> = {};
    for (const [id, off] of Object.entries(offsets)) {
      relTimes[id] = setupNow + off;
      rel[id] = { "e-rel": { value: "x", date: iso(setupNow + off) }, dimension: "rel" };
    }
    rel["r7"] = { "e-rel": { value: "x" }, dimension: "rel" }; // stamped with the insertion time
    relTimes["r7"] = setupNow;
    await insert(rel);
  };

  describe("saved queries (§7.9)", () => {
    const saved = (method: string, path: string, body?: unknown, key?: string) => call(method, `/v1/query/saved${path}`, { key: key ?? db.master, body });

    it("creates, lists, executes, replaces and deletes every type", async () => {
      const defs = [
        { name: "sq-entity", type: "count/entity", query: [{ "a-str": { equals: "RED" } }, "or", { "a-int": { gt: "75" } }], "cache-period": 0 },
        { name: "sq-event", type: "count/event", query: [{ "e-str": { equals: "click", between: ["2020-02-01", "2020-02-02"] } }], "cache-period": 0 },
        { name: "sq-total", type: "count/entity/total", query: { dimensions: ["users"] }, "cache-period": 0 },
        { name: "sq-agg", type: "aggregation", query: { query: [{ "a-str": 2 }, { "a-int": "sum" }] }, "cache-period": 0 },
        { name: "sq-top", type: "top_values", query: { t: { "a-str": 2 } }, "cache-period": 0 },
        { name: "sq-users", type: "count/entity", query: [{ "u-plan": { equals: "gold" } }], dimension: "users", "cache-period": 5 },
      ];
      for (const def of defs) {
        const r = await saved("POST", "", def);
        expect(r.status, r.text).toBe(200);
        expect(r.body).toMatchObject({ status: "success", ...def });
      }
      const list = await saved("GET", "");
      expect(list.status).toBe(200);
      expect(list.body["saved-queries"]).toEqual(expect.arrayContaining(defs));
      const run = async (name: string) => {
        const r = await saved("GET", `/${name}`, undefined, db.read);
        expect(r.status, r.text).toBe(200);
        return r.body;
      };
      expect(await run("sq-entity")).toMatchObject({ type: "count/entity", query: defs[0]!.query, result: { query: 5 } });
      expect((await run("sq-event")).result).toEqual({ query: 19 });
      expect((await run("sq-total")).result).toEqual({ total: 3 });
      expect((await run("sq-agg")).result).toEqual({
        "a-str": [
          { value: "red", quantity: 4, "a-int": { sum: 60 } },
          { value: "green", quantity: 3, "a-int": { sum: 150 } },
        ],
      });
      expect((await run("sq-top")).result).toEqual({
        t: {
          "a-str": [
            { value: "red", quantity: 4 },
            { value: "green", quantity: 3 },
          ],
        },
      });
      expect((await run("sq-users")).result).toEqual({ query: 2 });

      // Trailing slash spelling (§1.1).
      expect((await saved("GET", "/sq-users/", undefined, db.read)).body.result).toEqual({ query: 2 });

      const put = await saved("PUT", "/sq-entity", { type: "count/entity", query: [{ "a-str": { equals: "blue" } }], "cache-period": 0 });
      expect(put.status, put.text).toBe(200);
      expect(put.body).not.toHaveProperty("name");
      expect(put.body).toMatchObject({ type: "count/entity", query: [{ "a-str": { equals: "blue" } }], "cache-period": 0 });
      expect((await run("sq-entity")).result).toEqual({ query: 2 });
      // PUT may change the type too.
      expect((await saved("PUT", "/sq-entity", { type: "count/entity/total", "cache-period": 0 })).status).toBe(200);
      expect((await run("sq-entity")).result).toEqual({ total: 10 + 3 }); // default + users (rel is still empty)

      for (const def of defs) {
        const del = await saved("DELETE", `/${def.name}`);
        expect(del.status, del.text).toBe(200);
        expect(del.body["deleted-query"]).toBe(def.name);
        expect(del.body.name).toBe(def.name);
      }
      expect((await saved("GET", "")).body["saved-queries"]).toEqual([]);
      expectError(await saved("GET", "/sq-entity", undefined, db.read), 104, 404);
      expectError(await saved("DELETE", "/sq-entity"), 104, 404);
      expectError(await saved("PUT", "/sq-entity", { type: "count/entity/total" }), 104, 404);
    });

    it("answers the documented codes for bad names, types, bodies and keys", async () => {
      const q = [{ "a-str": { equals: "red" } }];
      expectError(await saved("POST", "", { type: "count/entity", query: q }), 102);
      expectError(await saved("POST", "", { name: "", type: "count/entity", query: q }), 102);
      for (const name of ["bad_name", "bad name", "b@d", "ação", 42, "a".repeat(101)]) {
        expectError(await saved("POST", "", { name, type: "count/entity", query: q }), 118);
      }
      expectError(await saved("GET", "/bad_name", undefined, db.read), 118);
      expectError(await saved("GET", "/bad%20name", undefined, db.read), 118);
      for (const type of ["result", "score", "exists", "count", "COUNT/ENTITY", 1, null]) {
        expectError(await saved("POST", "", { name: "t1", type, query: q }), 105);
      }
      expectError(await saved("POST", "", { name: "t1", query: q }), 105);
      for (const cp of [-1, "60", 1.5, null, true]) {
        expectError(await saved("POST", "", { name: "t1", type: "count/entity", query: q, "cache-period": cp }), 117);
      }
      expectError(await saved("POST", "", { name: "t1", type: "count/entity" }), 80);
      expectError(await saved("POST", "", { name: "t1", type: "count/entity", query: [{ ghost: { equals: 1 } }] }), 116);
      expectError(await saved("POST", "", { name: "t1", type: "count/event", query: [{ "a-str": { equals: "red" } }] }), 116);
      expectError(await saved("POST", "", { name: "t1", type: "aggregation", query: { query: [{ "a-str": "sum" }] } }), 116);
      expectError(await saved("POST", "", { name: "t1", type: "top_values", query: [{ "a-str": 5 }] }), 116);
      expectError(await saved("POST", "", { name: "t1", type: "count/entity", query: q, dimension: "nope" }), 128);
      expectError(await saved("POST", "", { name: "t1", type: "count/entity", query: q, extra: 1 }), 119);
      expectError(await saved("POST", "", [{ name: "t1", type: "count/entity", query: q }]), 108);
      expectError(await call("POST", "/v1/query/saved", { key: db.master, raw: "{nope" }), 24);
      expectError(await saved("POST", "", { name: "t1", type: "count/entity", query: q }, db.read), 13, 403);
      expectError(await saved("GET", "", undefined, db.read), 13, 403);
      expectError(await call("GET", "/v1/query/saved/x"), 10, 401);
      // Nothing was stored by any of these.
      expect((await saved("GET", "")).body["saved-queries"]).toEqual([]);
      // PUT cannot rename.
      expect((await saved("POST", "", { name: "keep", type: "count/entity", query: q })).status).toBe(200);
      expectError(await saved("PUT", "/keep", { name: "other", type: "count/entity", query: q }), 118);
      expectError(await saved("POST", "", { name: "keep", type: "count/entity", query: q }), 103, 409);
      expect((await saved("DELETE", "/keep")).status).toBe(200);
    });

    it("accepts a definition naming a column another isolate just created (schema looked up once more, as queries do)", async () => {
      // Warm this isolate's schema cache, then create columns behind its back, as another isolate would.
      expect((await saved("GET", "")).status).toBe(200);
      const created = await catalogOf(env, db.id).createColumns([
        { name: "Fresh", apiName: "sq-fresh", type: "string", dimension: "default", storage: "latest-value" },
        { name: "Fresh2", apiName: "sq-fresh2", type: "integer", dimension: "fresh-dim", storage: "latest-value" },
      ]);
      expect(created.ok).toBe(true);
      const post1 = await saved("POST", "", { name: "fresh", type: "count/entity", query: [{ "sq-fresh": { equals: "a" } }], "cache-period": 0 });
      expect(post1.status, post1.text).toBe(200);
      const put = await saved("PUT", "/fresh", { type: "count/entity", query: [{ "sq-fresh2": { equals: 1 } }], dimension: "fresh-dim", "cache-period": 0 });
      expect(put.status, put.text).toBe(200);
      const run = await saved("GET", "/fresh", undefined, db.read);
      expect(run.status, run.text).toBe(200);
      expect(run.body.result).toEqual({ query: 0 });
      expectError(await saved("POST", "", { name: "fresh-x", type: "count/entity", query: [{ "sq-never": { equals: "a" } }] }), 116);
      expect((await saved("DELETE", "/fresh")).status).toBe(200);
    });

    it("fails cleanly (not 500) when a column of a saved query is deleted, and works again once it is back", async () => {
      await columns([{ name: "Tmp", "api-name": "sq-tmp", type: "string", dimension: "sqd" }]);
      await insert({ t1: { "sq-tmp": "a", dimension: "sqd" }, t2: { "sq-tmp": "b", dimension: "sqd" } });
      expect((await saved("POST", "", { name: "tmp", type: "count/entity", query: [{ "sq-tmp": { equals: "a" } }], dimension: "sqd", "cache-period": 0 })).status).toBe(200);
      expect((await saved("GET", "/tmp", undefined, db.read)).body.result).toEqual({ query: 1 });
      const del = await call("DELETE", "/v1/column/sq-tmp?dimension=sqd", { key: db.master });
      expect(del.status, del.text).toBe(200);
      const r = await saved("GET", "/tmp", undefined, db.read);
      expect(r.status, r.text).toBeLessThan(500);
      expect(r.body.errors[0].code).toBe(85);
      // Still listed: a definition outlives its columns.
      expect((await saved("GET", "")).body["saved-queries"].map((d: { name: string }) => d.name)).toContain("tmp");
      // The column comes back (same api-name and type): the stored definition runs again.
      await columns([{ name: "Tmp", "api-name": "sq-tmp", type: "string", dimension: "sqd" }]);
      await insert({ t3: { "sq-tmp": "A", dimension: "sqd" } });
      const again = await saved("GET", "/tmp", undefined, db.read);
      expect(again.status, again.text).toBe(200);
      expect(again.body.result).toEqual({ query: 1 });
      expect((await saved("DELETE", "/tmp")).status).toBe(200);
    });
  });

  describe("exists, count event, count entity total (§7.2-7.4)", () => {
    it("exists: ids, dimension, limits", async () => {
      const r = await post("/v1/query/exists/entity", { ids: ["e1", "zz", "e9", "u1"] });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toMatchObject({ exists: ["e1", "e9"], "not-exists": ["zz", "u1"] });
      expect((await post("/v1/query/exists/entity", { ids: ["u1", "e1"], dimension: "users" })).body).toMatchObject({ exists: ["u1"], "not-exists": ["e1"] });
      const hundred = Array.from({ length: 100 }, (_, i) => `e${i}`);
      const ok = await post("/v1/query/exists/entity", { ids: hundred });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body.exists).toHaveLength(10);
      expect(ok.body["not-exists"]).toHaveLength(90);
      expectError(await post("/v1/query/exists/entity", { ids: [...hundred, "e100"] }), 99);
      expectError(await post("/v1/query/exists/entity", { ids: [] }), 115);
      expectError(await post("/v1/query/exists/entity", {}), 107);
      expectError(await post("/v1/query/exists/entity", { ids: "e1" }), 108);
      expectError(await post("/v1/query/exists/entity", { ids: [{}] }), 108);
      expectError(await post("/v1/query/exists/entity", { ids: ["e1"], dimension: "nope" }), 128);
      expectError(await post("/v1/query/exists/entity", { ids: ["e1"], query: [] }), 119);
    });

    it("count event: named queries, windows, value predicates, and what it refuses", async () => {
      const win = ["2020-02-01", "2020-02-02"];
      const r = await post("/v1/query/count/event", [
        { "query-name": "clicks", query: [{ "e-str": { equals: "CLICK", between: win } }] },
        { "query-name": "views", query: [{ "e-str": { equals: "view", between: win } }] },
        { "query-name": "views-day-1", query: [{ "e-str": { equals: "view", between: ["2020-02-01", "2020-02-01T23:59:59Z"] } }] },
        { "query-name": "ints", query: { "e-int": { equals: "3", between: ["2020-02-01", "2020-02-04"] } } },
        { "query-name": "not-click", query: [{ "e-str": { "not-equals": "click", between: win } }] },
        { "query-name": "decs", query: [{ "e-dec": { gte: 5, between: ["2020-02-01T12:00:00Z", "2020-02-01T12:00:00Z"] } }] },
      ]);
      expect(r.status, r.text).toBe(200);
      expect(r.body.result).toEqual({ clicks: 19, views: 5, "views-day-1": 0, ints: 1, "not-click": 5, decs: 5 });
      // Via the documented /count/events spelling as well.
      expect((await post("/v1/query/count/events", { "query-name": "c", query: [{ "e-str": { equals: "click", between: win } }] })).body.result).toEqual({ c: 19 });

      expectError(await post("/v1/query/count/event", { "query-name": "q", query: [{ "e-str": { equals: "click" } }] }), 88);
      expectError(await post("/v1/query/count/event", { "query-name": "q", query: [{ "a-str": { equals: "red", between: win } }] }), 88);
      expectError(await post("/v1/query/count/event", { "query-name": "q", query: [{ "e-str": { equals: "click", between: win } }, "and", { "e-str": { equals: "view", between: win } }] }), 88);
      expectError(await post("/v1/query/count/event", { "query-name": "q", query: [{ minfreq: 2, freqgroup: [{ "e-str": { equals: "click", between: win } }] }] }), 88);
      const mf = await post("/v1/query/count/event", { "query-name": "q", query: [{ "e-str": { equals: "click", between: win, minfreq: 2 } }] });
      expect(mf.status, mf.text).toBe(400);
      expectError(await post("/v1/query/count/event", { "query-name": "q", query: [{ "e-str": { equals: "click", between: win } }], dimension: "users" }), 85);
      expectError(
        await post(
          "/v1/query/count/event",
          Array.from({ length: 11 }, (_, i) => ({ "query-name": `q${i}`, query: [{ "e-str": { equals: "click", between: win } }] })),
        ),
        123,
      );
    });

    it("count entity total: whole database, dimension lists, GET", async () => {
      // default 10 + users 3 + sqd 3 (the saved-query tests); rel is filled later.
      expect((await post("/v1/query/count/entity/total", {})).body.result).toEqual({ total: 16 });
      expect((await call("POST", "/v1/query/count/entity/total", { key: db.master })).body.result).toEqual({ total: 16 });
      expect((await call("GET", "/v1/query/count/entity/total", { key: db.read })).body.result).toEqual({ total: 16 });
      expect((await post("/v1/query/count/entity/total", { dimensions: ["users"] })).body.result).toEqual({ total: 3 });
      expect((await post("/v1/query/count/entity/total", { dimensions: ["default", "users", "users"] })).body.result).toEqual({ total: 13 });
      expectError(await post("/v1/query/count/entity/total", { dimensions: ["nope"] }), 128);
      expectError(await post("/v1/query/count/entity/total", { dimensions: [] }), 108);
      expectError(await post("/v1/query/count/entity/total", { dimensions: "users" }), 108);
      expectError(await post("/v1/query/count/entity/total", { dimension: "users" }), 119);
    });
  });

  describe("top values (§7.5)", () => {
    const top = async (body: Record<string, unknown>) => {
      const r = await post("/v1/query/top_values", body);
      expect(r.status, r.text).toBe(200);
      return r.body.result;
    };
    it("filters on the column, n limits, several named queries, ties and dimensions", async () => {
      const r = await top({
        all: { "a-str": 5 },
        contains: { "a-str": 5, contains: ["RE"] },
        ends: { "a-str": 5, "ends-with": ["en", "zz"] },
        starts: { "a-str": 5, "starts-with": ["b", "G"] },
        none: { "a-str": 5, "not-contains": ["e"] },
      });
      expect(r).toEqual({
        all: {
          "a-str": [
            { value: "red", quantity: 4 },
            { value: "green", quantity: 3 },
            { value: "blue", quantity: 2 },
          ],
        },
        contains: {
          "a-str": [
            { value: "red", quantity: 4 },
            { value: "green", quantity: 3 },
          ],
        },
        ends: { "a-str": [{ value: "green", quantity: 3 }] },
        starts: {
          "a-str": [
            { value: "green", quantity: 3 },
            { value: "blue", quantity: 2 },
          ],
        },
        none: { "a-str": [] },
      });
      expect(await top({ ne: { "a-str": 5, "not-equals": ["RED"] }, eq: { "a-str": 5, equals: ["red", "Blue"] }, one: { "a-str": 1 } })).toEqual({
        ne: {
          "a-str": [
            { value: "green", quantity: 3 },
            { value: "blue", quantity: 2 },
          ],
        },
        eq: {
          "a-str": [
            { value: "red", quantity: 4 },
            { value: "blue", quantity: 2 },
          ],
        },
        one: { "a-str": [{ value: "red", quantity: 4 }] },
      });
      // A tie at the cut: one of the two, quantity 5 each.
      const tie = (await top({ b: { "a-bool": 1 } })).b["a-bool"];
      expect(tie).toHaveLength(1);
      expect(tie[0].quantity).toBe(5);
      expect(["true", "false"]).toContain(tie[0].value);
      const ints = (await top({ i: { "a-int": 10, "not-equals": ["10", 20] } })).i["a-int"];
      expect(ints.map((v: { value: string }) => v.value).sort()).toEqual(["0", "30", "40", "50", "60", "70", "80"]);
      expect(await top({ d: { "a-dec": 1, equals: ["1.25"] }, day: { "a-date": 1, equals: ["2020-01-02"] }, dt: { "a-dt": 1, equals: ["2020-01-01T00:00:03Z"] } })).toEqual({
        d: { "a-dec": [{ value: "1.25", quantity: 1 }] },
        day: { "a-date": [{ value: "2020-01-02", quantity: 1 }] },
        dt: { "a-dt": [{ value: "2020-01-01t00:00:03z", quantity: 1 }] },
      });
      // Event columns: entities holding the value in the window; all time without a window.
      expect(await top({ w: { "e-str": 5, between: ["2020-02-02", "2020-02-03"] }, all: { "e-str": 5 }, c: { "e-str": 5, contains: ["lic"] } })).toEqual({
        w: { "e-str": [{ value: "view", quantity: 5 }] },
        all: {
          "e-str": [
            { value: "click", quantity: 10 },
            { value: "view", quantity: 5 },
          ],
        },
        c: { "e-str": [{ value: "click", quantity: 10 }] },
      });
      expect(await top({ p: { "u-plan": 5 }, dimension: "users" })).toEqual({
        p: {
          "u-plan": [
            { value: "gold", quantity: 2 },
            { value: "silver", quantity: 1 },
          ],
        },
      });
      expect(await top({ p: { "u-plan": 5, dimension: "users" }, s: { "a-str": 1 } })).toEqual({
        p: {
          "u-plan": [
            { value: "gold", quantity: 2 },
            { value: "silver", quantity: 1 },
          ],
        },
        s: { "a-str": [{ value: "red", quantity: 4 }] },
      });
    });

    it("refuses bad top-values requests with the documented codes", async () => {
      const bad = (body: unknown) => post("/v1/query/top_values", body);
      expectError(await bad({ t: { "a-str": 0 } }), 90);
      expectError(await bad({ t: { "a-str": "5" } }), 90);
      expectError(await bad({ t: { "a-str": 2.5 } }), 90);
      expectError(await bad({ t: { "a-str": 5, "a-int": 5 } }), 91);
      expectError(await bad({ t: { "a-str": 5, contains: [] } }), 109);
      expectError(await bad({ t: { "a-int": 5, contains: ["1"] } }), 98);
      expectError(await bad({ t: { "a-str": 5, between: ["2020-01-01", "2020-01-02"] } }), 96);
      expectError(await bad({ t: { ghost: 5 } }), 85);
      expectError(await bad({ a: { "a-str": 1 }, b: { "a-str": 1 }, c: { "a-str": 1 }, d: { "a-str": 1 }, e: { "a-str": 1 }, f: { "a-str": 1 } }), 123);
      expectError(await bad({}), 108);
      expectError(await bad({ t: 5 }), 108);
      expectError(await bad([{ t: { "a-str": 5 } }]), 108);
      expectError(await bad({ t: { "a-str": 5 }, dimension: "nope" }), 128);
      expectError(await bad({ t: { "e-str": 5, between: ["2020-01-01", "later"] } }), 78);
    });
  });

  describe("aggregation (§7.6)", () => {
    const agg = async (body: Record<string, unknown>) => {
      const r = await post("/v1/query/aggregation", body);
      expect(r.status, r.text).toBe(200);
      return r;
    };
    it("filters, nests levels with their own n, and types metric numbers", async () => {
      const f = await agg({ filter: [{ "a-str": { equals: "RED" } }], query: [{ "a-int": "sum" }, { "a-int": "avg" }, { "a-int": "min" }, { "a-int": "max" }, { "a-dec": "sum" }] });
      expect(f.body.result).toEqual({ "a-int": { sum: 60, avg: 15, min: 0, max: 30 }, "a-dec": { sum: 7 } });
      expect(f.text).toContain('"avg":15.0');
      expect(f.text).toContain('"sum":60,');
      expect(f.text).toContain('"a-dec":{"sum":7.0}');
      const nested = await agg({ query: [{ "a-str": 2 }, { "a-bool": 1 }, { "a-int": "max" }] });
      const red = nested.body.result["a-str"][0];
      expect(nested.body.result["a-str"].map((b: { value: string }) => b.value)).toEqual(["red", "green"]);
      expect(red["a-bool"]).toHaveLength(1);
      expect(red["a-bool"][0].quantity).toBe(2);
      const green = nested.body.result["a-str"][1];
      expect(green["a-bool"]).toEqual([{ value: "true", quantity: 2, "a-int": { max: 60 } }]);
      const eq = await agg({ query: [{ "a-int": 5, equals: ["10", 20, 999] }] });
      expect(eq.body.result).toEqual({
        "a-int": [
          { value: "10", quantity: 1 },
          { value: "20", quantity: 1 },
        ],
      });
      const none = await agg({ filter: [{ "a-str": { equals: "purple" } }], query: [{ "a-str": 3 }, { "a-int": "sum" }] });
      expect(none.body.result).toEqual({ "a-str": [] });
      const filterOr = await agg({ filter: [[{ "a-str": { equals: "blue" } }, "or", { "a-int": { lt: 10 } }], "and", ["not", { "a-bool": { equals: "false" } }]], query: [{ "a-int": "sum" }] });
      expect(filterOr.body.result).toEqual({ "a-int": { sum: 0 + 80 } });
    });

    it("aggregates event columns inside windows, histograms and explicit buckets", async () => {
      const w = ["2020-02-01", "2020-02-01T23:59:59Z"];
      const r = await agg({
        query: [
          { "e-int": "sum", between: w },
          { "e-dec": "max", between: w },
          { "e-str": "count-events", between: w },
        ],
      });
      expect(r.body.result).toEqual({ "e-int": { sum: 18 }, "e-dec": { max: 9.5 }, "e-str": { "count-events": 19 } });
      expect(r.text).toContain('"count-events":19}');
      const h = await agg({ query: [{ "e-int": "sum", between: ["2020-02-01", "2020-02-05"], interval: "days" }] });
      expect(h.body.result["e-int"]).toEqual([
        { sum: 18, between: ["2020-02-01T00:00:00Z", "2020-02-02T00:00:00Z"] },
        { sum: 12, between: ["2020-02-02T00:00:00Z", "2020-02-03T00:00:00Z"] },
        { sum: 15, between: ["2020-02-03T00:00:00Z", "2020-02-04T00:00:00Z"] },
      ]);
      const avg = await agg({ query: [{ "e-int": "avg", between: ["2020-02-01", "2020-02-05"], interval: "days" }] });
      expect(avg.text).toContain('"avg":4.0'); // day 2: 12 / 3
      const b = await agg({
        query: [
          {
            "e-int": "count-events",
            between: [
              ["2020-02-01", "2020-02-02"],
              ["2020-02-03", "2020-02-04"],
              ["2021-01-01", "2021-01-02"],
            ],
          },
        ],
      });
      expect(b.body.result["e-int"]).toEqual([
        { "count-events": 4, between: ["2020-02-01T00:00:00Z", "2020-02-02T00:00:00Z"] },
        { "count-events": 3, between: ["2020-02-03T00:00:00Z", "2020-02-04T00:00:00Z"] },
      ]);
      const g = await agg({ query: [{ "e-str": 5, between: ["2020-02-01", "2020-02-03"] }, { "a-int": "max" }] });
      expect(g.body.result).toEqual({
        "e-str": [
          { value: "click", quantity: 10, "a-int": { max: 80 } },
          { value: "view", quantity: 5, "a-int": { max: 40 } },
        ],
      });
      const grouped = await agg({ query: [{ "a-str": 1 }, { "e-int": "sum", between: ["2020-02-01", "2020-02-05"], interval: "days" }] });
      expect(grouped.body.result["a-str"]).toEqual([
        {
          value: "red",
          quantity: 4,
          "e-int": [
            { sum: 0 + 3, between: ["2020-02-01T00:00:00Z", "2020-02-02T00:00:00Z"] },
            { sum: 1, between: ["2020-02-02T00:00:00Z", "2020-02-03T00:00:00Z"] },
            { sum: 2, between: ["2020-02-03T00:00:00Z", "2020-02-04T00:00:00Z"] },
          ],
        },
      ]);
    });

    it("refuses malformed aggregations with the documented codes", async () => {
      const bad = (body: unknown) => post("/v1/query/aggregation", body);
      expectError(await bad({ query: [{ "a-int": "sum" }, { "a-str": 2 }] }), 95);
      expectError(await bad({ query: [{ "a-int": "median" }] }), 89);
      expectError(await bad({ query: [{ "a-str": "sum" }] }), 97);
      expectError(await bad({ query: Array.from({ length: 6 }, () => ({ "a-str": 2 })) }), 92);
      expectError(await bad({ query: [] }), 93);
      expectError(await bad({ query: [{ "a-str": 2, "a-int": 2 }] }), 93);
      expectError(await bad({}), 80);
      expectError(await bad({ query: [{ "e-int": "count-events" }] }), 96);
      expectError(await bad({ query: [{ "a-int": "sum", between: ["2020-01-01", "2020-01-02"] }] }), 96);
      expectError(await bad({ query: [{ "e-int": "sum", between: ["2020-01-01", "2020-01-02"], interval: "fortnights" }] }), 93);
      expectError(await bad({ query: [{ "a-str": 0 }] }), 90);
      expectError(await bad({ query: [{ ghost: 2 }] }), 85);
      expectError(await bad({ filter: [{ ghost: { equals: 1 } }], query: [{ "a-str": 2 }] }), 85);
      expectError(await bad({ filter: "red", query: [{ "a-str": 2 }] }), 108);
      expectError(await bad({ query: [{ "a-str": 2 }], dimension: "nope" }), 128);
      // QueryAggregationInvalidParameter (API.md §2.4): an unknown member of an aggregation body is 120, not 119.
      expectError(await bad({ query: [{ "a-str": 2 }], filters: [] }), 120);
      expectError(await bad({ query: [{ "a-str": 2 }], limit: 5 }), 120);
    });
  });

  describe("result and score (§7.7-7.8)", () => {
    it("returns requested values as strings, event windows as {value, date}, omits missing values", async () => {
      const r = await post("/v1/data_extraction/result", {
        query: [{ "entity-id": { equals: "e3" } }, "or", { "entity-id": { equals: "e9" } }],
        columns: ["entity-id", "a-str", "a-int", "a-dec", "a-bool", "a-date", "a-dt", { "e-str": ["2020-02-01", "2020-02-01T23:59:59Z"] }, { "e-int": ["2021-01-01", "2021-01-02"] }],
        order: [{ "entity-id": "asc" }],
      });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toMatchObject({ page: 1, "next-page": null });
      expect(r.body.data).toEqual([
        {
          "entity-id": "e3",
          "a-str": "red",
          "a-int": "30",
          "a-dec": "3.25",
          "a-bool": "false",
          "a-date": "2020-01-04",
          "a-dt": "2020-01-01t00:00:03z",
          "e-str": { value: "click", date: "2020-02-01T10:00:00Z" },
        },
        { "entity-id": "e9", "a-dec": "9.25", "a-bool": "false", "a-date": "2020-01-10", "a-dt": "2020-01-01t00:00:09z", "e-str": { value: "click", date: "2020-02-01T10:00:00Z" } },
      ]);
    });

    it("orders on several keys, pages with page-token, and scores alternatives", async () => {
      const ordered = await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], columns: ["entity-id"], order: [{ "a-str": "asc" }, { "a-int": "desc" }], limit: 9 });
      expect(ordered.status, ordered.text).toBe(200);
      expect(ordered.body.data.map((r: { "entity-id": string }) => r["entity-id"])).toEqual(["e8", "e7", "e6", "e5", "e4", "e3", "e2", "e1", "e0"]);

      const first = await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], columns: ["entity-id"], limit: 4 });
      expect(first.body.page).toBe(1);
      const token = first.body["next-page"];
      expect(typeof token).toBe("string");
      const second = await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], columns: ["entity-id"], "page-token": token });
      expect(second.status, second.text).toBe(200);
      expect(second.body.page).toBe(2);
      expect(second.body.data.map((r: { "entity-id": string }) => r["entity-id"])).toEqual(["e4", "e5", "e6", "e7"]);
      const third = await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], columns: ["entity-id"], "page-token": second.body["next-page"] });
      expect(third.body).toMatchObject({ page: 3, data: [{ "entity-id": "e8" }], "next-page": null });

      expectError(await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], columns: ["entity-id"], "page-token": token, limit: 4 }), 112);
      expectError(await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 1 } }], columns: ["entity-id"], "page-token": token }), 113);
      expectError(await post("/v1/data_extraction/score", { query: [{ "a-int": { gte: 0 } }], columns: ["entity-id"], "page-token": token }), 113);
      for (const t of ["garbage", "", 5, "eyJ2IjoxfQ"]) {
        expectError(await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], "page-token": t }), 113);
      }
      for (const limit of [0, -1, 1.5, "5"]) expectError(await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], limit }), 110);
      expectError(await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], limit: 1_000_000 }), 111);
      const one = await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], limit: 1 });
      expect(one.body.data).toHaveLength(1);
      expect(typeof one.body["next-page"]).toBe("string");

      const score = await post("/v1/data_extraction/score", {
        query: [
          [{ "a-str": { equals: "red" } }, "and", { "a-bool": { equals: "true" } }],
          "or",
          { "a-int": { lte: 20 } },
          "or",
          { "e-str": { equals: "view", between: ["2020-02-02", "2020-02-03"], minfreq: 1 } },
        ],
        columns: ["entity-id"],
        order: [{ "entity-id": "asc" }],
      });
      expect(score.status, score.text).toBe(200);
      expect(score.body.data).toEqual([
        { "entity-id": "e0", score: 3 },
        { "entity-id": "e1", score: 2 },
        { "entity-id": "e2", score: 3 },
        { "entity-id": "e3", score: 1 },
        { "entity-id": "e4", score: 1 },
      ]);
      expect(score.text).toContain('"score":3}');
      // A negated alternative scores 1 when it holds (API.md §7.8: UNCONFIRMED, "use 1").
      const neg = await post("/v1/data_extraction/score", {
        query: [["not", { "a-str": { equals: "red" } }], "or", { "a-int": { lte: 40 } }],
        columns: ["entity-id"],
        order: [{ "entity-id": "asc" }],
        limit: 5,
      });
      expect(neg.body.data).toEqual([
        { "entity-id": "e0", score: 1 },
        { "entity-id": "e1", score: 1 },
        { "entity-id": "e2", score: 1 },
        { "entity-id": "e3", score: 1 },
        { "entity-id": "e4", score: 2 },
      ]);

      expectError(await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], columns: Array.from({ length: 11 }, () => "a-str") }), 114);
      expectError(await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], order: [{ score: "desc" }] }), 125);
      expectError(await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], order: [{ "a-int": "up" }] }), 108);
      expectError(await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], columns: [{ "a-str": ["2020-01-01", "2020-01-02"] }] }), 96);
      expectError(await post("/v1/data_extraction/result", { query: [{ "a-int": { gte: 0 } }], columns: ["ghost"] }), 85);
      expectError(await post("/v1/data_extraction/score", { query: [{ "a-int": { gte: 0 } }], fields: ["a-str"] }), 119);
    });
  });

  describe("dates and values in predicates (§6.2-6.3)", () => {
    it("resolves every relative token against now", async () => {
      await insertRelative();
      const expected = (from: number, to: number) => Object.entries(relTimes).filter(([, t]) => t >= from && t <= to).length;
      const q = (between: unknown[]) => ({ "e-rel": { equals: "X", between } });
      const now = Date.now();
      expect(await events(q(["now", "-30sec"]), "rel")).toBe(2);
      expect(await events(q(["-1min", "now"]), "rel")).toBe(2);
      expect(await events(q(["now", "-3hr"]), "rel")).toBe(4);
      expect(await events(q(["now", "-1d"]), "rel")).toBe(4);
      expect(await events(q(["now", "-1w"]), "rel")).toBe(5);
      expect(await events(q(["now", "-1m"]), "rel")).toBe(6);
      expect(await events(q(["now", "-1y"]), "rel")).toBe(7);
      expect(await events(q(["-2y", "now"]), "rel")).toBe(8);
      expect(await events(q(["now", "+1w"]), "rel")).toBe(1);
      expect(await events(q(["-3d", "-1d"]), "rel")).toBe(1);
      expect(await events(q([iso(setupNow - 11 * DAY_MS), "+2d"]), "rel")).toBe(1);
      expect(await events(q(["+2d", iso(setupNow - 11 * DAY_MS)]), "rel")).toBe(1);
      const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
      expect(await events(q(["today"]), "rel")).toBe(expected(dayStart, dayStart + DAY_MS - 1));
      expect(await events(q(["TODAY"]), "rel")).toBe(expected(dayStart, dayStart + DAY_MS - 1));
      expect(await count([q(["now", "-1y"])], "rel")).toBe(7);
      expect(await count([{ "e-rel": { equals: "x", between: ["now", "-1y"], minfreq: 2 } }], "rel")).toBe(0);
      // Offsets ("+1d", "now") are also usable as plain operands of date predicates.
      expect(await count([{ "a-date": { lt: "now" } }])).toBe(10);
      expect(await count([{ "a-date": { gt: "-1y" } }])).toBe(0);
    });

    it("refuses bad dates and relative tokens with 78 / 79 / 108", async () => {
      const bad = (between: unknown) => post("/v1/query/count/event", { "query-name": "q", query: [{ "e-rel": { equals: "x", between } }], dimension: "rel" });
      expectError(await bad(["now", "-1xyz"]), 79);
      expectError(await bad(["now", "-1"]), 79);
      expectError(await bad(["now", "yesterday"]), 78);
      expectError(await bad(["2020-13-01", "now"]), 78);
      expectError(await bad(["2020-02-30", "now"]), 78);
      expectError(await bad([5, "now"]), 78);
      expectError(await bad(["now"]), 108);
      expectError(await bad(["now", "-1d", "-2d"]), 108);
      expectError(await bad("now"), 108);
      expectError(await post("/v1/query/count/entity", { "query-name": "q", query: [{ "a-date": { equals: "someday" } }] }), 78);
      expectError(await post("/v1/query/count/entity", { "query-name": "q", query: [{ "a-date": { equals: 20200101 } }] }), 78);
    });

    it("between on date/datetime attributes, offsets, numeric strings and case-insensitive text", async () => {
      expect(await count([{ "a-date": { between: ["2020-01-02", "2020-01-04"] } }])).toBe(3);
      expect(await count([{ "a-date": { between: ["2020-01-04", "2020-01-02"] } }])).toBe(3);
      expect(await count([{ "a-dt": { between: ["2020-01-01T00:00:02Z", "2020-01-01T00:00:04Z"] } }])).toBe(3);
      expect(await count([{ "a-dt": { between: ["2020-01-01T03:00:02+03:00", "2019-12-31T21:00:04-03:00"] } }])).toBe(3);
      expect(await count([{ "a-dt": { equals: "2020-01-01T00:00:03Z" } }])).toBe(1);
      expect(await count([{ "a-dt": { equals: "2020-01-01t03:00:03+03:00" } }])).toBe(1);
      expect(await count([{ "a-dt": { gte: "2020-01-01T00:00:08Z" } }])).toBe(2);
      expect(await count([{ "a-date": { equals: "2020-01-02" } }])).toBe(1);
      expect(await count([{ "a-date": { "not-equals": "2020-01-02" } }])).toBe(9);
      expect(await count([{ "a-date": { range: ["2020-01-09", "2020-01-31"] } }])).toBe(2);
      expect(await count([{ "a-int": { equals: "10" } }])).toBe(1);
      expect(await count([{ "a-int": { range: ["10", "30"] } }])).toBe(3);
      expect(await count([{ "a-int": { gt: "75" } }])).toBe(1);
      expect(await count([{ "a-int": { "not-equals": "10" } }])).toBe(8);
      expect(await count([{ "a-dec": { equals: "1.25" } }])).toBe(1);
      expect(await count([{ "a-dec": { equals: 1 } }])).toBe(0);
      expect(await count([{ "a-bool": { equals: "TRUE" } }])).toBe(5);
      expect(await count([{ "a-bool": { equals: false } }])).toBe(5);
      expect(await count([{ "a-str": { equals: "RED" } }])).toBe(4);
      expect(await count([{ "a-str": { contains: "LU" } }])).toBe(2);
      expect(await count([{ "a-str": { "starts-with": "GR" } }])).toBe(3);
      expect(await count([{ "a-str": { "ends-with": "eD" } }])).toBe(4);
      expect(await count([{ "a-str": { "not-contains": "E" } }])).toBe(0);
      expect(await count([{ "e-str": { equals: "CLICK", between: ["2020-02-01", "2020-02-02"], minfreq: 3 } }])).toBe(3);
      expect(await count([{ "e-str": { equals: "click", between: ["2020-02-01", "2020-02-02"], minfreq: 2 } }])).toBe(6);
      expect(
        await count([{ minfreq: 3, freqgroup: [{ "e-str": { equals: "click", between: ["2020-02-01", "2020-02-03"] } }, { "e-str": { equals: "view", between: ["2020-02-01", "2020-02-03"] } }] }]),
      ).toBe(5); // e1 e2 e4 e5 e8
      expect(await count([{ "entity-id": { equals: "e1" } }, "or", { "entity-id": { equals: "E2" } }])).toBe(1);
      expect(await count([{ "u-plan": { equals: "GOLD" } }], "users")).toBe(2);
    });

    it("negation covers entities lacking the column; and binds tighter than or", async () => {
      expect(await count([["not", { "a-str": { equals: "red" } }]])).toBe(6); // e4..e9, e9 has no a-str
      expect(await count(["not", { "a-str": { equals: "red" } }])).toBe(6);
      expect(await count([{ "a-str": { "not-equals": "red" } }])).toBe(5); // SQL semantics: e9 has no value
      expect(await count([{ "a-str": { equals: "blue" } }, "or", { "a-str": { equals: "red" } }, "and", { "a-bool": { equals: true } }])).toBe(2 + 2);
      expect(await count([{ "a-str": { equals: "red" } }, "and", { "a-bool": { equals: true } }, "OR", { "a-str": { equals: "blue" } }])).toBe(4);
      expect(await count([["not", ["not", { "a-str": { equals: "red" } }]]])).toBe(4);
      expect(await count([{ "e-str": { equals: "view", between: ["2020-02-01", "2020-02-03"] } }, "and", ["not", { "e-str": { equals: "click", minfreq: 2 } }]])).toBe(2); // e0, e3
    });
  });

  describe("errors (§2)", () => {
    it("answers the documented envelope, code and status for invalid requests, never 500", async () => {
      const cq = (query: unknown) => post("/v1/query/count/entity", { "query-name": "q", query });
      const A = { "a-str": { equals: "red" } };
      expectError(await cq([]), 87);
      expectError(await cq(["and", A]), 84);
      expectError(await cq([A, A]), 86);
      expectError(await cq([A, "xor", A]), 83);
      expectError(await cq([A, "and"]), 87);
      expectError(await cq(["not"]), 87);
      expectError(await cq([A, "not", A]), 84);
      expectError(await cq([{ "a-str": { like: "r%" } }]), 81);
      expectError(await cq([{ ghost: { equals: 1 } }]), 85);
      expectError(await cq([{ "a-str": { equals: "red", minfreq: 1 } }]), 96);
      expectError(await cq([{ "e-str": { equals: "click", between: ["2020-01-01", "now"], minfreq: 0 } }]), 122);
      expectError(await cq([{ "e-str": { equals: "click", between: ["2020-01-01", "now"], minfreq: "2" } }]), 122);
      expectError(await cq([{ minfreq: -1, freqgroup: [{ "e-str": { equals: "click" } }] }]), 122); // QueryInvalidMinfreq (API.md §2.4), not 90
      expectError(await cq([{ "a-int": { contains: "1" } }]), 98);
      expectError(await cq([{ "a-str": { gt: "a" } }]), 126);
      expectError(await cq([{ "a-int": { equals: "ten" } }]), 126);
      expectError(await cq([{ "a-int": { range: [1] } }]), 108);
      expectError(await cq([{ "a-int": { equals: {} } }]), 108);
      expectError(await cq([{ "a-int": { equals: null } }]), 108);
      expectError(await cq([{ "a-bool": { equals: "maybe" } }]), 126);
      expectError(await cq([{ "entity-id": { gt: "a" } }]), 126);
      expectError(await cq([{ "a-str": {} }]), 108);
      expectError(await cq([{ "a-str": { equals: "red" }, "a-int": { equals: 1 } }]), 108);
      expectError(await cq([5]), 108);
      expectError(await cq("a-str"), 108);
      expectError(await post("/v1/query/count/entity", { query: [A] }), 108);
      expectError(await post("/v1/query/count/entity", { "query-name": "q" }), 80);
      expectError(await post("/v1/query/count/entity", { "query-name": "q", query: [A], foo: 1 }), 119);
      expectError(await post("/v1/query/count/entity", { "query-name": "q", query: [A], dimension: "nope" }), 128);
      expectError(await post("/v1/query/count/entity", []), 108);
      expectError(
        await post(
          "/v1/query/count/entity",
          Array.from({ length: 11 }, (_, i) => ({ "query-name": `q${i}`, query: [A] })),
        ),
        123,
      );
      expectError(await call("POST", "/v1/query/count/entity", { key: db.master, raw: "{" }), 24);
      expectError(await call("POST", "/v1/query/count/entity", { key: db.master, raw: "{}", headers: { "content-type": "text/plain" } }), 22, 415);
      expectError(await call("GET", "/v1/query/count/entity", { key: db.master }), 25, 405);
      expectError(await call("POST", "/v1/query/bogus", { key: db.master, body: {} }), 26, 404);
      expectError(await call("POST", "/v1/query/count/entity", { body: { "query-name": "q", query: [A] } }), 10, 401);
      expectError(await call("POST", "/v1/query/count/entity", { key: "sk_nope", body: { "query-name": "q", query: [A] } }), 12, 401);
      expectError(await call("POST", "/v1/query/count/entity", { key: db.write, body: { "query-name": "q", query: [A] } }), 13, 403);
      let deep: unknown = [A];
      for (let i = 0; i < 40; i++) deep = [deep];
      const d = await cq(deep);
      expect(d.status, d.text).toBe(400);
      expect(typeof firstError(d).code).toBe("number");
    });

    it("answers 4xx (never 500) for odd values anywhere in a query body", async () => {
      const odd = [null, true, 1e309 as unknown, -0, "", " ", [], {}, [[]], [{}], "\u0000", { __proto__: 1 }, ["not", ["not"]]];
      const bodies: Array<[string, (v: unknown) => unknown]> = [
        ["/v1/query/count/entity", (v) => ({ "query-name": "q", query: [{ "a-int": { equals: v } }] })],
        ["/v1/query/count/entity", (v) => ({ "query-name": "q", query: v })],
        ["/v1/query/count/entity", (v) => ({ "query-name": v, query: [{ "a-int": { equals: 1 } }] })],
        ["/v1/query/count/event", (v) => ({ "query-name": "q", query: [{ "e-int": { equals: 1, between: v } }] })],
        ["/v1/query/top_values", (v) => ({ t: { "a-str": 3, contains: v } })],
        ["/v1/query/top_values", (v) => ({ t: { "a-str": v } })],
        ["/v1/query/aggregation", (v) => ({ query: [{ "a-str": v }] })],
        ["/v1/query/aggregation", (v) => ({ query: [{ "e-int": "sum", between: v }] })],
        ["/v1/query/aggregation", (v) => ({ query: [{ "e-int": "sum", between: ["2020-01-01", "2020-01-02"], interval: v }] })],
        ["/v1/data_extraction/result", (v) => ({ query: [{ "a-int": { gte: 0 } }], columns: v })],
        ["/v1/data_extraction/result", (v) => ({ query: [{ "a-int": { gte: 0 } }], order: v })],
        ["/v1/data_extraction/score", (v) => ({ query: [{ "a-int": { gte: 0 } }], columns: [{ "e-int": v }] })],
        ["/v1/query/exists/entity", (v) => ({ ids: [v] })],
        ["/v1/query/count/entity/total", (v) => ({ dimensions: v })],
      ];
      for (const [path, make] of bodies) {
        for (const v of odd) {
          const r = await post(path, make(v));
          expect(r.status, `${path} ${JSON.stringify(make(v))}: ${r.text}`).toBeLessThan(500);
          if (r.status !== 200) expect(Array.isArray(r.body?.errors), r.text).toBe(true);
        }
      }
    });
  });
});
