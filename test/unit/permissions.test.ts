// Custom-key permissions as a pure function of compiled plans: every endpoint's compiler (and SQL)
// feeds the same walk, so a column reached through any member of any body is seen and named.

import { describe, expect, it } from "vitest";
import { checkMutation, checkQuery, enforce, firstDenied, insertTouches, mutationTouches, queryTouches, type Touch } from "../../src/permissions";
import { compileAggregation } from "../../src/query/aggregation";
import { compileCountEntity } from "../../src/query/count-entity";
import { compileCountEvent } from "../../src/query/count-event";
import { compileExists } from "../../src/query/exists";
import { compileResult, compileScore } from "../../src/query/extraction";
import { compileDelete, compileUpdate } from "../../src/query/mutations";
import { compileSavedQuery } from "../../src/query/saved";
import { compileTopValues } from "../../src/query/top-values";
import { compileTotal } from "../../src/query/total";
import { ApiError } from "../../contract/errors";
import type { KeyPermissions } from "../../contract/api-keys";
import type { Mutation } from "../../contract/plan";
import { compileSql } from "../../src/sql/index";
import { makeSchema } from "../query/helpers/schema";

const NOW = Date.parse("2018-06-01T00:00:00Z");

const schema = makeSchema(
  [
    { apiName: "name", type: "string" },
    { apiName: "age", type: "integer" },
    { apiName: "secret", type: "string" },
    { apiName: "clicks", type: "string-event" },
    { apiName: "spend", type: "decimal-event", decimalPlaces: 2 },
    { apiName: "constructor", type: "string" }, // a legal api-name that is also an Object.prototype member
    { apiName: "plan", type: "string", dimension: "users" },
  ],
  ["default", "users"],
);

/** The sorted "dimension.column" names a touch list mentions (dimension-level touches as "dimension.*any"). */
function names(touches: Touch[]): string[] {
  return [...new Set(touches.map((t) => (t.kind === "column" ? `${t.dimension}.${t.column}` : t.kind === "dimension" ? `${t.dimension}.*any` : `${t.dimension}.*all`)))].sort();
}

const q = (compiled: { planFor(shard: number): Parameters<typeof queryTouches>[0] }) => names(queryTouches(compiled.planFor(0), schema));

describe("what compiled queries touch", () => {
  it("count entity: every predicate column of every named query, in every dimension", () => {
    const c = compileCountEntity(
      [
        { "query-name": "a", query: [{ name: { equals: "x" } }, "or", "not", [{ age: { gte: 3 } }]] },
        { "query-name": "b", query: [{ plan: { equals: "p" } }], dimension: "users" },
        { "query-name": "c", query: [{ clicks: { equals: "x", between: ["2018-01-01", "2018-02-01"], minfreq: 2 } }] },
        { "query-name": "d", query: [{ "entity-id": { equals: "e1" } }] },
      ],
      schema,
      NOW,
    );
    expect(q(c)).toEqual(["default.*any", "default.age", "default.clicks", "default.name", "users.*any", "users.plan"]);
  });

  it("count event, exists, total (null = every dimension)", () => {
    expect(q(compileCountEvent({ "query-name": "e", query: [{ clicks: { equals: "x", between: ["2018-01-01", "2018-02-01"] } }] }, schema, NOW))).toEqual(["default.*any", "default.clicks"]);
    expect(q(compileExists({ ids: ["a"] }, schema, NOW))).toEqual(["default.*any"]);
    expect(q(compileTotal({}, schema, NOW))).toEqual(["default.*any", "users.*any"]);
    expect(q(compileTotal({ dimensions: ["users"] }, schema, NOW))).toEqual(["users.*any"]);
  });

  it("top values: the ranked column and its filters", () => {
    expect(q(compileTopValues({ t: { secret: 3 } }, schema, NOW))).toEqual(["default.*any", "default.secret"]);
  });

  it("aggregation: filter, group levels and metrics", () => {
    const c = compileAggregation({ filter: [{ name: { equals: "x" } }], query: [{ age: 2 }, { spend: "sum", between: ["2018-01-01", "2018-02-01"] }] }, schema, NOW);
    expect(q(c)).toEqual(["default.*any", "default.age", "default.name", "default.spend"]);
  });

  it('result/score: query, columns (also "all") and order', () => {
    expect(q(compileResult({ query: [{ name: { equals: "x" } }], columns: ["age"], order: [{ secret: "asc" }] }, schema, NOW))).toEqual([
      "default.*any",
      "default.age",
      "default.name",
      "default.secret",
    ]);
    expect(q(compileScore({ query: [{ name: { equals: "x" } }], columns: "all" }, schema, NOW))).toEqual(
      expect.arrayContaining(["default.secret", "default.constructor"]), // event columns are not part of "all"
    );
    expect(q(compileResult({ columns: ["entity-id"] }, schema, NOW))).toEqual(["default.*any"]);
  });

  it("saved queries: the stored definition's columns", () => {
    expect(q(compileSavedQuery({ name: "s", type: "count/entity", query: [{ secret: { equals: "x" } }], "cache-period": 60 }, schema, NOW))).toEqual(["default.*any", "default.secret"]);
  });

  it("SQL SELECT: projections, WHERE, GROUP BY, ORDER BY and *", () => {
    const sql = (text: string) => {
      const s = compileSql(text, schema, NOW);
      if (s.kind !== "select") throw new Error("not a select");
      return q(s.query);
    };
    expect(sql("SELECT COUNT(*) FROM default WHERE age > 3")).toEqual(["default.*any", "default.age"]);
    expect(sql("SELECT name FROM default WHERE age > 3 ORDER BY secret")).toEqual(expect.arrayContaining(["default.name", "default.age", "default.secret"]));
    expect(sql("SELECT * FROM default")).toEqual(expect.arrayContaining(["default.secret"]));
    expect(sql("SELECT secret, COUNT(*) FROM default GROUP BY secret")).toEqual(expect.arrayContaining(["default.secret"]));
  });
});

