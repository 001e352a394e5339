// Compile tests for every endpoint: the plan produced (dates resolved against a fixed now) and every
// error path, asserted by SlicingDice code.

import { describe, expect, it } from "vitest";
import { compileAggregation } from "../../src/query/aggregation";
import { compileCountEntity } from "../../src/query/count-entity";
import { compileCountEvent } from "../../src/query/count-event";
import { compileExists } from "../../src/query/exists";
import { compileResult, compileScore } from "../../src/query/extraction";
import { compileDelete, compileUpdate } from "../../src/query/mutations";
import { compileTopValues } from "../../src/query/top-values";
import { compileTotal } from "../../src/query/total";
import { EXTRACTION_LIMIT_DEFAULT, NAMED_QUERIES_MAX } from "../../contract/limits";
import type { AggregationQuery, ExtractQuery } from "../../contract/plan";
import { expectCode } from "./helpers/errors";
import { fullSchema } from "./helpers/schema";

const schema = fullSchema();
const NOW = Date.parse("2020-06-15T12:00:00Z");
const DAY = 86_400_000;
const T = (s: string) => Date.parse(s);
const ref = (name: string, dim = "default") => {
  const c = schema.column(dim, name)!;
  return { id: c.id, type: c.type, storage: c.storage };
};

describe("count entity", () => {
  it("compiles one object or a list, with dimensions and bypass-cache", () => {
    const c = compileCountEntity(
      [
        { "query-name": "a", query: [{ name: { equals: "X" } }] },
        { "query-name": "b", query: [{ plan: { equals: "gold" } }], dimension: "users", "bypass-cache": true },
      ],
      schema,
      NOW,
    );
    expect(c.planFor(0)).toEqual({
      kind: "count-entity",
      queries: [
        { dimension: "default", expr: { op: "attr", col: ref("name"), test: { op: "eq", value: "x" } } },
        { dimension: "users", expr: { op: "attr", col: ref("plan", "users"), test: { op: "eq", value: "gold" } } },
      ],
    });
    expect(c.bypassCache).toBe(true);
    expect(compileCountEntity({ "query-name": "a", query: [{ name: { equals: "x" } }] }, schema, NOW).bypassCache).toBe(false);
  });
  it("differs in cache key when only the names differ", () => {
    const k = (n: string) => compileCountEntity({ "query-name": n, query: [{ name: { equals: "x" } }] }, schema, NOW).cacheKey;
    expect(k("a")).not.toEqual(k("b"));
  });
  it("rejects bad shapes", () => {
    const q = [{ name: { equals: "x" } }];
    expectCode(() => compileCountEntity({ query: q }, schema, NOW), 108, /query-name/);
    expectCode(() => compileCountEntity({ "query-name": "a" }, schema, NOW), 80);
    expectCode(() => compileCountEntity({ "query-name": "a", query: q, extra: 1 }, schema, NOW), 119, /extra/);
    expectCode(() => compileCountEntity([], schema, NOW), 108);
    expectCode(
      () =>
        compileCountEntity(
          [
            { "query-name": "a", query: q },
            { "query-name": "a", query: q },
          ],
          schema,
          NOW,
        ),
      108,
      /twice/,
    );
    expectCode(
      () =>
        compileCountEntity(
          Array.from({ length: NAMED_QUERIES_MAX + 1 }, (_, i) => ({ "query-name": `q${i}`, query: q })),
          schema,
          NOW,
        ),
      123,
    );
    expectCode(() => compileCountEntity({ "query-name": "a", query: q, dimension: "nope" }, schema, NOW), 128, /nope/);
    expectCode(() => compileCountEntity({ "query-name": "a", query: q, "bypass-cache": "yes" }, schema, NOW), 108);
  });
});

