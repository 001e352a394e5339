// Browser access (CORS): a database allows no origin until its master key lists some with PUT
// /v1/database/cors; preflights are answered for any origin without a key; the real answer carries
// Access-Control-Allow-Origin only for a listed origin; a bad setting is refused and changes nothing.

import { beforeAll, describe, expect, it } from "vitest";
import { call, createDatabase, firstError, type TestDatabase } from "../helpers/api";

const APP = "https://app.example.com";
const OTHER = "https://evil.example.net";

describe("browser access (CORS)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase({ shards: 1, replicas: 0 });
  });

  const countFrom = (origin: string, key = db.read) => call("POST", "/v1/query/count/entity/total", { key, body: {}, headers: { origin } });

  it("allows no origin by default", async () => {
    const r = await call("GET", "/v1/database/cors", { key: db.master });
    expect(r.status, r.text).toBe(200);
    expect(r.body["allowed-origins"]).toEqual([]);
    const answer = await countFrom(APP);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a preflight without a key, for any origin, with the API's methods and headers", async () => {
    const r = await call("OPTIONS", "/v1/query/count/entity/", {
      headers: { origin: OTHER, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get("access-control-allow-origin")).toBe(OTHER);
    expect(r.headers.get("access-control-allow-methods")).toBe("GET,POST,PUT,DELETE");
    expect(r.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(r.headers.get("access-control-max-age")).toBe("7200");
    expect(r.headers.get("vary")).toContain("Origin");
    expect(r.headers.get("x-request-id")).toBeTruthy();
    // The operator API is not for browsers.
    const admin = await call("OPTIONS", "/admin/databases", { headers: { origin: OTHER, "access-control-request-method": "GET" } });
    expect(admin.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets the master key list origins, normalised, and then answers only those", async () => {
    const put = await call("PUT", "/v1/database/cors", { key: db.master, body: { "allowed-origins": ["HTTPS://App.Example.com/", APP, "http://localhost:5173"] } });
    expect(put.status, put.text).toBe(200);
    expect(put.body["allowed-origins"]).toEqual([APP, "http://localhost:5173"]);
    expect((await call("GET", "/v1/database/cors", { key: db.master })).body["allowed-origins"]).toEqual([APP, "http://localhost:5173"]);

    const allowed = await countFrom(APP);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP);
    expect(allowed.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
    expect(allowed.headers.get("vary")).toContain("Origin");
    expect((await countFrom(OTHER)).headers.get("access-control-allow-origin")).toBeNull();

    // Errors after authentication carry it too, so the page can read the SlicingDice error.
    const bad = await call("POST", "/v1/query/count/entity", { key: db.read, body: { nope: 1 }, headers: { origin: APP } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("access-control-allow-origin")).toBe(APP);

    // Another database's list is its own.
    const other = await createDatabase({ shards: 1, replicas: 0 });
    expect((await countFrom(APP, other.read)).headers.get("access-control-allow-origin")).toBeNull();
  });

  it('answers "*" to any origin when the list holds "*"', async () => {
    const other = await createDatabase({ shards: 1, replicas: 0 });
    expect((await call("PUT", "/v1/database/cors", { key: other.master, body: { "allowed-origins": ["*"] } })).status).toBe(200);
    expect((await countFrom(OTHER, other.read)).headers.get("access-control-allow-origin")).toBe("*");
  });

  it("refuses settings that are not origins, and keeps the previous list", async () => {
    const before = (await call("GET", "/v1/database/cors", { key: db.master })).body["allowed-origins"];
    const bodies: unknown[] = [
      {},
      { "allowed-origins": "https://a.com" },
      { "allowed-origins": ["https://a.com/path"] },
      { "allowed-origins": ["ftp://a.com"] },
      { "allowed-origins": ["https://a.com?x=1"] },
      { "allowed-origins": ["https://user@a.com"] },
      { "allowed-origins": ["null"] },
      { "allowed-origins": [7] },
      { "allowed-origins": [`https://${"a".repeat(300)}.com`] },
      { "allowed-origins": Array.from({ length: 51 }, (_, i) => `https://a${i}.com`) },
      { "allowed-origins": [], extra: true },
    ];
    for (const body of bodies) {
      const r = await call("PUT", "/v1/database/cors", { key: db.master, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(firstError(r).code, JSON.stringify(body)).toBe(3301);
    }
    expect((await call("GET", "/v1/database/cors", { key: db.master })).body["allowed-origins"]).toEqual(before);
    // Only the master key manages the list.
    for (const key of [db.write, db.read]) {
      const r = await call("PUT", "/v1/database/cors", { key, body: { "allowed-origins": [] } });
      expect(r.status, r.text).toBe(403);
      expect((await call("GET", "/v1/database/cors", { key })).status).toBe(403);
    }
    expect((await call("GET", "/v1/database/cors", { key: db.master })).body["allowed-origins"]).toEqual(before);
  });

  it("keeps same-origin pages working: a request from the server's own origin is answered as before", async () => {
    const r = await countFrom("http://sliced.test");
    expect(r.status).toBe(200);
    expect(r.body.result).toEqual({ total: 0 });
  });
});
