// Request ids and logs: every answer carries X-Request-Id (the client's when well-formed, else a
// fresh one), every error envelope repeats it as "request-id", and each request writes one JSON
// log line naming it. Also the 401 hint for 'Authorization: Bearer <key>'.

import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ADMIN_TOKEN, call, createDatabase, firstError, type TestDatabase } from "../helpers/api";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("request ids", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase({ shards: 1, replicas: 0 });
  });
  afterEach(() => vi.restoreAllMocks());

  it("echoes a well-formed X-Request-Id and generates one otherwise", async () => {
    const echoed = await call("POST", "/v1/query/count/entity/total", { key: db.read, body: {}, headers: { "x-request-id": "trace-42_a=" } });
    expect(echoed.status).toBe(200);
    expect(echoed.headers.get("x-request-id")).toBe("trace-42_a=");
    for (const bad of ["has space", "a/b", "x".repeat(129)]) {
      const r = await call("GET", "/v1/column", { key: db.read, headers: { "x-request-id": bad } });
      expect(r.headers.get("x-request-id"), bad).toMatch(UUID);
    }
    for (const [method, path] of [
      ["GET", "/"],
      ["GET", "/openapi.json"],
      ["GET", "/v1/column"],
    ] as const) {
      expect((await call(method, path, { key: db.master })).headers.get("x-request-id"), path).toMatch(UUID);
    }
    const admin = await call("GET", "/admin/databases", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(admin.headers.get("x-request-id")).toMatch(UUID);
  });

  it("puts the id in every error envelope, with more-info in one spelling", async () => {
    const cases = [
      await call("GET", "/v1/column"), // 10
      await call("GET", "/v1/nowhere", { key: db.read }), // 26
      await call("DELETE", "/v1/insert", { key: db.write }), // 25
      await call("GET", "/admin/databases"), // 3002
      await call("POST", "/v1/insert", { key: db.write, body: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`e${i}`, {}])) }), // 2012 with more-info
    ];
    for (const r of cases) {
      expect(r.body["request-id"], r.text).toBe(r.headers.get("x-request-id"));
      expect(r.body["request-id"]).toMatch(UUID);
    }
    const limited = cases[4]!.body.errors[0];
    expect(limited.code).toBe(2012);
    expect(limited["more-info"]).toEqual({ max: 1000 });
    expect(limited).not.toHaveProperty("more_info");
    const given = await call("GET", "/v1/column", { headers: { "x-request-id": "mine-1" } });
    expect(given.body["request-id"]).toBe("mine-1");
  });

  it("writes one JSON line per request with its id, database, status, time and error code", async () => {
    const lines: string[] = [];
    for (const method of ["log", "warn", "error"] as const) vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(String(args[0])));
    await call("POST", "/v1/query/count/entity", { key: db.read, body: { nope: 1 }, headers: { "x-request-id": "log-check-1" } });
    await call("GET", "/v1/column", { key: db.read, headers: { "x-request-id": "log-check-2" } });
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = parsed.find((l) => l["requestId"] === "log-check-1" && l["message"] === "request");
    expect(failed).toMatchObject({ level: "info", method: "POST", path: "/v1/query/count/entity", status: 400, db: db.id, code: 119 });
    expect(typeof failed!["ms"]).toBe("number");
    expect(Date.parse(failed!["time"] as string)).not.toBeNaN();
    const ok = parsed.find((l) => l["requestId"] === "log-check-2");
    expect(ok).toMatchObject({ status: 200, db: db.id });
    expect(ok).not.toHaveProperty("code");
  });
});

describe("Authorization: Bearer <key>", () => {
  it("is refused with a hint to send the key itself", async () => {
    const db = await createDatabase({ shards: 1, replicas: 0 });
    const r = await call("GET", "/v1/column", { headers: { authorization: `Bearer ${db.read}` } });
    expect(r.status).toBe(401);
    expect(firstError(r).code).toBe(12);
    expect(firstError(r).message).toContain("without 'Bearer '");
    const garbage = await call("GET", "/v1/column", { headers: { authorization: "Bearer nonsense" } });
    expect(firstError(garbage).message).toBe("the API key is not valid");
  });
});
