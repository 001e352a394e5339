// compileSql: the shard plans a SELECT compiles to (count-entity vs extract, fused event terms,
// HAVING windows and minfreq, DATEPART supersets, ORDER BY/LIMIT push-down), INSERT bodies, the
// merge's availability rules, and the error codes for anything outside the dialect or schema.

import { describe, expect, it } from "vitest";
import { compileSql } from "../../src/sql/index";
import type { CompiledQuery } from "../../src/query/compiled";
import type { CountEntityQuery, ExtractQuery, ShardAnswer } from "../../contract/plan";
import { SQL_EXTRACT_ROWS_MAX } from "../../contract/limits";
import { ApiError } from "../../contract/errors";
import { expectCode } from "../query/helpers/errors";
import { makeSchema } from "../query/helpers/schema";

const NOW = Date.UTC(2018, 0, 10, 12);
const D = (s: string) => Date.parse(s);

const schema = makeSchema(
  [
    { apiName: "name", type: "string", dimension: "users" },
    { apiName: "age", type: "integer", dimension: "users" },
    { apiName: "salary", type: "decimal", dimension: "users" },
    { apiName: "admission", type: "date", dimension: "users" },
    { apiName: "tags", type: "string", dimension: "users", storage: "list-of-values" },
    { apiName: "clicks", type: "string-event", dimension: "users" },
    { apiName: "purchase-values", type: "decimal-event", dimension: "users" },
  ],
  ["default", "users"],
);
const id = (api: string) => schema.column("users", api)!.id;
const ref = (api: string) => {
  const c = schema.column("users", api)!;
  return { id: c.id, type: c.type, storage: c.storage };
};

function query(text: string): CompiledQuery {
  const s = compileSql(text, schema, NOW);
  if (s.kind !== "select") throw new Error("not a select");
  return s.query;
}
const countPlan = (text: string) => query(text).planFor(0) as CountEntityQuery;
const extractPlan = (text: string) => query(text).planFor(0) as ExtractQuery;

