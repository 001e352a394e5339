// SQL beyond the official examples that clients commonly write: relative dates (NOW() - INTERVAL
// '1' DAY, CURRENT_DATE, CURRENT_TIMESTAMP), YEAR()/MONTH() as DATEPART, DATE_TRUNC answered with a
// pointer to DATEPART, table aliases, and decimal sums and averages rounded as the JSON aggregation
// rounds them.

import { afterAll, describe, expect, it } from "vitest";
import { compileAggregation } from "../../src/query/aggregation";
import { numberOf } from "../../src/query/json";
import { compileSql } from "../../src/sql/index";
import { parseSql } from "../../src/sql/parser";
import { Cluster, insertToWrites } from "../query/helpers/cluster";
import { expectCode } from "../query/helpers/errors";
import { makeSchema } from "../query/helpers/schema";

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0); // 2026-11-27T12:00:00Z
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

const schema = makeSchema(
  [
    { apiName: "name", type: "string" },
    { apiName: "joined", type: "date" },
    { apiName: "seen", type: "datetime" },
    { apiName: "price", type: "decimal", decimalPlaces: 2 },
    { apiName: "rate", type: "decimal" },
    { apiName: "visits", type: "string-event" },
  ],
  ["default"],
  3,
);
const cluster = new Cluster(3);
cluster.write(
  insertToWrites(
    {
      a: { name: "ann", joined: "2026-11-27", seen: iso(NOW - 2 * HOUR), price: 0.1, rate: 1, visits: [{ value: "home", date: iso(NOW - 2 * HOUR) }] },
      b: { name: "bob", joined: "2026-10-02", seen: iso(NOW - 30 * HOUR), price: 0.2, rate: 2, visits: [{ value: "home", date: iso(NOW - 30 * HOUR) }] },
      c: { name: "cai", joined: "2025-03-15", seen: iso(NOW - 24 * 40 * HOUR), price: 0.7, rate: 2, visits: [{ value: "cart", date: iso(NOW - 24 * 40 * HOUR) }] },
    },
    schema,
    NOW,
  ),
);
afterAll(() => cluster.close());

function rows(text: string): unknown[] {
  const s = compileSql(text, schema, NOW);
  if (s.kind !== "select") throw new Error("not a select");
  return JSON.parse(JSON.stringify(cluster.run(s.query)["result"])) as unknown[];
}
const names = (text: string) => (rows(text) as Array<{ name: string }>).map((r) => r.name).sort();

describe("SQL relative dates", () => {
  it("NOW() and CURRENT_TIMESTAMP minus or plus an INTERVAL, in any spelling of the unit", () => {
    expect(names("SELECT name FROM default WHERE seen >= NOW() - INTERVAL '1' DAY")).toEqual(["ann"]);
    expect(names("SELECT name FROM default WHERE seen >= CURRENT_TIMESTAMP - INTERVAL 3 HOURS")).toEqual(["ann"]);
    expect(names("SELECT name FROM default WHERE seen > NOW() - INTERVAL '1 hour'")).toEqual([]);
    expect(names("SELECT name FROM default WHERE seen BETWEEN NOW() - INTERVAL '2' DAY AND NOW()")).toEqual(["ann", "bob"]);
    expect(names("SELECT name FROM default WHERE seen < NOW() - INTERVAL '1' MONTH")).toEqual(["cai"]);
    expect(names("SELECT name FROM default WHERE seen > CURRENT_TIMESTAMP() - INTERVAL 1 YEAR + INTERVAL 11 MONTH")).toEqual(["ann", "bob"]);
    expect(names("SELECT name FROM default WHERE '2026-11-01' + INTERVAL 1 WEEK < seen")).toEqual(["ann", "bob"]);
    expect(names("SELECT name FROM default WHERE seen >= NOW() - INTERVAL 150 MINUTE")).toEqual(["ann"]);
  });

  it("CURRENT_DATE is the start of today (UTC), on date columns and in event windows", () => {
    expect(names("SELECT name FROM default WHERE joined = CURRENT_DATE")).toEqual(["ann"]);
    expect(names("SELECT name FROM default WHERE joined >= CURRENT_DATE - INTERVAL '2' MONTH")).toEqual(["ann", "bob"]);
    expect(names("SELECT name FROM default WHERE [visits.date] >= CURRENT_DATE")).toEqual(["ann"]);
    expect(names("SELECT name FROM default WHERE [visits.value] = 'home' AND [visits.date] BETWEEN NOW() AND NOW() - INTERVAL 2 DAY")).toEqual(["ann", "bob"]);
    expect(rows("SELECT COUNT(*) FROM default WHERE [visits.value] = 'home' HAVING [visits.date] > CURRENT_DATE - INTERVAL 1 DAY")).toEqual([{ COUNT: 2 }]);
  });

  it("refuses other arithmetic and malformed intervals with a SQL error naming the position", () => {
    expectCode(() => parseSql("SELECT name FROM default WHERE seen > NOW() - 1"), 140, /except a date - INTERVAL/);
    expectCode(() => parseSql("SELECT name FROM default WHERE seen > NOW() - INTERVAL 'x' DAY"), 140, /INTERVAL x is not a whole number/);
    expectCode(() => parseSql("SELECT name FROM default WHERE seen > NOW() - INTERVAL 1 FORTNIGHT"), 140, /FORTNIGHT/);
    expectCode(() => parseSql("SELECT name FROM default WHERE seen > NOW(1)"), 140, /takes no arguments/);
    expectCode(() => compileSql("SELECT name FROM default WHERE name = NOW()", schema, NOW), 140, /NOW\(\)/);
    expectCode(() => compileSql("SELECT name FROM default WHERE seen > name + INTERVAL 1 DAY", schema, NOW), 140, /only a date can take/);
  });
});