describe("what mutations and inserts touch", () => {
  it("delete: reads its selection, writes every column", () => {
    const m = compileDelete({ query: [{ name: { equals: "x" } }] }, schema, NOW).mutationFor(0);
    const t = mutationTouches(m, schema);
    expect(names(t.query)).toEqual(["default.*any", "default.name"]);
    expect(names(t.insert)).toEqual(["default.*all"]);
  });

  it("update: reads its selection, writes the set columns", () => {
    const m = compileUpdate({ query: [{ name: { equals: "x" } }], set: { age: 3 } }, schema, NOW).mutationFor(0);
    const t = mutationTouches(m, schema);
    expect(names(t.query)).toEqual(["default.*any", "default.name"]);
    expect(names(t.insert)).toEqual(["default.*any", "default.age"]);
  });

  it("entity writes and insert bodies by name", () => {
    const w: Mutation = { kind: "write", entities: [{ dimension: "default", id: "e", attrs: [{ col: { id: 3, type: "string", storage: "latest-value" }, value: "s" }], events: [] }] };
    expect(names(mutationTouches(w, schema).insert)).toEqual(["default.*any", "default.secret"]);
    expect(names(insertTouches([{ dimension: "users", fields: [["plan", "x"]] }]))).toEqual(["users.*any", "users.plan"]);
  });

  it("an id the schema does not know is named and never granted", () => {
    const w: Mutation = { kind: "write", entities: [{ dimension: "default", id: "e", attrs: [{ col: { id: 999, type: "string", storage: "latest-value" }, value: "s" }], events: [] }] };
    const t = mutationTouches(w, schema).insert;
    expect(firstDenied({ query: {}, insert: { default: "*" } }, "insert", t)).toEqual({ kind: "column", dimension: "?", column: "#999" });
  });
});

describe("grants", () => {
  const perms: KeyPermissions = { query: { default: ["name", "age"], users: "*" }, insert: { default: ["name"] } };
  const col = (column: string, dimension = "default"): Touch => ({ kind: "column", dimension, column });

  it("grants listed columns, '*' dimensions, and dimension-level access with any grant", () => {
    expect(firstDenied(perms, "query", [col("name"), col("age"), col("plan", "users"), { kind: "dimension", dimension: "default" }])).toBeNull();
    expect(firstDenied(perms, "query", [col("name"), col("secret")])).toEqual(col("secret"));
    expect(firstDenied(perms, "insert", [col("age")])).toEqual(col("age"));
    expect(firstDenied(perms, "insert", [{ kind: "dimension", dimension: "users" }])).toEqual({ kind: "dimension", dimension: "users" });
  });

  it("'*' is needed to delete whole entities", () => {
    expect(firstDenied(perms, "insert", [{ kind: "all-columns", dimension: "default" }])).not.toBeNull();
    expect(firstDenied({ query: {}, insert: { default: "*" } }, "insert", [{ kind: "all-columns", dimension: "default" }])).toBeNull();
  });

  it("dimension and column names that are Object.prototype members are not granted by accident", () => {
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"]) {
      expect(firstDenied(perms, "query", [{ kind: "dimension", dimension: name }]), name).not.toBeNull();
      expect(firstDenied(perms, "query", [col(name)]), name).not.toBeNull();
    }
  });

  it("enforce throws 403 / code 16 naming the column; non-custom levels pass untouched", () => {
    const who = { level: "custom" as const, permissions: perms };
    let err: unknown;
    try {
      enforce(who, "query", [col("secret")]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(16);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).message).toContain('"secret"');
    expect(() => enforce({ level: "read", permissions: null }, "query", [col("secret")])).not.toThrow();
    expect(() => enforce({ level: "custom", permissions: null }, "query", [col("name")])).toThrow(ApiError); // fail closed
  });

  it("checkQuery / checkMutation on compiled requests", () => {
    const who = { level: "custom" as const, permissions: perms, schema };
    expect(() => checkQuery(who, compileCountEntity({ "query-name": "a", query: [{ name: { equals: "x" } }] }, schema, NOW))).not.toThrow();
    expect(() => checkQuery(who, compileResult({ columns: "all" }, schema, NOW))).toThrow(/may not query column/);
    expect(() => checkMutation(who, compileUpdate({ query: [{ name: { equals: "x" } }], set: { name: "y" } }, schema, NOW).mutationFor(0))).not.toThrow();
    expect(() => checkMutation(who, compileUpdate({ query: [{ secret: { equals: "x" } }], set: { name: "y" } }, schema, NOW).mutationFor(0))).toThrow(/"secret"/);
    expect(() => checkMutation(who, compileDelete({ query: [{ name: { equals: "x" } }] }, schema, NOW).mutationFor(0))).toThrow(/delete entities/);
  });
});
