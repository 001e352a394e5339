// The OpenAPI document against reality: real requests to every documented operation (and a few
// failures), each answer validated against the schema the document gives for its operation and
// status. Fails when an answer drifts from its schema, or an operation was not exercised.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { catalogOf } from "../../durable-objects/stubs";
import { ADMIN_TOKEN, call as rawCall, type Reply } from "../helpers/api";
import { AnswerChecker } from "../helpers/openapi-answers";

const checker = new AnswerChecker();

/** A request whose answer must conform to the document. */
async function call(method: string, path: string, options: Parameters<typeof rawCall>[2] = {}): Promise<Reply> {
  const r = await rawCall(method, path, options);
  expect(checker.check(method, path, r.status, r.body), r.text).toEqual([]);
  return r;
}
const admin = (method: string, path: string, body?: unknown) => call(method, path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, ...(body === undefined ? {} : { body }) });
const sql = (key: string, text: string, path = "/v1/sql") => call("POST", path, { key, raw: text, headers: { "content-type": "application/sql" } });
const ok = (r: Reply, status = 200) => expect(r.status, r.text).toBe(status);

describe("answers conform to the OpenAPI document", () => {
  let id: string;
  let master: string;
  let write: string;
  let read: string;

  beforeAll(async () => {
    const created = await admin("POST", "/admin/databases", { name: "openapi", shards: 2, replicas: 1 });
    ok(created, 201);
    id = created.body.database.id;
    ({ master, write, read } = created.body["api-keys"]);
  });

  it("service and operator listing", async () => {
    ok(await call("GET", "/"));
    ok(await call("GET", "/openapi.json"));
    ok(await admin("GET", "/admin/databases"));
  });

  it("database, settings and columns", async () => {
    ok(await call("GET", "/v1/database", { key: master }));
    ok(await call("PUT", "/v1/database/cors", { key: master, body: { "allowed-origins": ["https://app.example.com"] } }));
    ok(await call("GET", "/v1/database/cors", { key: master }));
    const columns = [
      { name: "Plan", "api-name": "plan", type: "string", cardinality: "low", description: "the plan" },
      { name: "Age", "api-name": "age", type: "integer" },
      { name: "Price", "api-name": "price", type: "decimal", "decimal-places": 2 },
      { name: "Signup", "api-name": "signup", type: "date" },
      { name: "Tags", "api-name": "tags", type: "string", storage: "list-of-values" },
      { name: "Logins", "api-name": "logins", type: "string-event" },
    ];
    ok(await call("POST", "/v1/column", { key: master, body: columns }));
    ok(await call("POST", "/v1/column", { key: write, body: { name: "Spare", "api-name": "spare", type: "boolean" } }));
    ok(await call("PUT", "/v1/column/spare", { key: master, body: { description: "not used" } }));
    ok(await call("DELETE", "/v1/column/spare", { key: master }));
    ok(await call("GET", "/v1/column", { key: read }));
  });

  it("insert and every query", async () => {
    const body = {
      a: { plan: "Gold", age: 30, price: 9.99, signup: "2026-01-02", tags: ["x", "y"], logins: [{ value: "web", date: "2026-11-01T10:00:00Z" }] },
      b: {
        plan: "silver",
        age: 41,
        price: 0.01,
        logins: [
          { value: "app", date: "2026-11-02T10:00:00Z" },
          { value: "web", date: "2026-11-03T10:00:00Z" },
        ],
      },
      c: { plan: "gold", age: 22 },
    };
    ok(await call("POST", "/v1/insert?wait=true", { key: write, body, headers: { "idempotency-key": "openapi-insert-1" } }));
    const window = ["2026-10-01T00:00:00Z", "2026-11-30T00:00:00Z"];
    ok(await call("POST", "/v1/query/count/entity/", { key: read, body: [{ "query-name": "gold", query: [{ plan: { equals: "gold" } }] }] }));
    ok(await call("POST", "/v1/query/count/entity/total", { key: read, body: {} }));
    ok(await call("GET", "/v1/query/count/entity/total", { key: read }));
    ok(await call("POST", "/v1/query/count/event", { key: read, body: { "query-name": "web", query: [{ logins: { equals: "web", between: window } }] } }));
    ok(await call("POST", "/v1/query/exists/entity", { key: read, body: { ids: ["a", "zz"] } }));
    ok(await call("POST", "/v1/query/top_values", { key: read, body: { plans: { plan: 5 }, logins: { logins: 3, between: window } } }));
    ok(await call("POST", "/v1/query/aggregation", { key: read, body: { query: [{ plan: 2 }, { age: "avg" }] } }));
    ok(await call("POST", "/v1/query/aggregation", { key: read, body: { query: [{ price: "sum" }, { price: "max" }] } }));
    ok(await call("POST", "/v1/query/aggregation", { key: read, body: { query: [{ logins: "count-events", between: window, interval: "days" }] } }));
    const first = await call("POST", "/v1/data_extraction/result", {
      key: read,
      body: { query: [{ age: { gte: 1 } }], columns: ["entity-id", "plan", "tags", { logins: window }], order: [{ age: "desc" }], limit: 2 },
    });
    ok(first);
    expect(first.body["next-page"]).toEqual(expect.any(String));
    ok(
      await call("POST", "/v1/data_extraction/result", {
        key: read,
        body: { query: [{ age: { gte: 1 } }], columns: ["entity-id", "plan", "tags", { logins: window }], order: [{ age: "desc" }], "page-token": first.body["next-page"] },
      }),
    );
    ok(await call("POST", "/v1/data_extraction/score", { key: read, body: { query: [{ plan: { equals: "gold" } }, "or", { age: { lt: 35 } }], columns: "all" } }));
    ok(await sql(read, "SELECT plan, COUNT(*), AVG(price), MAX(signup) FROM default GROUP BY plan"));
    ok(await sql(read, "SELECT [entity-id], tags, score FROM default WHERE age > 1", "/v1/query/sql"));
    ok(await sql(write, "INSERT INTO default([entity-id], plan, age) VALUES ('d', 'bronze', 50)"));
  });

  it("count-like answers flag missing shards as approximate", async () => {
    for (const replica of [0, 1]) ok(await admin("POST", `/admin/databases/${id}/faults`, { shard: 0, replica, mode: "down" }));
    const r = await call("POST", "/v1/query/count/entity", { key: read, body: { "query-name": "all", query: [{ age: { gte: 0 } }], "bypass-cache": true } });
    ok(r);
    expect(r.body).toMatchObject({ approximate: true, "missing-shards": 1 });
    ok(await call("POST", "/v1/query/top_values", { key: read, body: { plans: { plan: 5 }, "bypass-cache": true } }));
    for (const replica of [0, 1]) ok(await admin("POST", `/admin/databases/${id}/faults`, { shard: 0, replica, mode: "none" }));
  });

  it("saved queries, update and delete", async () => {
    ok(await call("POST", "/v1/query/saved", { key: master, body: { name: "golds", type: "count/entity", query: [{ plan: { equals: "gold" } }], "cache-period": 0 } }));
    ok(await call("POST", "/v1/query/saved", { key: master, body: { name: "top-plans", type: "top_values", query: { plans: { plan: 3 } }, dimension: "default" } }));
    ok(await call("POST", "/v1/query/saved", { key: master, body: { name: "everyone", type: "count/entity/total" } }));
    ok(await call("POST", "/v1/query/saved", { key: master, body: { name: "ages", type: "aggregation", query: [{ plan: 2 }, { age: "avg" }] } }));
    ok(await call("GET", "/v1/query/saved", { key: master }));
    for (const name of ["golds", "top-plans", "everyone", "ages"]) ok(await call("GET", `/v1/query/saved/${name}`, { key: read }));
    ok(await call("PUT", "/v1/query/saved/golds", { key: master, body: { type: "count/entity", query: [{ plan: { equals: "silver" } }] } }));
    ok(await call("DELETE", "/v1/query/saved/golds", { key: master }));
    ok(await call("POST", "/v1/update", { key: master, body: { query: [{ plan: { equals: "silver" } }], set: { age: 42 } } }));
    ok(await call("POST", "/v1/delete", { key: master, body: { query: [{ "entity-id": { equals: "c" } }] } }));
  });

  it("API keys", async () => {
    ok(await call("POST", "/v1/keys", { key: master, body: { name: "reader", level: "read" } }), 201);
    const custom = await call("POST", "/v1/keys", { key: master, body: { name: "plans only", level: "custom", permissions: { query: { default: ["plan"] }, insert: { default: "*" } } } });
    ok(custom, 201);
    ok(await call("GET", "/v1/keys", { key: master }));
    ok(await call("DELETE", `/v1/keys/${custom.body.id}`, { key: master }));
    const rotated = await call("POST", "/v1/keys/master/rotate", { key: master });
    ok(rotated);
    master = rotated.body["api-key"];
  });

  // Before the operator test deletes the database: its keys must still be valid here.
  it("failures answer their documented error envelope", async () => {
    const failures: Array<[string, string, Parameters<typeof rawCall>[2], number]> = [
      ["GET", "/v1/column", {}, 401],
      ["GET", "/v1/column", { key: "Bearer sk_0123456789abcdef0123_abcdefghijklmnopqrstuvwxyz" }, 401],
      ["GET", "/v1/nowhere", { key: read }, 404],
      ["DELETE", "/v1/insert", { key: write }, 405],
      ["GET", "/admin/databases", {}, 401],
      ["GET", "/admin/databases/ffffffffffffffffffff/health", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, 404],
    ];
    for (const [method, path, options, status] of failures) expect((await call(method, path, options)).status, `${method} ${path}`).toBe(status);
  });

  it("operator: health, faults, keys, secrets, backups and deletion", async () => {
    ok(await admin("GET", `/admin/databases/${id}/health`));
    ok(await admin("GET", `/admin/databases/${id}/dead-letters`));
    ok(await admin("POST", `/admin/databases/${id}/noop`));
    ok(await admin("POST", `/admin/databases/${id}/keys/master/rotate`));
    ok(await admin("POST", "/admin/rotate-data-key-secret"));
    const snap = await admin("POST", `/admin/databases/${id}/backup`);
    ok(snap, 201);
    ok(await admin("GET", `/admin/databases/${id}/backups`));
    ok(await admin("POST", `/admin/databases/${id}/restore`, { snapshot: snap.body.snapshot }));
    ok(await admin("GET", `/admin/databases/${id}/reshard`));
    // A pause per step keeps the move cancellable long enough for the DELETE to find it running.
    await runInDurableObject(catalogOf(env, id), (catalog: { reshardStepDelayMs: number | null }) => {
      catalog.reshardStepDelayMs = 500;
    });
    ok(await admin("POST", `/admin/databases/${id}/reshard`, { shards: 3 }), 202);
    ok(await admin("DELETE", `/admin/databases/${id}/reshard`), 202);
    ok(await admin("GET", `/admin/databases/${id}/reshard`));
    ok(await admin("DELETE", `/admin/databases/${id}`));
  });

  it("exercised every documented operation", () => {
    expect(checker.problems).toEqual([]);
    expect(checker.unexercised()).toEqual([]);
  });
});
