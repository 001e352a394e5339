// The end-to-end harness itself: a real `wrangler dev` answers, keeps its state across a crash
// (SIGKILL) and a clean stop, and refuses nothing it should accept.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, http, startDevServer, type DevServer } from "./helpers/dev-server";

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer();
});
afterAll(async () => {
  await server?.dispose();
});

describe("wrangler dev harness", () => {
  it("serves the API and keeps a database across SIGKILL and SIGTERM restarts", async () => {
    const db = await createDatabase(server, { shards: 2 });
    const created = await http(server.base, "POST", "/v1/column", { key: db.master, body: { name: "City", "api-name": "city", type: "string", storage: "latest-value" } });
    expect(created.status).toBe(200);
    const inserted = await http(server.base, "POST", "/v1/insert?wait=true", { key: db.write, body: { u1: { city: "Paris" }, u2: { city: "Rome" } } });
    expect(inserted.status).toBe(200);
    for (const signal of ["SIGKILL", "SIGTERM"] as const) {
      await server.stop(signal);
      await server.start();
      const count = await http(server.base, "POST", "/v1/query/count/entity", { key: db.read, body: { "query-name": "paris", query: [{ city: { equals: "paris" } }], "bypass-cache": true } });
      expect(count.status, count.text).toBe(200);
      expect(count.body.result.paris).toBe(1);
    }
  });
});
