// Secrets reach `wrangler dev` from its env file: every secret wrangler.toml lists under
// [secrets] required is loaded (wrangler loads only the listed names), so a DATA_KEY_SECRET in
// .dev.vars really turns encryption at rest on, as the README says.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, http, startDevServer, type DevServer } from "./helpers/dev-server";

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer({ vars: { DATA_KEY_SECRET: "e2e-data-key-secret-0123456789abcdef" } });
});
afterAll(async () => {
  await server?.dispose();
});

describe("secrets from the env file", () => {
  it("DATA_KEY_SECRET in the env file turns encryption at rest on", async () => {
    const db = await createDatabase(server, { shards: 1 });
    const created = await http(server.base, "POST", "/v1/column", { key: db.master, body: { name: "City", "api-name": "city", type: "string", storage: "latest-value" } });
    expect(created.status, created.text).toBe(200);
    const inserted = await http(server.base, "POST", "/v1/insert?wait=true", { key: db.write, body: { u1: { city: "Paris" } } });
    expect(inserted.status, inserted.text).toBe(200);
    const health = await http(server.base, "GET", `/admin/databases/${db.id}/health`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    expect(health.status, health.text).toBe(200);
    expect(health.body.encryption).toBe("on");
  });
});