describe("count event", () => {
  it("compiles one event predicate with its window", () => {
    const c = compileCountEvent({ "query-name": "e", query: [{ clicks: { equals: "A", between: ["now", "-1w"] } }] }, schema, NOW);
    expect(c.planFor(0)).toEqual({
      kind: "count-event",
      queries: [{ dimension: "default", terms: [{ col: ref("clicks"), test: { op: "eq", value: "a" }, window: { from: NOW - 7 * DAY, to: NOW } }] }],
    });
  });
  it("88 unless it is one event predicate object with between", () => {
    const p = { clicks: { equals: "a", between: ["2016-01-01", "2016-01-02"] } };
    expectCode(() => compileCountEvent({ "query-name": "e", query: [p, "and", p] }, schema, NOW), 88);
    expectCode(() => compileCountEvent({ "query-name": "e", query: [{ clicks: { equals: "a" } }] }, schema, NOW), 88, /between/);
    expectCode(() => compileCountEvent({ "query-name": "e", query: [{ name: { equals: "a" } }] }, schema, NOW), 88);
    expectCode(() => compileCountEvent({ "query-name": "e", query: [{ freqgroup: [p] }] }, schema, NOW), 88);
    expectCode(() => compileCountEvent({ "query-name": "e", query: [{ clicks: { equals: "a", between: ["2016-01-01", "2016-01-02"], minfreq: 2 } }] }, schema, NOW), 125);
  });
});

describe("count entity total", () => {
  it("counts everything or the listed dimensions", () => {
    expect(compileTotal({}, schema, NOW).planFor(0)).toEqual({ kind: "total", dimensions: null });
    expect(compileTotal({ dimensions: ["users", "users", "default"] }, schema, NOW).planFor(0)).toEqual({ kind: "total", dimensions: ["users", "default"] });
    expect(compileTotal({ tables: ["users"] }, schema, NOW).planFor(0)).toEqual({ kind: "total", dimensions: ["users"] });
  });
  it("rejects unknown dimensions and bad lists", () => {
    expectCode(() => compileTotal({ dimensions: ["ghost"] }, schema, NOW), 128);
    expectCode(() => compileTotal({ dimensions: [] }, schema, NOW), 108);
    expectCode(() => compileTotal({ dimensions: "users" }, schema, NOW), 108);
  });
});

describe("exists", () => {
  it("compiles the ids (deduplicated) of a dimension", () => {
    expect(compileExists({ ids: ["a", "b", "a", 7], dimension: "users" }, schema, NOW).planFor(0)).toEqual({ kind: "exists", dimension: "users", ids: ["a", "b", "7"] });
  });
  it("rejects missing, empty and oversized lists", () => {
    expectCode(() => compileExists({}, schema, NOW), 107);
    expectCode(() => compileExists({ ids: [] }, schema, NOW), 115);
    expectCode(() => compileExists({ ids: Array.from({ length: 101 }, (_, i) => `${i}`) }, schema, NOW), 99);
    expectCode(() => compileExists({ ids: "a" }, schema, NOW), 108);
    expectCode(() => compileExists({ ids: [null] }, schema, NOW), 108);
  });
});