describe("SELECT plans", () => {
  it("plain COUNT(*) / COUNT([entity-id]) is a count-entity query with the WHERE expression", () => {
    expect(countPlan("SELECT COUNT(*) FROM users WHERE name='Eduardo' OR age='19'")).toEqual({
      kind: "count-entity",
      queries: [
        {
          dimension: "users",
          expr: {
            op: "or",
            args: [
              { op: "attr", col: ref("name"), test: { op: "eq", value: "eduardo" } },
              { op: "attr", col: ref("age"), test: { op: "eq", value: 19 } },
            ],
          },
        },
      ],
    });
    expect(countPlan("SELECT COUNT([entity-id]) AS n FROM users").queries[0]!.expr).toEqual({ op: "all" });
  });

  it("compiles comparison, BETWEEN, IN, NOT IN, LIKE and NOT LIKE into value tests", () => {
    const test = (w: string) => (countPlan(`SELECT COUNT(*) FROM users WHERE ${w}`).queries[0]!.expr as { test: unknown }).test;
    expect(test("age > 17")).toEqual({ op: "range", min: 17, max: null, minInclusive: false, maxInclusive: false });
    expect(test("17 < age")).toEqual({ op: "range", min: 17, max: null, minInclusive: false, maxInclusive: false });
    expect(test("age <= '24'")).toEqual({ op: "range", min: null, max: 24, minInclusive: false, maxInclusive: true });
    expect(test("age BETWEEN 17 AND 24")).toEqual({ op: "range", min: 17, max: 24, minInclusive: true, maxInclusive: true });
    expect(test("name != 'NY'")).toEqual({ op: "ne", value: "ny" });
    expect(test("name IN ('A', 'b')")).toEqual({ op: "in", values: ["a", "b"] });
    expect(test("name NOT IN ('A')")).toEqual({ op: "not", test: { op: "in", values: ["a"] } });
    expect(test("name LIKE '%Jo%'")).toEqual({ op: "contains", value: "jo" });
    expect(test("name LIKE 'jo%'")).toEqual({ op: "starts-with", value: "jo" });
    expect(test("name LIKE '%ao'")).toEqual({ op: "ends-with", value: "ao" });
    expect(test("name LIKE 'joao'")).toEqual({ op: "eq", value: "joao" });
    expect(test("name NOT LIKE '%joao%'")).toEqual({ op: "not", test: { op: "contains", value: "joao" } });
    expect(test("admission = '2017-07-17'")).toEqual({ op: "eq", value: D("2017-07-17T00:00:00Z") });
    expect(test("[entity-id] = 'User1'")).toEqual({ op: "eq", value: "User1" });
  });

  it("fuses [ev.value] and [ev.date] of one AND chain into one events term", () => {
    const expr = countPlan("SELECT COUNT(*) FROM users WHERE [clicks.value] NOT LIKE '%visit%' AND age = 1 AND [clicks.date] BETWEEN '2017-05-25' AND '2017-06-08T10:00:00'").queries[0]!.expr;
    expect(expr).toEqual({
      op: "and",
      args: [
        { op: "attr", col: ref("age"), test: { op: "eq", value: 1 } },
        {
          op: "events",
          terms: [{ col: ref("clicks"), test: { op: "not", test: { op: "contains", value: "visit" } }, window: { from: D("2017-05-25T00:00:00Z"), to: D("2017-06-08T10:00:00Z") } }],
          minfreq: 1,
        },
      ],
    });
    // a date alone is "has an event in the window"; a value alone has no window
    expect(countPlan("SELECT COUNT(*) FROM users WHERE [clicks.date] >= '2017-05-25'").queries[0]!.expr).toEqual({
      op: "events",
      terms: [{ col: ref("clicks"), test: null, window: { from: D("2017-05-25T00:00:00Z"), to: 8.64e15 } }],
      minfreq: 1,
    });
    expect(countPlan("SELECT COUNT(*) FROM users WHERE [clicks.value] = 'Buy' OR clicks = 'x'").queries[0]!.expr).toEqual({
      op: "or",
      args: [
        { op: "events", terms: [{ col: ref("clicks"), test: { op: "eq", value: "buy" }, window: null }], minfreq: 1 },
        { op: "events", terms: [{ col: ref("clicks"), test: { op: "eq", value: "x" }, window: null }], minfreq: 1 },
      ],
    });
  });

  it("HAVING COUNT([ev.value]) > n is minfreq n + 1 on the WHERE term; >= n is minfreq n", () => {
    const q = "SELECT COUNT([entity-id]) FROM users WHERE [clicks.value] = 'Add to Cart' AND [clicks.date] BETWEEN '2017-05-14T00:00:00Z' AND '2017-05-28T00:00:00Z' HAVING COUNT([clicks.value]) > 5";
    expect(countPlan(q).queries[0]!.expr).toEqual({
      op: "events",
      terms: [{ col: ref("clicks"), test: { op: "eq", value: "add to cart" }, window: { from: D("2017-05-14T00:00:00Z"), to: D("2017-05-28T00:00:00Z") } }],
      minfreq: 6,
    });
    expect(countPlan("SELECT COUNT(*) FROM users HAVING COUNT([clicks.value]) >= 2").queries[0]!.expr).toEqual({
      op: "events",
      terms: [{ col: ref("clicks"), test: null, window: null }],
      minfreq: 2,
    });
    // an upper bound is the complement of a larger minfreq
    expect(countPlan("SELECT COUNT(*) FROM users WHERE [clicks.value] = 'a' HAVING COUNT([clicks.value]) <= 2").queries[0]!.expr).toEqual({
      op: "and",
      args: [
        { op: "events", terms: [{ col: ref("clicks"), test: { op: "eq", value: "a" }, window: null }], minfreq: 1 },
        { op: "not", arg: { op: "events", terms: [{ col: ref("clicks"), test: { op: "eq", value: "a" }, window: null }], minfreq: 3 } },
      ],
    });
  });

  it("HAVING [ev.date] BETWEEN windows WHERE terms without their own window and the extracted events", () => {
    const plan = extractPlan(
      "SELECT MAX([purchase-values.value]) FROM users WHERE [clicks.value] = 'buy' AND [purchase-values.value] > 1 HAVING [purchase-values.date] BETWEEN '2017-05-19' AND '2017-05-30'",
    );
    const w = { from: D("2017-05-19T00:00:00Z"), to: D("2017-05-30T00:00:00Z") };
    expect(plan.expr).toEqual({
      op: "and",
      args: [
        { op: "events", terms: [{ col: ref("clicks"), test: { op: "eq", value: "buy" }, window: null }], minfreq: 1 },
        { op: "events", terms: [{ col: ref("purchase-values"), test: { op: "range", min: 1, max: null, minInclusive: false, maxInclusive: false }, window: w }], minfreq: 1 },
      ],
    });
    expect(plan.columns).toEqual([{ kind: "events", key: `e${id("purchase-values")}`, col: ref("purchase-values"), window: w }]);
    expect(plan.limit).toBe(SQL_EXTRACT_ROWS_MAX);
  });

  it("extracts only the columns a SELECT reads; * reads every attribute column", () => {
    expect(extractPlan("SELECT name FROM users WHERE age > 1").columns).toEqual([{ kind: "attr", key: `a${id("name")}`, col: ref("name") }]);
    const star = extractPlan("SELECT * FROM users");
    expect(star.columns.map((c) => c.key).sort()).toEqual(["name", "age", "salary", "admission", "tags"].map((a) => `a${id(a)}`).sort());
    expect(star.score).toBe(true);
  });

  it("pushes ORDER BY and LIMIT of plain per-entity selects down to the shards", () => {
    const plan = extractPlan("SELECT name FROM users ORDER BY age DESC, name LIMIT 5 OFFSET 2");
    expect(plan.order).toEqual([
      { by: "column", col: ref("age"), dir: "desc" },
      { by: "column", col: ref("name"), dir: "asc" },
      { by: "entity-id", dir: "asc" },
    ]);
    expect([plan.offset, plan.limit]).toEqual([0, 7]);
    // aggregates need every entity at the edge
    const agg = extractPlan("SELECT name, MAX(age) FROM users ORDER BY name LIMIT 5");
    expect([agg.order, agg.limit]).toEqual([[{ by: "entity-id", dir: "asc" }], SQL_EXTRACT_ROWS_MAX]);
  });

  it("sends DATEPART filters as a superset and decides them at the edge", () => {
    const plan = extractPlan("SELECT * FROM users WHERE DATEPART('mm', users.admission) = '8' OR NOT DATEPART(dd, admission) = 1");
    expect(plan.expr).toEqual({ op: "or", args: [{ op: "has", col: ref("admission") }, { op: "all" }] });
    expect(plan.score).toBe(false); // the edge scores
    expect(plan.columns.some((c) => c.key === `a${id("admission")}`)).toBe(true);
  });

  it("resolves relative dates against now", () => {
    const expr = countPlan("SELECT COUNT(*) FROM users WHERE [clicks.date] BETWEEN 'now' AND '-1d'").queries[0]!.expr as { readonly terms: ReadonlyArray<{ window: unknown }> };
    expect(expr.terms[0]!.window).toEqual({ from: NOW - 86_400_000, to: NOW });
  });
});

