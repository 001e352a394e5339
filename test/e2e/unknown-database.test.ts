// Authentication writes nothing for a database that does not exist: API keys shaped like real ones
// (sk_<20 hex>_<secret>) for made-up databases are refused without creating a catalog object on disk.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, http, startDevServer, type DevServer } from "./helpers/dev-server";

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer();
});
afterAll(async () => {
  await server?.dispose();
});

/** Files and bytes wrangler dev keeps for Durable Objects (every class, every object). */
function objectStorage(): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        files++;
        bytes += statSync(p).size;
      }
    }
  };
  walk(join(server.stateDir, "state", "v3", "do"));
  return { files, bytes };
}

describe("unknown databases", () => {
  it("refuses 60 keys of made-up databases with 401 and creates no storage for them", async () => {
    await createDatabase(server, { shards: 1 }); // the storage folders exist before we count
    const before = objectStorage();
    for (let i = 0; i < 60; i++) {
      const key = `sk_${randomBytes(10).toString("hex")}_${randomBytes(24).toString("base64url")}`;
      const r = await http(server.base, "POST", "/v1/query/count/entity/total", { key, body: {} });
      expect(r.status, r.text).toBe(401);
    }
    const after = objectStorage();
    expect(after.files).toBe(before.files);
  });
});