describe("top values", () => {
  it("compiles filters into one test per sub-query", () => {
    const c = compileTopValues(
      {
        a: { name: 5, contains: ["X", "y"], "not-equals": ["Z"] },
        b: { clicks: 3, "starts-with": "p", between: ["2016-01-01", "2016-01-02"] },
        c: { age: 2, "not-equals": ["1000010"], equals: [1, "2"] },
      },
      schema,
      NOW,
    );
    expect(c.planFor(0)).toEqual({
      kind: "top-values",
      queries: [
        {
          dimension: "default",
          col: ref("name"),
          window: null,
          test: {
            op: "and",
            tests: [
              {
                op: "or",
                tests: [
                  { op: "contains", value: "x" },
                  { op: "contains", value: "y" },
                ],
              },
              { op: "not", test: { op: "in", values: ["z"] } },
            ],
          },
        },
        { dimension: "default", col: ref("clicks"), test: { op: "starts-with", value: "p" }, window: { from: T("2016-01-01"), to: T("2016-01-02") } },
        {
          dimension: "default",
          col: ref("age"),
          window: null,
          test: {
            op: "and",
            tests: [
              { op: "not", test: { op: "in", values: [1000010] } },
              { op: "in", values: [1, 2] },
            ],
          },
        },
      ],
    });
  });
  it("takes a top-level dimension", () => {
    expect(compileTopValues({ dimension: "users", p: { plan: 2 } }, schema, NOW).planFor(0)).toMatchObject({ queries: [{ dimension: "users" }] });
  });
  it("rejects bad sub-queries", () => {
    expectCode(() => compileTopValues({}, schema, NOW), 108);
    expectCode(() => compileTopValues(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`q${i}`, { name: 1 }])), schema, NOW), 123);
    expectCode(() => compileTopValues({ a: { name: 0 } }, schema, NOW), 90);
    expectCode(() => compileTopValues({ a: { name: "5" } }, schema, NOW), 90);
    expectCode(() => compileTopValues({ a: { name: 5, contains: [] } }, schema, NOW), 109);
    expectCode(() => compileTopValues({ a: { age: 5, contains: ["1"] } }, schema, NOW), 98);
    expectCode(() => compileTopValues({ a: { name: 5, between: ["2016-01-01", "2016-01-02"] } }, schema, NOW), 96);
    expectCode(() => compileTopValues({ a: { name: 5, age: 5 } }, schema, NOW), 91);
    expectCode(() => compileTopValues({ a: { contains: ["x"] } }, schema, NOW), 108);
    expectCode(() => compileTopValues({ a: { ghost: 5 } }, schema, NOW), 85);
  });
});

