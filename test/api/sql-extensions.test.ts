// The SQL dialect's extensions through the Worker (test/sql/dialect-extensions.test.ts has the
// details): relative dates, YEAR(), table aliases, rounded decimal sums and averages, and the
// DATE_TRUNC error, each a SlicingDice answer or error that changes nothing.

import { beforeAll, describe, expect, it } from "vitest";
import { call, createDatabase, firstError, type TestDatabase } from "../helpers/api";

const sql = (db: TestDatabase, text: string) => call("POST", "/v1/sql", { key: db.read, raw: text, headers: { "content-type": "application/sql" } });

describe("POST /v1/sql extensions", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase({ shards: 2, replicas: 0 });
    const cols = await call("POST", "/v1/column", {
      key: db.master,
      body: [
        { name: "Price", "api-name": "price", type: "decimal", "decimal-places": 2 },
        { name: "Seen", "api-name": "seen", type: "datetime" },
      ],
    });
    expect(cols.status, cols.text).toBe(200);
    const recent = new Date(Date.now() - 3_600_000).toISOString();
    const ins = await call("POST", "/v1/insert?wait=true", {
      key: db.write,
      body: { a: { price: 0.1, seen: recent }, b: { price: 0.2, seen: "2020-01-01T00:00:00Z" }, c: { price: 0.7, seen: "2020-06-01T00:00:00Z" } },
    });
    expect(ins.status, ins.text).toBe(200);
  });

  it("answers relative dates, YEAR() and aliases", async () => {
    const recent = await sql(db, "SELECT [entity-id] FROM default WHERE seen >= NOW() - INTERVAL '1' DAY");
    expect(recent.body.result, recent.text).toEqual([{ "entity-id": "a" }]);
    const old = await sql(db, "SELECT COUNT(*) FROM default d WHERE YEAR(d.seen) = 2020 AND d.seen < CURRENT_DATE");
    expect(old.body.result, old.text).toEqual([{ COUNT: 2 }]);
  });

  it("rounds decimal sums to the column's places and averages to 6, like /query/aggregation", async () => {
    const r = await sql(db, "SELECT SUM(price), AVG(price) FROM default");
    expect(r.text).toContain('"result":[{"SUM":1.0,"AVG":0.333333}]');
    const agg = await call("POST", "/v1/query/aggregation", { key: db.read, body: { query: [{ price: "avg" }] } });
    expect(agg.body.result, agg.text).toEqual({ price: { avg: 0.333333 } });
  });

  it("refuses DATE_TRUNC with a pointer to DATEPART", async () => {
    const r = await sql(db, "SELECT COUNT(*) FROM default WHERE DATE_TRUNC('day', seen) = '2020-01-01'");
    expect(r.status).toBe(400);
    expect(firstError(r).code).toBe(140);
    expect(firstError(r).message).toContain("DATEPART");
  });
});
