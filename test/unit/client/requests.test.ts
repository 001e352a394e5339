// The typed client's requests cover the API exactly: one builder for every route of the OpenAPI
// route table (src/openapi/routes.ts) with the credential its auth asks for, and nothing else.

import { describe, expect, expectTypeOf, it } from "vitest";
import { adminRequests, keyRequests, type HttpRequest } from "../../../client/index";
import type { SavedQueryType } from "../../../client/index";
import { ROUTES } from "../../../src/openapi/routes";
import type { SavedQueryType as ServerSavedQueryType } from "../../../src/query/saved";

/** Sample arguments for every builder (the values only fill paths and bodies). */
const SAMPLES: Record<string, () => HttpRequest<unknown>> = {
  service: () => keyRequests.service(),
  openapi: () => keyRequests.openapi(),
  database: () => keyRequests.database(),
  corsOrigins: () => keyRequests.corsOrigins(),
  setCorsOrigins: () => keyRequests.setCorsOrigins(["https://dash.example.com"]),
  columns: () => keyRequests.columns(),
  createColumn: () => keyRequests.createColumn({ name: "Plan", "api-name": "plan", type: "string" }),
  createColumns: () => keyRequests.createColumns([{ name: "Plan", "api-name": "plan", type: "string" }]),
  updateColumn: () => keyRequests.updateColumn("plan", { name: "Plan" }, "users"),
  deactivateColumn: () => keyRequests.deactivateColumn("plan"),
  insert: () => keyRequests.insert({ u1: { plan: "gold" } }, { wait: true, idempotencyKey: "k1" }),
  countEntity: () => keyRequests.countEntity({ "query-name": "q", query: [{ plan: { equals: "gold" } }] }),
  total: () => keyRequests.total(),
  countEvent: () => keyRequests.countEvent([{ "query-name": "q", query: [{ logins: { equals: "web", between: ["now", "-7d"] } }] }]),
  exists: () => keyRequests.exists({ ids: ["u1"] }),
  topValues: () => keyRequests.topValues({ plans: { plan: 5, contains: ["go"] } }),
  aggregation: () => keyRequests.aggregation({ query: [{ plan: 3 }, { seats: "avg" }] }),
  result: () => keyRequests.result({ columns: ["entity-id", "plan"], limit: 10 }),
  score: () => keyRequests.score({ query: [{ plan: { equals: "gold" } }, "or", { plan: { equals: "silver" } }] }),
  savedQueries: () => keyRequests.savedQueries(),
  createSavedQuery: () => keyRequests.createSavedQuery({ name: "gold", type: "count/entity", query: [{ plan: { equals: "gold" } }] }),
  runSavedQuery: () => keyRequests.runSavedQuery("gold"),
  replaceSavedQuery: () => keyRequests.replaceSavedQuery("gold", { type: "count/entity/total" }),
  deleteSavedQuery: () => keyRequests.deleteSavedQuery("gold"),
  deleteEntities: () => keyRequests.deleteEntities({ query: [{ "entity-id": { equals: "u1" } }] }),
  updateEntities: () => keyRequests.updateEntities({ query: [{ plan: { equals: "gold" } }], set: { plan: "silver" } }, { idempotencyKey: "u" }),
  sql: () => keyRequests.sql("SELECT COUNT(*) FROM default"),
  createKey: () => keyRequests.createKey({ name: "reader", level: "read" }),
  keys: () => keyRequests.keys(),
  revokeKey: () => keyRequests.revokeKey("k_0123456789abcdef"),
  rotateMasterKey: () => keyRequests.rotateMasterKey(),
  "admin.createDatabase": () => adminRequests.createDatabase({ name: "shop", shards: 2 }),
  "admin.databases": () => adminRequests.databases(),
  "admin.deleteDatabase": () => adminRequests.deleteDatabase("0123456789abcdef0123"),
  "admin.health": () => adminRequests.health("0123456789abcdef0123"),
  "admin.deadLetters": () => adminRequests.deadLetters("0123456789abcdef0123"),
  "admin.fault": () => adminRequests.fault("0123456789abcdef0123", { shard: 0, replica: 0, mode: "down" }),
  "admin.rotateMasterKey": () => adminRequests.rotateMasterKey("0123456789abcdef0123"),
  "admin.rotateDataKeySecret": () => adminRequests.rotateDataKeySecret(),
  "admin.backup": () => adminRequests.backup("0123456789abcdef0123"),
  "admin.backups": () => adminRequests.backups("0123456789abcdef0123"),
  "admin.restore": () => adminRequests.restore("0123456789abcdef0123", { snapshot: "hourly-2026-11-27T01" }),
  "admin.reshard": () => adminRequests.reshard("0123456789abcdef0123", { shards: 16 }),
  "admin.reshardStatus": () => adminRequests.reshardStatus("0123456789abcdef0123"),
  "admin.cancelReshard": () => adminRequests.cancelReshard("0123456789abcdef0123"),
  "admin.noop": () => adminRequests.noop("0123456789abcdef0123"),
};