describe("aggregation", () => {
  it("compiles filter, groups and metrics", () => {
    const c = compileAggregation({ filter: [{ name: { equals: "A" } }], query: [{ age: 3, equals: ["1", 2] }, { views: 2, between: ["2016-01-01", "2016-01-07"] }, { price: "AVG" }] }, schema, NOW);
    expect(c.planFor(0)).toEqual({
      kind: "aggregation",
      dimension: "default",
      filter: { op: "attr", col: ref("name"), test: { op: "eq", value: "a" } },
      groups: [
        { col: ref("age"), test: { op: "in", values: [1, 2] }, window: null },
        { col: ref("views"), test: null, window: { from: T("2016-01-01"), to: T("2016-01-07") } },
      ],
      metrics: [{ col: ref("price"), metric: "avg", window: null, buckets: null }],
    });
  });
  it("builds day buckets over the window and explicit bucket lists", () => {
    const days = compileAggregation({ query: [{ views: "sum", between: ["2016-01-01", "2016-01-07"], interval: "days" }] }, schema, NOW).planFor(0);
    expect(days).toMatchObject({ metrics: [{ window: { from: T("2016-01-01"), to: T("2016-01-07") } }] });
    const buckets = (days as AggregationQuery).metrics[0]!.buckets!;
    expect(buckets).toHaveLength(7);
    expect(buckets[0]).toEqual({ from: T("2016-01-01"), to: T("2016-01-02") });
    expect(buckets[6]).toEqual({ from: T("2016-01-07"), to: T("2016-01-08") });
    const hours = compileAggregation({ query: [{ views: "count-events", between: ["now", "-3hr"], interval: "hours" }] }, schema, NOW).planFor(0);
    expect((hours as AggregationQuery).metrics[0]!.buckets).toHaveLength(4);
    const listed = compileAggregation(
      {
        query: [
          {
            spend: "max",
            between: [
              ["2016-01-01", "2016-01-02"],
              ["2016-01-05", "2016-01-06"],
            ],
          },
        ],
      },
      schema,
      NOW,
    ).planFor(0);
    expect(listed).toMatchObject({
      metrics: [
        {
          window: { from: T("2016-01-01"), to: T("2016-01-06") },
          buckets: [
            { from: T("2016-01-01"), to: T("2016-01-02") },
            { from: T("2016-01-05"), to: T("2016-01-06") },
          ],
        },
      ],
    });
  });
  it("rejects malformed aggregations", () => {
    expectCode(() => compileAggregation({}, schema, NOW), 80);
    expectCode(() => compileAggregation({ query: [] }, schema, NOW), 93);
    expectCode(() => compileAggregation({ query: Array.from({ length: 6 }, () => ({ age: 1 })) }, schema, NOW), 92);
    expectCode(() => compileAggregation({ query: [{ age: "median" }] }, schema, NOW), 89);
    expectCode(() => compileAggregation({ query: [{ name: "sum" }] }, schema, NOW), 97);
    expectCode(() => compileAggregation({ query: [{ age: "sum" }, { name: 3 }] }, schema, NOW), 95);
    expectCode(() => compileAggregation({ query: [{ age: "count-events" }] }, schema, NOW), 96);
    expectCode(() => compileAggregation({ query: [{ views: "count-events" }] }, schema, NOW), 96);
    expectCode(() => compileAggregation({ query: [{ age: "sum", between: ["2016-01-01", "2016-01-02"] }] }, schema, NOW), 96);
    expectCode(() => compileAggregation({ query: [{ views: "sum", interval: "days" }] }, schema, NOW), 93);
    expectCode(() => compileAggregation({ query: [{ views: "sum", interval: "fortnights", between: ["2016-01-01", "2016-01-02"] }] }, schema, NOW), 93);
    expectCode(() => compileAggregation({ query: [{ views: "sum", interval: "hours", between: ["2000-01-01", "2016-01-02"] }] }, schema, NOW), 93);
    expectCode(() => compileAggregation({ query: [{ age: 3, name: 3 }] }, schema, NOW), 93);
    expectCode(() => compileAggregation({ query: [{ age: 0 }] }, schema, NOW), 90);
    expectCode(() => compileAggregation({ query: [{ age: 2, interval: "days" }] }, schema, NOW), 125);
    expectCode(() => compileAggregation({ query: [{ age: "min" }, { age: "min" }] }, schema, NOW), 93);
    expectCode(() => compileAggregation({ query: [{ age: 3 }], filters: [] }, schema, NOW), 120); // QueryAggregationInvalidParameter, API.md §2.4
    expectCode(() => compileAggregation({ query: [{ age: 3 }], filter: [{ ghost: { equals: 1 } }] }, schema, NOW), 85);
  });
});