describe("merge", () => {
  const answer = (rows: Array<{ id: string; values: Record<string, unknown> }>, matched = rows.length): ShardAnswer => ({
    kind: "extract",
    matched,
    rows: rows.map((r) => ({ id: r.id, sort: [], values: r.values as never })),
  });

  it("merges shards' rows in order and cuts OFFSET/LIMIT", () => {
    const q = query("SELECT name, age FROM users ORDER BY age DESC LIMIT 2 OFFSET 1");
    const a = `a${id("age")}`,
      n = `a${id("name")}`;
    const body = q.merge(
      [
        answer([
          { id: "1", values: { [a]: 30, [n]: "x" } },
          { id: "3", values: { [a]: 10, [n]: "z" } },
        ]),
        answer([{ id: "2", values: { [a]: 20, [n]: "y" } }]),
      ],
      { missingShards: [], totalShards: 2 },
    );
    expect(body).toEqual({
      result: [
        { name: "y", age: 20 },
        { name: "z", age: 10 },
      ],
      count: 2,
    });
  });

  it("refuses an incomplete extraction: missing shards and truncated shard answers", () => {
    const q = query("SELECT AVG(age) FROM users");
    expectCode(() => q.merge([null, answer([])], { missingShards: [0], totalShards: 2 }), 4001, /shard\(s\) 0/);
    expectCode(() => q.merge([answer([], 5)], { missingShards: [], totalShards: 1 }), 111);
  });

  it("extrapolates COUNT(*) over missing shards and says so", () => {
    const q = query("SELECT COUNT(*) FROM users");
    expect(q.merge([{ kind: "count-entity", counts: [10] }, null], { missingShards: [1], totalShards: 2 })).toEqual({
      result: [{ COUNT: 20 }],
      count: 1,
      approximate: true,
      "missing-shards": 1,
    });
  });

  it("keeps cache keys apart for different statements and equal for equal ones", () => {
    expect(query("SELECT name FROM users").cacheKey).toBe(query("SELECT name FROM users").cacheKey);
    expect(query("SELECT name FROM users").cacheKey).not.toBe(query("SELECT name FROM users LIMIT 1").cacheKey);
    expect(query("SELECT COUNT(*) FROM users").cacheKey).not.toBe(query("SELECT COUNT(*) AS n FROM users").cacheKey);
  });
});

