// The catalog's v2 storage migration (keys gain an id, a name and permissions): a v1 catalog's key
// hashes survive with their levels, and running the migration again changes nothing.

import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CatalogDO } from "../../durable-objects/catalog";

const info = { id: "0123456789abcdef0123", name: "m", description: "", shards: 1, replicas: 0, createdAt: "2020-01-01T00:00:00.000Z", updatedAt: "2020-01-01T00:00:00.000Z" };

describe("catalog keys migration v1 → v2", () => {
  it("moves v1 key hashes into cat_api_keys, idempotently", async () => {
    const stub = env.CATALOG.get(env.CATALOG.idFromName(`migration-${crypto.randomUUID()}`));
    await runInDurableObject(stub, async (instance: CatalogDO, state) => {
      await instance.init(info, []);
      // Rebuild the v1 layout by hand, as a catalog written before this version would hold it.
      const sql = state.storage.sql;
      sql.exec(`DROP TABLE cat_api_keys`);
      sql.exec(`CREATE TABLE cat_keys (hash TEXT PRIMARY KEY, level TEXT NOT NULL, created_at TEXT NOT NULL)`);
      for (const level of ["master", "write", "read"]) sql.exec(`INSERT INTO cat_keys VALUES (?, ?, ?)`, `${level}-hash`, level, info.createdAt);
      sql.exec(`UPDATE cat_meta SET value = '1' WHERE key = 'storage_version'`);
      const migrate = (instance as unknown as { migrate(): void }).migrate.bind(instance);
      migrate();
      migrate(); // a second wake-up: nothing changes
      const tables = sql
        .exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('cat_keys', 'cat_api_keys')`)
        .toArray()
        .map((r) => r["name"]);
      expect(tables).toEqual(["cat_api_keys"]);
    });
    await evictDurableObject(stub);
    const keys = await stub.listKeys();
    expect(keys.map((k) => k.level).sort()).toEqual(["master", "read", "write"]);
    expect(new Set(keys.map((k) => k.id)).size).toBe(3);
    for (const level of ["master", "write", "read"] as const) {
      const r = await stub.authenticate(`${level}-hash`);
      expect(r.ok && r.value.level).toBe(level);
    }
  });
});