describe("result and score", () => {
  it("compiles columns, order, default limit and per-shard offsets", () => {
    const c = compileResult(
      { query: [{ name: { equals: "a" } }], columns: ["entity-id", "name", { clicks: ["2016-01-01", "2016-01-07"] }, "name"], order: [{ age: "DESC" }, { "entity-id": "asc" }] },
      schema,
      NOW,
    );
    expect(c.planFor(2)).toEqual({
      kind: "extract",
      dimension: "default",
      score: false,
      offset: 0,
      limit: EXTRACTION_LIMIT_DEFAULT,
      expr: { op: "attr", col: ref("name"), test: { op: "eq", value: "a" } },
      columns: [
        { kind: "attr", key: "name", col: ref("name") },
        { kind: "events", key: "clicks", col: ref("clicks"), window: { from: T("2016-01-01"), to: T("2016-01-07") } },
      ],
      order: [
        { by: "column", col: ref("age"), dir: "desc" },
        { by: "entity-id", dir: "asc" },
      ],
    });
  });
  it('expands columns "all" to entity-id plus every attribute column, and orders score by score', () => {
    const p = compileScore({ query: [{ name: { equals: "a" } }], columns: "all", limit: 7 }, schema, NOW).planFor(0);
    expect(p).toMatchObject({ score: true, limit: 7, order: [{ by: "score", dir: "desc" }] });
    const keys = (p as ExtractQuery).columns.map((c) => c.key);
    expect(keys).toEqual(["name", "age", "price", "active", "born", "seen", "uid", "bucket", "tags"]);
  });
  it("rejects bad columns, order and limits", () => {
    const q = [{ name: { equals: "a" } }];
    expectCode(() => compileResult({ query: q, columns: Array.from({ length: 11 }, () => "name") }, schema, NOW), 114);
    expectCode(() => compileResult({ query: q, columns: ["ghost"] }, schema, NOW), 85);
    expectCode(() => compileResult({ query: q, columns: [{ name: ["2016-01-01", "2016-01-02"] }] }, schema, NOW), 96);
    expectCode(() => compileResult({ query: q, limit: 0 }, schema, NOW), 110);
    expectCode(() => compileResult({ query: q, limit: 2.5 }, schema, NOW), 110);
    expectCode(() => compileResult({ query: q, limit: 100_000 }, schema, NOW), 111);
    expectCode(() => compileResult({ query: q, order: [{ name: "up" }] }, schema, NOW), 108);
    expectCode(() => compileResult({ query: q, order: [{ score: "desc" }] }, schema, NOW), 125);
    expectCode(() => compileResult({ query: q, "page-token": "x", limit: 5 }, schema, NOW), 112);
    expectCode(() => compileResult({ query: q, "page-token": "not a token" }, schema, NOW), 113);
    expectCode(() => compileResult({ query: q, fields: ["name"] }, schema, NOW), 119);
  });
});

describe("delete and update", () => {
  it("compiles a delete mutation and refuses to delete without a query", () => {
    const m = compileDelete({ query: [{ "entity-id": { equals: "Entity3" } }], dimension: "users" }, schema, NOW);
    expect(m.mutationFor(1)).toEqual({ kind: "delete", dimension: "users", expr: { op: "id", test: { op: "eq", value: "Entity3" } } });
    expect(m.merge([1, 0, 2])).toEqual({ result: { deleted: 3 } });
    expectCode(() => compileDelete({ dimension: "users" }, schema, NOW), 80);
    expectCode(() => m.merge([1, null, 2], { missingShards: [1], totalShards: 3 }), 4001, /shard 1 /);
  });
  it("normalises set values like inserts", () => {
    const m = compileUpdate({ query: [{ name: { equals: "a" } }], set: { name: "New", active: "false", age: 3000003, seen: "2018-01-24T10:50:00Z", born: "2016-01-01" } }, schema, NOW);
    expect(m.mutationFor(0)).toMatchObject({
      kind: "update",
      set: [
        { col: ref("name"), value: "new" },
        { col: ref("active"), value: false },
        { col: ref("age"), value: 3000003 },
        { col: ref("seen"), value: T("2018-01-24T10:50:00Z"), text: "2018-01-24t10:50:00z" },
        { col: ref("born"), value: T("2016-01-01") },
      ],
    });
    expect(m.merge([3])).toEqual({ result: { updated: 3 } });
  });
  it("rejects bad sets", () => {
    const q = [{ name: { equals: "a" } }];
    expectCode(() => compileUpdate({ query: q }, schema, NOW), 108);
    expectCode(() => compileUpdate({ query: q, set: { clicks: "x" } }, schema, NOW), 96);
    expectCode(() => compileUpdate({ query: q, set: { tags: "x" } }, schema, NOW), 126);
    expectCode(() => compileUpdate({ query: q, set: { "entity-id": "x" } }, schema, NOW), 126);
    expectCode(() => compileUpdate({ query: q, set: { ghost: 1 } }, schema, NOW), 85);
    expectCode(() => compileUpdate({ query: q, set: { age: "many" } }, schema, NOW), 73);
    expectCode(() => compileUpdate({ query: q, set: { price: 1.234 } }, schema, NOW), 60);
  });
});
