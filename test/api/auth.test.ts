// The authentication matrix: every /v1 endpoint with no key, an unknown key, and each key level.

import { beforeAll, describe, expect, it } from "vitest";
import { call, createDatabase, firstError, type TestDatabase } from "../helpers/api";

type Level = "master" | "write" | "read";

const ENDPOINTS: Array<{ method: string; path: string; allowed: Level[]; body?: unknown; sql?: string }> = [
  { method: "GET", path: "/v1/database", allowed: ["master"] },
  { method: "GET", path: "/v1/column", allowed: ["master", "read"] },
  { method: "GET", path: "/v1/database/cors", allowed: ["master"] },
  { method: "PUT", path: "/v1/database/cors", allowed: ["master"], body: { "allowed-origins": [] } },
  { method: "POST", path: "/v1/column", allowed: ["master", "write"], body: { name: "x", "api-name": "auth-x", type: "string" } },
  { method: "POST", path: "/v1/insert", allowed: ["master", "write"], body: { e1: { "auth-x": "v" } } },
  { method: "POST", path: "/v1/query/count/entity", allowed: ["master", "read"], body: { "query-name": "q", query: [{ "auth-x": { equals: "v" } }] } },
  { method: "POST", path: "/v1/query/count/entity/total", allowed: ["master", "read"], body: {} },
  { method: "POST", path: "/v1/query/count/event", allowed: ["master", "read"], body: {} },
  { method: "POST", path: "/v1/query/exists/entity", allowed: ["master", "read"], body: { ids: ["e1"] } },
  { method: "POST", path: "/v1/query/top_values", allowed: ["master", "read"], body: { t: { "auth-x": 2 } } },
  { method: "POST", path: "/v1/query/aggregation", allowed: ["master", "read"], body: { query: [{ "auth-x": 2 }] } },
  { method: "POST", path: "/v1/data_extraction/result", allowed: ["master", "read"], body: { query: [{ "auth-x": { equals: "v" } }], columns: ["entity-id"] } },
  { method: "POST", path: "/v1/data_extraction/score", allowed: ["master", "read"], body: { query: [{ "auth-x": { equals: "v" } }], columns: ["entity-id"] } },
  { method: "GET", path: "/v1/query/saved", allowed: ["master"] },
  { method: "POST", path: "/v1/query/saved", allowed: ["master"], body: { name: "s1", type: "count/entity", query: [{ "auth-x": { equals: "v" } }] } },
  { method: "GET", path: "/v1/query/saved/s1", allowed: ["master", "read"] },
  { method: "POST", path: "/v1/delete", allowed: ["master"], body: { query: [{ "auth-x": { equals: "nothing" } }] } },
  { method: "POST", path: "/v1/update", allowed: ["master"], body: { query: [{ "auth-x": { equals: "nothing" } }], set: { "auth-x": "w" } } },
  { method: "POST", path: "/v1/sql", allowed: ["master", "read"], sql: "SELECT COUNT(*) FROM default" },
];

function request(e: (typeof ENDPOINTS)[number], key: string | undefined) {
  const opts: Parameters<typeof call>[2] = {};
  if (key !== undefined) opts.key = key;
  if (e.sql !== undefined) {
    opts.raw = e.sql;
    opts.headers = { "content-type": "application/sql" };
  } else if (e.body !== undefined) opts.body = e.body;
  return call(e.method, e.path, opts);
}

describe("API key authentication", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase({ shards: 2 });
  });

  for (const e of ENDPOINTS) {
    describe(`${e.method} ${e.path}`, () => {
      it("refuses a request without a key (401, code 10)", async () => {
        const r = await request(e, undefined);
        expect(r.status).toBe(401);
        expect(firstError(r).code).toBe(10);
      });
      it("refuses unknown and malformed keys (401, code 12)", async () => {
        for (const key of [`sk_${db.id}_${"A".repeat(43)}`, "sk_00000000000000000000_BBBBBBBBBBBBBBBBBBBBBBBBB", "not-a-key", "eyJhbGciOi.eyJwZXJtaXNz.c2lnbmF0dXJl"]) {
          const r = await request(e, key);
          expect(r.status, key).toBe(401);
          expect(firstError(r).code).toBe(12);
        }
      });
      for (const level of ["master", "write", "read"] as const) {
        const allowed = e.allowed.includes(level);
        it(`${allowed ? "lets" : "refuses (403, code 13)"} a ${level} key`, async () => {
          const r = await request(e, db[level]);
          if (allowed) expect([401, 403], r.text).not.toContain(r.status);
          else {
            expect(r.status, r.text).toBe(403);
            expect(firstError(r).code).toBe(13);
          }
        });
      }
    });
  }
});
