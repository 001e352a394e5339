// Every request limit of contract/limits.ts, through the Worker: the documented error code, the
// limit quoted, nothing stored. Includes the per-key rate limit (Rate Limiting binding, 429 / 1502)
// and bodies without Content-Length (chunked), which must be cut off while streaming.

import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import * as L from "../../contract/limits";
import { BASE, call, createDatabase, firstError, type Reply, type TestDatabase } from "../helpers/api";

function expectCode(r: Reply, status: number, code: number): void {
  expect(r.status, r.text).toBe(status);
  expect(firstError(r).code, r.text).toBe(code);
}

/** A request whose body arrives as a stream of `chunks` pieces of `chunkBytes` each, with no Content-Length. */
async function streamed(path: string, key: string, chunks: number, chunkBytes: number): Promise<Reply> {
  let sent = 0;
  const piece = new TextEncoder().encode(" ".repeat(chunkBytes));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < chunks) controller.enqueue(piece);
      else controller.close();
    },
  });
  const res = await exports.default.fetch(new Request(BASE + path, { method: "POST", headers: { authorization: key, "content-type": "application/json" }, body }));
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text), headers: res.headers };
}

describe("request limits", () => {
  let db: TestDatabase;
  const pred = (i: number) => ({ name: { equals: `v${i}` } });
  beforeAll(async () => {
    db = await createDatabase({ shards: 2 });
    const r = await call("POST", "/v1/column", {
      key: db.master,
      body: [
        { name: "Name", "api-name": "name", type: "string" },
        { name: "Age", "api-name": "age", type: "integer" },
      ],
    });
    expect(r.status, r.text).toBe(200);
  });

  it("bodies: Content-Length and streamed bodies over the limit (413, 1507)", async () => {
    expectCode(await call("POST", "/v1/query/count/entity", { key: db.read, raw: " ".repeat(L.QUERY_BODY_BYTES_MAX + 1) }), 413, 1507);
    expectCode(await streamed("/v1/query/count/entity", db.read, Math.ceil(L.QUERY_BODY_BYTES_MAX / 65_536) + 1, 65_536), 413, 1507);
    // 64 MB streamed at an insert: refused after the first INSERT_BODY_BYTES_MAX, not read whole.
    expectCode(await streamed("/v1/insert", db.write, 1024, 65_536), 413, 1507);
    const sql = await call("POST", "/v1/sql", { key: db.read, raw: `SELECT COUNT(*) FROM default WHERE name = '${"x".repeat(L.SQL_TEXT_CHARS_MAX)}'`, headers: { "content-type": "application/sql" } });
    expectCode(sql, 413, 1507);
  });

  it("inserts: entities, values, entity-id and string lengths (nothing stored)", async () => {
    const many = Object.fromEntries(Array.from({ length: L.INSERT_ENTITIES_MAX + 1 }, (_, i) => [`e${i}`, { name: "x" }]));
    expectCode(await call("POST", "/v1/insert", { key: db.write, body: many }), 400, 2012);
    const values = { e: { name: "x", age: Array.from({ length: L.INSERT_VALUES_MAX + 1 }, () => 1) } };
    expectCode(await call("POST", "/v1/insert", { key: db.write, body: values }), 400, 2013);
    expectCode(await call("POST", "/v1/insert", { key: db.write, body: { ["i".repeat(L.ENTITY_ID_CHARS_MAX + 1)]: { name: "x" } } }), 400, 64);
    expectCode(await call("POST", "/v1/insert", { key: db.write, body: { e: { name: "x".repeat(L.STRING_VALUE_CHARS_MAX + 1) } } }), 400, 65);
    const total = await call("POST", "/v1/query/count/entity/total", { key: db.read, body: {} });
    expect(total.body.result.total).toBe(0);
  });

  it("columns: names, api-names, descriptions, columns per request", async () => {
    const col = (over: Record<string, unknown>) => ({ name: "n", "api-name": "c1", type: "string", ...over });
    expectCode(await call("POST", "/v1/column", { key: db.master, body: col({ name: "n".repeat(L.COLUMN_NAME_CHARS_MAX + 1) }) }), 400, 56);
    expectCode(await call("POST", "/v1/column", { key: db.master, body: col({ "api-name": "a".repeat(L.COLUMN_API_NAME_CHARS_MAX + 1) }) }), 400, 57);
    expectCode(await call("POST", "/v1/column", { key: db.master, body: col({ description: "d".repeat(L.COLUMN_DESCRIPTION_CHARS_MAX + 1) }) }), 400, 52);
    const list = Array.from({ length: L.COLUMNS_PER_REQUEST_MAX + 1 }, (_, i) => col({ "api-name": `c${i}` }));
    expectCode(await call("POST", "/v1/column", { key: db.master, body: list }), 400, 44);
  });

  it("queries: named queries, nesting depth, predicates, exists ids, extraction columns and limit, aggregation levels", async () => {
    const count = (body: unknown) => call("POST", "/v1/query/count/entity", { key: db.read, body });
    expectCode(await count(Array.from({ length: L.NAMED_QUERIES_MAX + 1 }, (_, i) => ({ "query-name": `q${i}`, query: [pred(i)] }))), 400, 123);
    const tops = Object.fromEntries(Array.from({ length: L.TOP_VALUES_QUERIES_MAX + 1 }, (_, i) => [`t${i}`, { name: 2 }]));
    expectCode(await call("POST", "/v1/query/top_values", { key: db.read, body: tops }), 400, 123);
    let deep: unknown = [pred(0)];
    for (let i = 0; i < L.QUERY_DEPTH_MAX; i++) deep = [deep];
    expectCode(await count({ "query-name": "q", query: deep }), 400, 127);
    const wide: unknown[] = [];
    for (let i = 0; i <= L.QUERY_PREDICATES_MAX; i++) wide.push(...(i ? ["or"] : []), pred(i));
    expectCode(await count({ "query-name": "q", query: wide }), 400, 91);
    const ids = Array.from({ length: L.EXISTS_IDS_MAX + 1 }, (_, i) => `e${i}`);
    expectCode(await call("POST", "/v1/query/exists/entity", { key: db.read, body: { ids } }), 400, 99);
    const columns = Array.from({ length: L.EXTRACTION_COLUMNS_MAX + 1 }, () => "name");
    expectCode(await call("POST", "/v1/data_extraction/result", { key: db.read, body: { columns } }), 400, 114);
    expectCode(await call("POST", "/v1/data_extraction/result", { key: db.read, body: { columns: ["name"], limit: L.EXTRACTION_LIMIT_MAX + 1 } }), 400, 111);
    const levels = Array.from({ length: L.AGGREGATION_LEVELS_MAX + 1 }, () => ({ name: 2 }));
    expectCode(await call("POST", "/v1/query/aggregation", { key: db.read, body: { query: levels } }), 400, 92);
  });

  it(`columns per database stop at ${L.COLUMNS_PER_DATABASE_MAX} (400, 44)`, async () => {
    const other = await createDatabase({ shards: 1 });
    for (let start = 0; start < L.COLUMNS_PER_DATABASE_MAX; start += L.COLUMNS_PER_REQUEST_MAX) {
      const list = Array.from({ length: Math.min(L.COLUMNS_PER_REQUEST_MAX, L.COLUMNS_PER_DATABASE_MAX - start) }, (_, i) => ({ name: "n", "api-name": `c${start + i}`, type: "integer" }));
      const r = await call("POST", "/v1/column", { key: other.master, body: list });
      expect(r.status, r.text).toBe(200);
    }
    expectCode(await call("POST", "/v1/column", { key: other.master, body: { name: "n", "api-name": "one-more", type: "integer" } }), 400, 44);
    // Auto-create counts too.
    expectCode(await call("POST", "/v1/insert", { key: other.write, body: { e: { "one-more": 1 }, "auto-create": ["column"] } }), 400, 44);
  }, 120_000);

  it(`rate: more than ${L.KEY_REQUESTS_PER_PERIOD_MAX} requests per ${L.KEY_RATE_PERIOD_S} s from one key answer 429 / 1502; other keys are unaffected`, async () => {
    const k = await call("POST", "/v1/keys", { key: db.master, body: { name: "hammer", level: "read" } });
    const key = k.body["api-key"] as string;
    let limited: Reply | null = null;
    let retryAfter: string | null = null;
    let sent = 0;
    const get = async (): Promise<Reply & { retryAfter: string | null }> => {
      const res = await exports.default.fetch(new Request(`${BASE}/v1/column`, { headers: { authorization: key } }));
      const text = await res.text();
      return { status: res.status, text, body: JSON.parse(text), headers: res.headers, retryAfter: res.headers.get("retry-after") };
    };
    // Windows align to the wall clock, so within three windows' worth of requests one window overflows.
    while (limited === null && sent < 3 * L.KEY_REQUESTS_PER_PERIOD_MAX + 100) {
      const batch = await Promise.all(Array.from({ length: 50 }, get));
      sent += batch.length;
      for (const r of batch) {
        if (r.status === 429) {
          limited ??= r;
          retryAfter ??= r.retryAfter;
        } else expect(r.status, r.text).toBe(200);
      }
    }
    expect(limited, `no 429 after ${sent} requests`).not.toBeNull();
    expect(retryAfter).toBe(String(L.KEY_RATE_PERIOD_S));
    expect(firstError(limited!).code).toBe(1502);
    expect(limited!.body.errors[0]["more-info"]).toEqual({ limit: L.KEY_REQUESTS_PER_PERIOD_MAX, "period-seconds": L.KEY_RATE_PERIOD_S });
    expect((await call("GET", "/v1/column", { key: db.read })).status).toBe(200);
  }, 60_000);
});