/** The historical bodiless GET of the total: POST /v1/query/count/entity/total answers the same. */
const NOT_COVERED = ["GET /v1/query/count/entity/total"];

const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

describe("client requests", () => {
  it("has a sample for every builder", () => {
    const builders = [...Object.keys(keyRequests), ...Object.keys(adminRequests).map((k) => `admin.${k}`)].sort();
    expect(Object.keys(SAMPLES).sort()).toEqual(builders);
  });

  it("cover every route of the route table, and only those", () => {
    const documented = ROUTES.map((r) => routeKey(r.method, r.path)).filter((k) => !NOT_COVERED.includes(k));
    const built = new Set(Object.values(SAMPLES).map((s) => routeKey(s().method, s().route)));
    expect([...built].sort()).toEqual([...new Set(documented)].sort());
  });

  it("take the credential each route's auth asks for", () => {
    const authOf = new Map(ROUTES.map((r) => [routeKey(r.method, r.path), r.auth]));
    for (const sample of Object.values(SAMPLES)) {
      const r = sample();
      const auth = authOf.get(routeKey(r.method, r.route));
      expect(r.credential, r.route).toBe(auth === "none" ? "none" : auth === "admin" ? "admin" : "key");
    }
  });

  it("send a body exactly where the route takes one", () => {
    const bodyOf = new Map(ROUTES.map((r) => [routeKey(r.method, r.path), r.body]));
    for (const sample of Object.values(SAMPLES)) {
      const r = sample();
      const doc = bodyOf.get(routeKey(r.method, r.route));
      if (doc === undefined) expect(r.body, r.route).toBeUndefined();
      else if (!doc.optional) expect(r.body, r.route).toEqual(doc.sql ? { sql: expect.any(String) } : { json: expect.anything() });
    }
  });

  it("fill and encode path parameters, options and headers", () => {
    expect(keyRequests.runSavedQuery("a b/c").path).toBe("/v1/query/saved/a%20b%2Fc");
    expect(keyRequests.deactivateColumn("plan", "users")).toMatchObject({ method: "DELETE", path: "/v1/column/plan", query: { dimension: "users" } });
    expect(keyRequests.insert({}, { wait: true, idempotencyKey: "batch-7" })).toMatchObject({ query: { wait: "true" }, headers: { "idempotency-key": "batch-7" } });
    expect(keyRequests.insert({})).not.toHaveProperty("query");
    expect(keyRequests.sql("SELECT 1", { wait: true })).toMatchObject({ body: { sql: "SELECT 1" }, query: { wait: "true" } });
    expect(adminRequests.restore("0123456789abcdef0123", { snapshot: "s" }).path).toBe("/admin/databases/0123456789abcdef0123/restore");
  });

  it("names the saved-query types the server accepts", () => {
    expectTypeOf<SavedQueryType>().toEqualTypeOf<ServerSavedQueryType>();
  });
});
