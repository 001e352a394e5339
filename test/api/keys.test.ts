// API key management through the Worker: create (secret answered once), list (never secrets or
// hashes), revoke, master rotation (by the master and by the operator), validation and the key limit.

import { beforeAll, describe, expect, it } from "vitest";
import { KEYS_PER_DATABASE_MAX } from "../../contract/limits";
import { adminCall, call, createDatabase, firstError, type TestDatabase } from "../helpers/api";

const count = (key: string) => call("POST", "/v1/query/count/entity/total", { key, body: {} });

describe("API keys", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase({ shards: 2 });
  });

  it("lists the three keys a database starts with, without secrets or hashes", async () => {
    const r = await call("GET", "/v1/keys", { key: db.master });
    expect(r.status, r.text).toBe(200);
    expect(r.body.keys.map((k: { level: string }) => k.level).sort()).toEqual(["master", "read", "write"]);
    for (const k of r.body.keys) {
      expect(Object.keys(k).sort()).toEqual(["created-at", "id", "level", "name", "permissions"]);
      expect(k.id).toMatch(/^k_[0-9a-f]{16}$/);
    }
    expect(r.text).not.toMatch(/sk_/);
    expect(r.text).not.toMatch(/[0-9a-f]{64}/); // no SHA-256 hex
  });

  it("creates read, write and custom keys; the secret is answered once and works at its level", async () => {
    const read = await call("POST", "/v1/keys", { key: db.master, body: { name: "dashboard", level: "read" } });
    expect(read.status, read.text).toBe(201);
    expect(read.body).toMatchObject({ status: "success", name: "dashboard", level: "read", permissions: null });
    expect(read.body["api-key"]).toMatch(new RegExp(`^sk_${db.id}_`));
    expect((await count(read.body["api-key"])).status).toBe(200);
    expect(firstError(await call("POST", "/v1/insert", { key: read.body["api-key"], body: { e: {} } })).code).toBe(13);

    const custom = await call("POST", "/v1/keys", {
      key: db.master,
      body: { name: "partner", level: "custom", permissions: { query: { default: ["age"] }, insert: { default: "*" } } },
    });
    expect(custom.status, custom.text).toBe(201);
    expect(custom.body.permissions).toEqual({ query: { default: ["age"] }, insert: { default: "*" } });

    const list = await call("GET", "/v1/keys", { key: db.master });
    const ids = list.body.keys.map((k: { id: string }) => k.id);
    expect(ids).toContain(read.body.id);
    expect(ids).toContain(custom.body.id);
    expect(list.text).not.toContain(read.body["api-key"]);
    expect(list.text).not.toContain(custom.body["api-key"]);
  });

  it("only the master key manages keys (write/read 13, custom 19)", async () => {
    const custom = await call("POST", "/v1/keys", { key: db.master, body: { name: "c", level: "custom", permissions: { query: { default: "*" } } } });
    for (const [key, code] of [
      [db.read, 13],
      [db.write, 13],
      [custom.body["api-key"], 19],
    ] as const) {
      for (const [method, path] of [
        ["GET", "/v1/keys"],
        ["POST", "/v1/keys"],
        ["DELETE", `/v1/keys/${custom.body.id}`],
        ["POST", "/v1/keys/master/rotate"],
      ]) {
        const r = await call(method!, path!, { key, body: method === "POST" ? { name: "x", level: "read" } : undefined });
        expect(r.status, `${method} ${path}`).toBe(403);
        expect(firstError(r).code).toBe(code);
      }
    }
  });

  it("revokes a key: at once in this isolate (others within AUTH_CACHE_MS)", async () => {
    const k = await call("POST", "/v1/keys", { key: db.master, body: { name: "temp", level: "read" } });
    expect((await count(k.body["api-key"])).status).toBe(200); // now cached
    const del = await call("DELETE", `/v1/keys/${k.body.id}`, { key: db.master });
    expect(del.status, del.text).toBe(200);
    expect(del.body.revoked).toMatchObject({ id: k.body.id, name: "temp", level: "read" });
    const after = await count(k.body["api-key"]);
    expect(after.status).toBe(401);
    expect(firstError(after).code).toBe(12);
    const again = await call("DELETE", `/v1/keys/${k.body.id}`, { key: db.master });
    expect(again.status).toBe(404);
    expect(firstError(again).code).toBe(3202);
    expect(firstError(await call("DELETE", "/v1/keys/not-an-id", { key: db.master })).code).toBe(3202);
  });

  it("refuses to revoke the master key (409, 3204)", async () => {
    const list = await call("GET", "/v1/keys", { key: db.master });
    const master = list.body.keys.find((k: { level: string }) => k.level === "master");
    const r = await call("DELETE", `/v1/keys/${master.id}`, { key: db.master });
    expect(r.status).toBe(409);
    expect(firstError(r).code).toBe(3204);
  });

  it("refuses invalid definitions (400, 3201)", async () => {
    const bad: unknown[] = [
      null,
      [],
      "read",
      { level: "read" },
      { name: "", level: "read" },
      { name: "x".repeat(101), level: "read" },
      { name: "x", level: "master" },
      { name: "x", level: "admin" },
      { name: "x", level: "read", permissions: { query: { default: "*" } } },
      { name: "x", level: "custom" },
      { name: "x", level: "custom", permissions: {} },
      { name: "x", level: "custom", permissions: { query: { default: "all" } } },
      { name: "x", level: "custom", permissions: { query: { default: [1] } } },
      { name: "x", level: "custom", permissions: { query: { Default: "*" } } },
      { name: "x", level: "custom", permissions: { delete: { default: "*" } } },
      { name: "x", level: "custom", permissions: { query: [] } },
      { name: "x", level: "read", extra: 1 },
      JSON.parse('{"name":"x","level":"custom","permissions":{"query":{"__proto__":"*"}}}'),
      JSON.parse('{"name":"x","level":"custom","permissions":{"__proto__":{"default":"*"}}}'),
      { name: "x", level: "custom", permissions: { query: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`d${i}`, "*"])) } },
    ];
    for (const body of bad) {
      const r = await call("POST", "/v1/keys", { key: db.master, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(firstError(r).code, JSON.stringify(body)).toBe(3201);
    }
  });

  it("rotates the master key: the new one works, the old one is invalid, a second rotation with the old key fails", async () => {
    const other = await createDatabase({ shards: 1 });
    const r = await call("POST", "/v1/keys/master/rotate", { key: other.master });
    expect(r.status, r.text).toBe(200);
    const fresh = r.body["api-key"] as string;
    expect(fresh).not.toBe(other.master);
    expect(r.body.level).toBe("master");
    expect((await call("GET", "/v1/keys", { key: fresh })).status).toBe(200);
    const old = await call("GET", "/v1/keys", { key: other.master });
    expect(old.status).toBe(401);
    expect(firstError(await call("POST", "/v1/keys/master/rotate", { key: other.master })).code).toBe(12);
    // The other keys are untouched.
    expect((await count(other.read)).status).toBe(200);
  });

  it("lets the operator replace a lost master key", async () => {
    const other = await createDatabase({ shards: 1 });
    const r = await adminCall("POST", `/admin/databases/${other.id}/keys/master/rotate`);
    expect(r.status, r.text).toBe(200);
    expect((await call("GET", "/v1/keys", { key: r.body["api-key"] })).status).toBe(200);
    expect((await call("GET", "/v1/keys", { key: other.master })).status).toBe(401);
    expect((await call("POST", `/admin/databases/${other.id}/keys/master/rotate`)).status).toBe(401);
  });

  it(`stops at ${KEYS_PER_DATABASE_MAX} keys per database (400, 3203)`, async () => {
    const other = await createDatabase({ shards: 1 });
    for (let i = 3; i < KEYS_PER_DATABASE_MAX; i++) {
      const r = await call("POST", "/v1/keys", { key: other.master, body: { name: `k${i}`, level: "read" } });
      expect(r.status, r.text).toBe(201);
    }
    const r = await call("POST", "/v1/keys", { key: other.master, body: { name: "one too many", level: "read" } });
    expect(r.status).toBe(400);
    expect(firstError(r).code).toBe(3203);
  });
});
