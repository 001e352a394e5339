// The operator API: the admin token, database creation with its keys, listing and deletion.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { adminCall, call, createDatabase, firstError } from "../helpers/api";

describe("operator API", () => {
  it("refuses a missing or wrong admin token", async () => {
    for (const auth of [undefined, "Bearer wrong", "test-admin-token", "Bearer "]) {
      const r = await call("GET", "/admin/databases", auth === undefined ? {} : { headers: { authorization: auth } });
      expect(r.status, String(auth)).toBe(401);
      expect(firstError(r).code).toBe(3002);
    }
  });

  it("says clearly when ADMIN_TOKEN is not configured", async () => {
    const res = await app.fetch(new Request("http://x/admin/databases", { headers: { authorization: "Bearer anything" } }), { ...env, ADMIN_TOKEN: "" });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { errors: Array<{ code: number; message: string }> };
    expect(body.errors[0]!.code).toBe(3001);
    expect(body.errors[0]!.message).toMatch(/ADMIN_TOKEN/);
  });

  it("creates a database with defaults and three distinct keys", async () => {
    const r = await adminCall("POST", "/admin/databases", { name: "shop" });
    expect(r.status, r.text).toBe(201);
    expect(r.body.status).toBe("success");
    expect(r.body.database).toMatchObject({ name: "shop", shards: 8, replicas: 2, placement: null, jurisdiction: null }); // 3 copies, as SlicingDice kept
    expect(r.body.database.id).toMatch(/^[0-9a-f]{20}$/);
    expect(Date.parse(r.body.database["created-at"])).not.toBeNaN();
    const keys = r.body["api-keys"];
    expect(new Set([keys.master, keys.write, keys.read]).size).toBe(3);
    const list = await adminCall("GET", "/admin/databases");
    expect(list.body.databases.map((d: { id: string }) => d.id)).toContain(r.body.database.id);
    // keys are shown once and stored only as hashes: the listing never carries them
    expect(list.text).not.toContain(keys.master);
  });

  it("validates the creation body", async () => {
    for (const body of [{}, { name: "" }, { name: "x", shards: 0 }, { name: "x", shards: 257 }, { name: "x", shards: 1.5 }, { name: "x", replicas: 3 }, { name: "x", extra: 1 }, { name: 5 }]) {
      const r = await adminCall("POST", "/admin/databases", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(firstError(r).code).toBe(3003);
    }
  });

  it("deletes a database and all its data", async () => {
    const db = await createDatabase({ shards: 2 });
    await call("POST", "/v1/insert?wait=true", { key: db.write, body: { a: { name: "x" }, "auto-create": ["column"] } });
    const del = await adminCall("DELETE", `/admin/databases/${db.id}`);
    expect(del.status, del.text).toBe(200);
    const list = await adminCall("GET", "/admin/databases");
    expect(list.body.databases.map((d: { id: string }) => d.id)).not.toContain(db.id);
    const again = await adminCall("DELETE", `/admin/databases/${db.id}`);
    expect(again.status).toBe(404);
    expect(firstError(again).code).toBe(3004);
    const r = await call("GET", "/v1/column", { key: db.master });
    expect(r.status).toBe(401);
  });

  it("reports health per shard copy", async () => {
    const db = await createDatabase({ shards: 2, replicas: 1 });
    await call("POST", "/v1/insert?wait=true", { key: db.write, body: { a: { name: "x" }, b: { name: "y" }, "auto-create": ["column"] } });
    const h = await adminCall("GET", `/admin/databases/${db.id}/health`);
    expect(h.status, h.text).toBe(200);
    expect(h.body.shards).toHaveLength(4);
    const primaries = h.body.shards.filter((s: { copy: number }) => s.copy === 0);
    expect(primaries.reduce((n: number, s: { entities: number }) => n + s.entities, 0)).toBe(2);
  });

  it("answers 405 for a wrong method on every operator route and 404 for unknown ones", async () => {
    const db = await createDatabase({ shards: 1 });
    for (const path of ["health", "faults", "dead-letters", "noop", "backup", "backups", "restore", "keys/master/rotate"]) {
      const r = await adminCall("PUT", `/admin/databases/${db.id}/${path}`);
      expect(r.status, path).toBe(405);
      expect(firstError(r).code).toBe(25);
    }
    expect((await adminCall("PUT", "/admin/rotate-data-key-secret")).status).toBe(405);
    expect(firstError(await adminCall("GET", `/admin/databases/${db.id}/nothing`)).code).toBe(26);
  });
});