describe("SQL date parts", () => {
  it("YEAR(col), MONTH(col) and DAY(col) are DATEPART in WHERE, the SELECT list and GROUP BY", () => {
    expect(names("SELECT name FROM default WHERE YEAR(joined) = 2026")).toEqual(["ann", "bob"]);
    expect(names("SELECT name FROM default WHERE MONTH(joined) = '3'")).toEqual(["cai"]);
    expect(rows("SELECT name, DAY(joined) AS d FROM default WHERE name = 'bob'")).toEqual([{ name: "bob", d: 2 }]);
    expect(rows("SELECT YEAR(joined), COUNT(*) FROM default GROUP BY YEAR(joined) ORDER BY YEAR(joined)")).toEqual([
      { YEAR: 2025, COUNT: 1 },
      { YEAR: 2026, COUNT: 2 },
    ]);
  });

  it("answers DATE_TRUNC with an error that points at DATEPART", () => {
    expectCode(() => compileSql("SELECT name FROM default WHERE DATE_TRUNC('day', seen) = '2026-11-27'", schema, NOW), 140, /DATEPART/);
    expectCode(() => compileSql("SELECT DATE_TRUNC('month', joined), COUNT(*) FROM default GROUP BY DATE_TRUNC('month', joined)", schema, NOW), 140, /DATEPART/);
    expectCode(() => compileSql("SELECT name FROM default WHERE YEAR(name) = 2026", schema, NOW), 126, /YEAR needs a date/);
  });
});

describe("SQL table aliases", () => {
  it("FROM dim AS d and FROM dim d qualify columns, brackets and stars", () => {
    expect(names("SELECT d.name FROM default AS d WHERE d.price > 0.15")).toEqual(["bob", "cai"]);
    expect(names("SELECT name FROM default d WHERE [d.name] = 'ann'")).toEqual(["ann"]);
    expect(rows("SELECT d.* FROM default d WHERE d.name = 'ann'")).toHaveLength(1);
    expect(rows("SELECT COUNT(*) FROM default x WHERE x.[visits.value] = 'home'")).toEqual([{ COUNT: 2 }]);
    expect(names("SELECT name FROM default u ORDER BY u.name LIMIT 2")).toEqual(["ann", "bob"]);
    expect(names("SELECT default.name FROM default d WHERE d.name = 'cai'")).toEqual(["cai"]);
  });

  it("still refuses a qualifier that names neither the dimension nor its alias", () => {
    expectCode(() => compileSql("SELECT e.name FROM default d", schema, NOW), 85, /unknown column e\.name/);
    expectCode(() => compileSql("SELECT e.* FROM default d", schema, NOW), 140, /does not name the FROM dimension/);
    expectCode(() => parseSql("SELECT name FROM default d e"), 140);
    expectCode(() => parseSql("SELECT name FROM default AS WHERE name = 'x'"), 140, /alias after AS/);
  });
});

describe("decimal sums and averages", () => {
  it("round a sum to the column's decimal places and an average to 6, in SQL", () => {
    // 0.1 + 0.2 + 0.7 is 0.9999999999999999 in float64.
    expect(rows("SELECT SUM(price), AVG(price) FROM default")).toEqual([{ SUM: 1, AVG: 0.333333 }]);
    expect(rows("SELECT SUM(rate), AVG(rate) FROM default")).toEqual([{ SUM: 5, AVG: 1.666667 }]);
  });

  it("round the same way in the JSON aggregation", () => {
    const run = (metric: string, column: string) => {
      const body = cluster.run(compileAggregation({ query: [{ [column]: metric }] }, schema, NOW));
      return numberOf((body["result"] as Record<string, Record<string, number>>)[column]![metric]!);
    };
    expect(run("sum", "price")).toBe(1);
    expect(run("avg", "price")).toBe(0.333333);
    expect(run("avg", "rate")).toBe(1.666667);
  });
});