describe("INSERT", () => {
  it("produces the /v1/insert body", () => {
    const s = compileSql(`INSERT INTO default([entity-id], name, age) VALUES(1, 'john', 10), ("e2", "Mary", 2.5)`, schema, NOW);
    expect(s).toEqual({
      kind: "insert",
      body: { "1": { name: "john", age: 10, dimension: "default" }, e2: { name: "Mary", age: 2.5, dimension: "default" } },
    });
  });

  it("turns [ev.value] / [ev.date] pairs into events and skips NULLs", () => {
    const s = compileSql("INSERT INTO users([entity-id], [clicks.value], [clicks.date], age) VALUES ('u1', 'Buy', '2017-05-23T00:00:00Z', NULL), ('u1', 'Pay', '2017-05-24', 3)", schema, NOW);
    expect(s).toEqual({
      kind: "insert",
      body: {
        u1: {
          clicks: [
            { value: "Buy", date: "2017-05-23T00:00:00Z" },
            { value: "Pay", date: "2017-05-24" },
          ],
          age: 3,
          dimension: "users",
        },
      },
    });
  });

  it("needs an entity-id column and literal values", () => {
    expectCode(() => compileSql("INSERT INTO users(name) VALUES ('x')", schema, NOW), 140, /\[entity-id\]/);
    expectCode(() => compileSql("INSERT INTO users([entity-id], name) VALUES (1, name)", schema, NOW), 140, /literal values only/);
    expectCode(() => compileSql("INSERT INTO users([entity-id], name, name) VALUES (1, 'a', 'b')", schema, NOW), 140, /listed twice/);
  });
});

describe("errors", () => {
  const cases: Array<[string, number, RegExp]> = [
    ["SELECT name FROM nowhere", 128, /unknown dimension nowhere/],
    ["SELECT nope FROM users", 85, /unknown column nope in dimension users at line 1, column 8/],
    ["SELECT name FROM users WHERE [nope.value] = 1", 85, /unknown column nope.value/],
    ["SELECT jobs.age FROM users", 85, /unknown column jobs.age/],
    ["SELECT name FROM users WHERE age = 'abc'", 126, /'abc' is not a number/],
    ["SELECT name FROM users WHERE admission = 'someday'", 78, /invalid date 'someday'/],
    ["SELECT name FROM users WHERE age LIKE '1%'", 98, /LIKE needs a text column, age is integer/],
    ["SELECT AVG(name) FROM users", 97, /AVG needs a numeric column, name is string/],
    ["SELECT name FROM users WHERE name LIKE 'a%b'", 140, /% inside/],
    ["SELECT name FROM users WHERE name = age", 140, /comparing two columns/],
    ["SELECT name FROM users WHERE score > 1", 140, /score cannot be filtered/],
    ["SELECT name FROM users WHERE [clicks.date] != '2017-01-01'", 140, /!= is not supported on clicks.date/],
    ["SELECT name, COUNT(*) FROM users GROUP BY age", 140, /name must appear in GROUP BY or inside an aggregate at line 1, column 8/],
    ["SELECT name, COUNT(*) FROM users", 0, /./], // per-entity rows: allowed (see semantics tests)
    ["SELECT *, COUNT(*) FROM users GROUP BY name", 140, /SELECT \* cannot be combined with GROUP BY/],
    ["SELECT UPPER(name) FROM users", 140, /unsupported function UPPER/],
    ["SELECT name FROM users WHERE DATEPART('qx', admission) = 1", 140, /unknown DATEPART unit/],
    ["SELECT name FROM users WHERE DATEPART('dd', name) = 1", 126, /DATEPART needs a date or datetime column/],
    ["SELECT MAX([clicks.value]) FROM users GROUP BY INTERVAL([clicks.value]) = 'fortnights'", 140, /INTERVAL needs a unit/],
    ["SELECT COUNT(*) FROM users GROUP BY INTERVAL(name) = 'days'", 126, /INTERVAL needs an event column or a date column/],
    ["SELECT name FROM users ORDER BY 3", 140, /ORDER BY 3 does not name a SELECT item/],
    ["SELECT name FROM users WHERE age", 140, /expected a condition, found column age/],
    ["SELECT name FROM users WHERE name = NULL", 140, /NULL can only be tested with IS NULL/],
    ["SELECT CASE WHEN COUNT(*) > 1 THEN 'a' END FROM users", 140, /aggregates inside expressions/],
  ];
  for (const [text, code, message] of cases) {
    it(text, () => {
      if (code === 0) expect(() => compileSql(text, schema, NOW)).not.toThrow();
      else expectCode(() => compileSql(text, schema, NOW), code, message);
    });
  }
});

