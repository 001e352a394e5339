// Columns: every type and option of API.md §4, and every invalid definition changing nothing.

import { beforeAll, describe, expect, it } from "vitest";
import { call, createDatabase, firstError, type TestDatabase } from "../helpers/api";

describe("columns", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase({ shards: 2 });
  });

  const columns = () => call("GET", "/v1/column", { key: db.master });

  it("creates a column of every type, alone or as a list, with and without a trailing slash", async () => {
    const one = await call("POST", "/v1/column/", { key: db.write, body: { name: "Plan", "api-name": "plan", type: "string", cardinality: "low", description: "subscription plan" } });
    expect(one.status, one.text).toBe(200);
    expect(one.body).toMatchObject({ status: "success", "api-name": "plan" });
    const list = await call("POST", "/v1/column", {
      key: db.master,
      body: [
        { name: "Seats", "api-name": "seats", type: "integer" },
        { name: "Fee", "api-name": "fee", type: "decimal", "decimal-places": 2 },
        { name: "Active", "api-name": "active", type: "boolean" },
        { name: "Signup", "api-name": "signup", type: "date" },
        { name: "Seen", "api-name": "seen", type: "datetime" },
        { name: "Logins", "api-name": "logins", type: "string-event" },
        { name: "Clicks", "api-name": "clicks", type: "integer-event" },
        { name: "Payments", "api-name": "payments", type: "decimal-event", "decimal-places": 2 },
        { name: "Tags", "api-name": "tags", type: "string", storage: "list-of-values" },
        { name: "Band", "api-name": "band", type: "enumerated", range: [0, 10, 100] },
        { name: "Legacy", "api-name": "legacy", type: "integer-time-series" },
        { name: "Order total", "api-name": "total", type: "decimal", dimension: "orders" },
      ],
    });
    expect(list.status, list.text).toBe(200);
    expect(list.body["api-name"]).toHaveLength(12);
    const all = await columns();
    const byName = Object.fromEntries(all.body.active.map((c: { "api-name": string }) => [c["api-name"], c]));
    expect(byName["plan"]).toMatchObject({ name: "Plan", type: "string", cardinality: "low", storage: "latest-value", description: "subscription plan", dimension: "default" });
    expect(byName["fee"]).toMatchObject({ type: "decimal", "decimal-places": 2 });
    expect(byName["legacy"]).toMatchObject({ type: "integer-event" });
    expect(byName["band"]).toMatchObject({ range: [0, 10, 100] });
    expect(byName["total"]).toMatchObject({ dimension: "orders" });
    const database = await call("GET", "/v1/database", { key: db.master });
    expect(database.body.dimensions).toEqual(["default", "orders"]);
  });

  it("accepts the same definition again (a retried create) and refuses a different one", async () => {
    const def = { name: "Same", "api-name": "same", type: "string" };
    expect((await call("POST", "/v1/column", { key: db.master, body: def })).status).toBe(200);
    expect((await call("POST", "/v1/column", { key: db.master, body: def })).status).toBe(200);
    const r = await call("POST", "/v1/column", { key: db.master, body: { ...def, type: "integer" } });
    expect(r.status).toBe(409);
    expect(firstError(r).code).toBe(43);
  });

  const invalid: Array<[string, unknown, number]> = [
    ["unknown type", { name: "x", "api-name": "x1", type: "money" }, 41],
    ["missing name", { "api-name": "x2", type: "string" }, 40],
    ["missing type", { name: "x", "api-name": "x3" }, 40],
    ["missing api-name", { name: "x", type: "string" }, 40],
    ["blank name", { name: "  ", "api-name": "x4", type: "string" }, 50],
    ["name too long", { name: "n".repeat(81), "api-name": "x5", type: "string" }, 56],
    ["api-name with capitals", { name: "x", "api-name": "BadName", type: "string" }, 49],
    ["api-name with a dot", { name: "x", "api-name": "a.b", type: "string" }, 49],
    ["reserved api-name", { name: "x", "api-name": "entity-id", type: "string" }, 49],
    ["decimal-places on a string", { name: "x", "api-name": "x6", type: "string", "decimal-places": 2 }, 47],
    ["decimal-places out of range", { name: "x", "api-name": "x7", type: "decimal", "decimal-places": 11 }, 54],
    ["bad storage", { name: "x", "api-name": "x8", type: "string", storage: "everything" }, 48],
    ["bad cardinality", { name: "x", "api-name": "x9", type: "string", cardinality: "medium" }, 53],
    ["enumerated without range", { name: "x", "api-name": "x10", type: "enumerated" }, 39],
    ["range not ascending", { name: "x", "api-name": "x11", type: "enumerated", range: [5, 1] }, 39],
    ["description too long", { name: "x", "api-name": "x12", type: "string", description: "d".repeat(301) }, 52],
    ["unknown member", { name: "x", "api-name": "x13", type: "string", colour: "red" }, 2020],
    ["not an object", "plan", 108],
  ];
  for (const [what, body, code] of invalid) {
    it(`refuses a definition with ${what} (code ${code})`, async () => {
      const r = await call("POST", "/v1/column", { key: db.master, body });
      expect(r.status, r.text).toBeGreaterThanOrEqual(400);
      expect(firstError(r).code).toBe(code);
      expect(firstError(r).message.length).toBeGreaterThan(10);
    });
  }

  it("creates nothing when one definition of a list is invalid", async () => {
    const before = (await columns()).body.active.length;
    const r = await call("POST", "/v1/column", {
      key: db.master,
      body: [
        { name: "ok", "api-name": "fine-1", type: "string" },
        { name: "bad", "api-name": "bad-1", type: "nope" },
      ],
    });
    expect(r.status).toBe(400);
    expect((await columns()).body.active.length).toBe(before);
  });

  it("refuses invalid JSON and wrong content types", async () => {
    const bad = await call("POST", "/v1/column", { key: db.master, raw: "{nope" });
    expect(firstError(bad).code).toBe(24);
    const type = await call("POST", "/v1/column", { key: db.master, raw: "{}", headers: { "content-type": "text/plain" } });
    expect(type.status).toBe(415);
    expect(firstError(type).code).toBe(22);
  });

  it("renames and deactivates a column", async () => {
    await call("POST", "/v1/column", { key: db.master, body: { name: "Old", "api-name": "renamed", type: "string" } });
    const put = await call("PUT", "/v1/column/renamed", { key: db.master, body: { name: "New name", description: "better" } });
    expect(put.status, put.text).toBe(200);
    const del = await call("DELETE", "/v1/column/renamed", { key: db.master });
    expect(del.status, del.text).toBe(200);
    const all = await columns();
    expect(all.body.inactive).toEqual([expect.objectContaining({ "api-name": "renamed", name: "New name", description: "better" })]);
    const ins = await call("POST", "/v1/insert", { key: db.master, body: { e: { renamed: "x" } } });
    expect(firstError(ins).code).toBe(67);
    const missing = await call("DELETE", "/v1/column/never-was", { key: db.master });
    expect(missing.status).toBe(404);
  });

  it("answers unknown routes and wrong methods in the error envelope", async () => {
    const nf = await call("GET", "/v1/nothing-here", { key: db.master });
    expect(nf.status).toBe(404);
    expect(firstError(nf).code).toBe(26);
    const wm = await call("DELETE", "/v1/insert", { key: db.master });
    expect(wm.status).toBe(405);
    expect(firstError(wm).code).toBe(25);
    // Paths with parameters, historical names and the /v1/test prefix are known routes too.
    for (const path of ["/v1/column/some-column", "/v1/field/", "/v1/test/query/count/entity", "/v1/query/saved/some-query"]) {
      const r = await call("PATCH", path, { key: db.master });
      expect(r.status, path).toBe(405);
      expect(firstError(r).code, path).toBe(25);
    }
  });
});