describe("robustness", () => {
  it("compiles generated statements to a query or an ApiError, and merges empty answers without crashing", () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    const one = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const columns = ["name", "age", "salary", "admission", "tags", "[entity-id]", "score", "[clicks.value]", "[clicks.date]", "[purchase-values.value]", "users.age", "nope"];
    const items = [
      ...columns,
      "*",
      "users.*",
      "COUNT(*)",
      "COUNT(DISTINCT name)",
      "AVG(age)",
      "SUM(salary)",
      "MIN(admission)",
      "MAX([purchase-values.value])",
      "COUNT([clicks.value])",
      "DATEPART('mm', admission)",
      "CASE WHEN age > 1 THEN 'a' ELSE 'b' END",
      "1",
      "AVG(name)",
    ];
    const literals = ["'x'", "'2017-05-01'", "3", "-2.5", "'19'", "NULL", "name"];
    const cond = (depth: number): string => {
      const r = rand();
      if (depth < 2 && r < 0.2) return `(${cond(depth + 1)} ${one(["AND", "OR"])} ${cond(depth + 1)})`;
      if (depth < 2 && r < 0.3) return `NOT ${cond(depth + 1)}`;
      const c = one(columns);
      switch (one(["cmp", "between", "in", "like", "null", "datepart"])) {
        case "cmp":
          return `${c} ${one(["=", "!=", "<", ">=", "<>"])} ${one(literals)}`;
        case "between":
          return `${c} ${one(["", "NOT "])}BETWEEN ${one(literals)} AND ${one(literals)}`;
        case "in":
          return `${c} ${one(["", "NOT "])}IN (${one(literals)}, ${one(literals)})`;
        case "like":
          return `${c} ${one(["", "NOT "])}LIKE ${one(["'%a%'", "'a%'", "'%a'", "'a%b'", "3"])}`;
        case "null":
          return `${c} IS ${one(["", "NOT "])}NULL`;
        default:
          return `DATEPART(${one(["'dd'", "'mm'", "yy", "'zz'"])}, ${c}) ${one(["=", ">"])} ${one(literals)}`;
      }
    };
    let compiled = 0;
    for (let i = 0; i < 3000; i++) {
      let text = `SELECT ${rand() < 0.2 ? "DISTINCT " : ""}${Array.from({ length: 1 + Math.floor(rand() * 3) }, () => one(items)).join(", ")} FROM users`;
      if (rand() < 0.7) text += ` WHERE ${cond(0)}`;
      if (rand() < 0.3) text += ` GROUP BY ${one([...columns, "INTERVAL([clicks.value]) = 'days'", "DATEPART('yy', admission)", "1"])}`;
      if (rand() < 0.3) text += ` HAVING ${one(["[clicks.date] BETWEEN '2017-01-01' AND 'now'", "COUNT([clicks.value]) > 2", "COUNT(*) >= 1", "AVG(age) > 3", cond(1)])}`;
      if (rand() < 0.3) text += ` ORDER BY ${one([...columns, "COUNT(*)", "1", "x"])} ${one(["ASC", "DESC", ""])}`;
      if (rand() < 0.3) text += ` LIMIT ${one(["0", "2", "10"])}`;
      let q: CompiledQuery;
      try {
        const s = compileSql(text, schema, NOW);
        if (s.kind !== "select") continue;
        q = s.query;
      } catch (err) {
        expect(err, text).toBeInstanceOf(ApiError);
        continue;
      }
      compiled++;
      const plan = q.planFor(0);
      const empty: ShardAnswer = plan.kind === "count-entity" ? { kind: "count-entity", counts: [0] } : { kind: "extract", matched: 0, rows: [] };
      expect(() => q.merge([empty], { missingShards: [], totalShards: 1 }), text).not.toThrow();
    }
    expect(compiled).toBeGreaterThan(300);
  });
});
