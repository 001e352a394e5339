// Hand-computed tests of the reference shard engine: every query kind, every ValueTest op, expression
// nesting, events (minfreq, freqgroup, inclusive windows), mutations, caching and persistence.

import { beforeEach, describe, expect, it } from "vitest";
import type { ColumnRef } from "../../contract/columns";
import type { AggNode, EntityWrite, EventTerm, Expr, ExtractQuery, MetricPartial, Mutation, Scalar, ShardAnswer, ShardQuery, ValueTest, Window } from "../../contract/plan";
import type { ShardEngine } from "../../engine/engine";
import { createReferenceEngine } from "../../engine/testing/reference/index";
import { openSqlite, type SqliteHarness } from "./helpers/sqlite";

// --- columns -----------------------------------------------------------------------------------
const NAME: ColumnRef = { id: 1, type: "string", storage: "latest-value" };
const AGE: ColumnRef = { id: 2, type: "integer", storage: "latest-value" };
const PRICE: ColumnRef = { id: 3, type: "decimal", storage: "latest-value" };
const ACTIVE: ColumnRef = { id: 4, type: "boolean", storage: "latest-value" };
const BORN: ColumnRef = { id: 5, type: "date", storage: "latest-value" };
const SEEN: ColumnRef = { id: 6, type: "datetime", storage: "latest-value" };
const TAGS: ColumnRef = { id: 7, type: "string", storage: "list-of-values" };
const CLICKS: ColumnRef = { id: 8, type: "string-event", storage: "latest-value" };
const BUYS: ColumnRef = { id: 9, type: "decimal-event", storage: "latest-value" };
const TOTAL: ColumnRef = { id: 20, type: "integer", storage: "latest-value" }; // dimension "orders"

const DAY = 86_400_000;
const T0 = Date.UTC(2017, 4, 1);
const day = (n: number): number => T0 + n * DAY;
const BORN_U1 = Date.UTC(1990, 0, 1);
const SEEN_U1 = Date.UTC(2018, 1, 2, 0, 0, 31);

// --- builders ------------------------------------------------------------------------------------
type AttrSpec = [ColumnRef, Scalar, string?];
type EventSpec = [ColumnRef, Scalar, number];
function entity(id: string, attrs: AttrSpec[], events: EventSpec[] = [], dimension = "default"): EntityWrite {
  return {
    dimension,
    id,
    attrs: attrs.map(([col, value, text]) => (text === undefined ? { col, value } : { col, value, text })),
    events: events.map(([col, value, t]) => ({ col, value, t })),
  };
}
const eq = (value: Scalar): ValueTest => ({ op: "eq", value });
const ne = (value: Scalar): ValueTest => ({ op: "ne", value });
const range = (min: Scalar | null, max: Scalar | null, minInclusive = true, maxInclusive = true): ValueTest => ({
  op: "range",
  min,
  max,
  minInclusive,
  maxInclusive,
});
const attr = (col: ColumnRef, test: ValueTest): Expr => ({ op: "attr", col, test });
const and = (...args: Expr[]): Expr => ({ op: "and", args });
const or = (...args: Expr[]): Expr => ({ op: "or", args });
const not = (arg: Expr): Expr => ({ op: "not", arg });
const has = (col: ColumnRef): Expr => ({ op: "has", col });
const term = (col: ColumnRef, test: ValueTest | null = null, window: Window | null = null): EventTerm => ({ col, test, window });
const events = (terms: EventTerm[], minfreq = 1): Expr => ({ op: "events", terms, minfreq });
const win = (from: number, to: number): Window => ({ from, to });
const partial = (count: number, sum: number, min: number | null, max: number | null): MetricPartial => ({ count, sum, min, max });
const EMPTY = partial(0, 0, null, null);

/** The shared fixture: five entities in "default" (ids sort as u1 < u10 < u2 < u3 < u4), two in "orders". */
const FIXTURE: EntityWrite[] = [
  entity(
    "u1",
    [
      [NAME, "alice"],
      [AGE, 30],
      [PRICE, 10.5],
      [ACTIVE, true],
      [BORN, BORN_U1],
      [SEEN, SEEN_U1, "2018-02-02t00:00:31z"],
      [TAGS, "a"],
      [TAGS, "b"],
    ],
    [
      [CLICKS, "web", day(0)],
      [CLICKS, "web", day(0)],
      [CLICKS, "mobile", day(1)],
      [BUYS, 10, day(0)],
      [BUYS, 20, day(2)],
    ],
  ),
  entity(
    "u2",
    [
      [NAME, "bob"],
      [AGE, 25],
      [ACTIVE, false],
      [TAGS, "b"],
    ],
    [
      [CLICKS, "web", day(1)],
      [BUYS, 5, day(1)],
    ],
  ),
  entity("u3", [
    [NAME, "carol"],
    [AGE, 30],
    [PRICE, 7],
    [TAGS, "c"],
  ]),
  entity(
    "u10",
    [[NAME, "dave"]],
    [
      [CLICKS, "mobile", day(2)],
      [CLICKS, "mobile", day(2)],
      [CLICKS, "mobile", day(2)],
    ],
  ),
  entity("u4", [[AGE, 40]]),
  entity("u1", [[TOTAL, 100]], [], "orders"),
  entity("o2", [[TOTAL, 50]], [], "orders"),
];

let h: SqliteHarness;
let engine: ShardEngine;

function apply(m: Mutation, e: ShardEngine = engine) {
  return h.transactionSync(() => e.apply(m));
}
type AnswerOf<K extends ShardAnswer["kind"]> = Extract<ShardAnswer, { kind: K }>;
function query<K extends ShardAnswer["kind"]>(q: ShardQuery, e: ShardEngine = engine): AnswerOf<K> {
  const a = e.query(q);
  expect(a.kind).toBe(q.kind);
  return a as AnswerOf<K>;
}
function count(expr: Expr, dimension = "default", e: ShardEngine = engine): number {
  const a = query<"count-entity">({ kind: "count-entity", queries: [{ dimension, expr }] }, e);
  return a.counts[0]!;
}
function countEvents(terms: EventTerm[], dimension = "default"): number {
  return query<"count-event">({ kind: "count-event", queries: [{ dimension, terms }] }).counts[0]!;
}
function top(col: ColumnRef, test: ValueTest | null = null, window: Window | null = null, dimension = "default") {
  return query<"top-values">({ kind: "top-values", queries: [{ dimension, col, test, window }] }).values[0];
}
function extract(partialQ: Partial<ExtractQuery>) {
  return query<"extract">({
    kind: "extract",
    dimension: "default",
    expr: { op: "all" },
    score: false,
    columns: [],
    order: [],
    offset: 0,
    limit: 100,
    ...partialQ,
  });
}
const ids = (a: { rows: Array<{ id: string }> }): string[] => a.rows.map((r) => r.id);

beforeEach(() => {
  h = openSqlite();
  engine = createReferenceEngine(h.sql);
  apply({ kind: "write", entities: FIXTURE });
});

// ------------------------------------------------------------------------------------------------
describe("value tests on attributes (count-entity)", () => {
  it("eq / ne / in, with lower-cased text operands and kind-mismatched operands never matching", () => {
    expect(count(attr(NAME, eq("ALICE")))).toBe(1);
    expect(count(attr(AGE, eq(30)))).toBe(2);
    expect(count(attr(AGE, eq("30")))).toBe(0); // a text operand does not fit a number column
    expect(count(attr(AGE, ne(30)))).toBe(2); // u2, u4: u10 has no age, so it is not "different"
    expect(count(attr(AGE, ne("30")))).toBe(0);
    expect(count(attr(AGE, { op: "in", values: [25, 40, 99] }))).toBe(2);
    expect(count(attr(NAME, { op: "in", values: ["Bob", "DAVE", "zoe"] }))).toBe(2);
    expect(count(attr(PRICE, eq(10.5)))).toBe(1);
    expect(count(attr(ACTIVE, eq(true)))).toBe(1);
    expect(count(attr(ACTIVE, eq(false)))).toBe(1);
    expect(count(attr(ACTIVE, ne(true)))).toBe(1);
    expect(count(attr(BORN, eq(BORN_U1)))).toBe(1);
    expect(count(attr(SEEN, eq(SEEN_U1)))).toBe(1);
  });

  it("range with inclusive/exclusive and unbounded ends, on numbers, times and text", () => {
    expect(count(attr(AGE, range(25, 30)))).toBe(3);
    expect(count(attr(AGE, range(25, 30, false, true)))).toBe(2);
    expect(count(attr(AGE, range(25, 30, true, false)))).toBe(1);
    expect(count(attr(AGE, range(30, null)))).toBe(3); // u1, u3, u4
    expect(count(attr(AGE, range(null, 30, true, false)))).toBe(1); // u2
    expect(count(attr(AGE, range(null, null)))).toBe(4); // every entity with an age
    expect(count(attr(PRICE, range(7, 10.5)))).toBe(2);
    expect(count(attr(PRICE, range(7, 10.5, false, false)))).toBe(0);
    expect(count(attr(SEEN, range(Date.UTC(2018, 1, 2), null)))).toBe(1);
    expect(count(attr(NAME, range("B", "c")))).toBe(1); // bob; "carol" > "c"
  });

  it("starts-with / ends-with / contains match text only", () => {
    expect(count(attr(NAME, { op: "starts-with", value: "CA" }))).toBe(1);
    expect(count(attr(NAME, { op: "ends-with", value: "e" }))).toBe(2); // alice, dave
    expect(count(attr(NAME, { op: "contains", value: "o" }))).toBe(2); // bob, carol
    expect(count(attr(AGE, { op: "starts-with", value: "3" }))).toBe(0);
    expect(count(attr(AGE, { op: "contains", value: "0" }))).toBe(0);
    expect(count(attr(ACTIVE, { op: "contains", value: "true" }))).toBe(0);
  });

  it("and / or / not of value tests apply to one value", () => {
    expect(count(attr(AGE, { op: "and", tests: [range(25, null), { op: "not", test: eq(30) }] }))).toBe(2); // u2, u4
    expect(count(attr(NAME, { op: "or", tests: [eq("bob"), eq("dave")] }))).toBe(2);
    expect(count(attr(NAME, { op: "not", test: { op: "contains", value: "a" } }))).toBe(1); // bob
    // One value must pass both: no single tag is both "a" and "b", though u1 holds both.
    expect(count(attr(TAGS, { op: "and", tests: [eq("a"), eq("b")] }))).toBe(0);
  });

  it("list-of-values: any stored value passes", () => {
    expect(count(attr(TAGS, eq("b")))).toBe(2); // u1, u2
    expect(count(attr(TAGS, ne("b")))).toBe(2); // u1 (has a), u3 (c)
    expect(count(not(attr(TAGS, eq("b"))))).toBe(3); // u3, u10, u4
    expect(count(and(attr(TAGS, eq("a")), attr(TAGS, eq("b"))))).toBe(1);
  });
});

describe("expressions", () => {
  it("id tests are exact and case-sensitive", () => {
    expect(count({ op: "id", test: eq("u1") })).toBe(1);
    expect(count({ op: "id", test: eq("U1") })).toBe(0);
    expect(count({ op: "id", test: { op: "starts-with", value: "u1" } })).toBe(2); // u1, u10
    expect(count({ op: "id", test: eq("u1") }, "orders")).toBe(1);
    expect(count({ op: "id", test: eq("o2") })).toBe(0);
  });

  it("all, has, not as complement within the dimension", () => {
    expect(count({ op: "all" })).toBe(5);
    expect(count({ op: "all" }, "orders")).toBe(2);
    expect(count(has(PRICE))).toBe(2);
    expect(count(has(CLICKS))).toBe(3);
    expect(count(has(BUYS))).toBe(2);
    expect(count(not(has(CLICKS)))).toBe(2); // u3, u4
    expect(count(not(attr(AGE, eq(30))))).toBe(3); // u2, u4 and u10 (no age)
    expect(count(not(not(attr(AGE, eq(30)))))).toBe(2);
    expect(count(not({ op: "all" }))).toBe(0);
  });

  it("and / or / not nesting", () => {
    expect(count(or(and(attr(NAME, eq("alice")), attr(AGE, eq(30))), not(has(PRICE))))).toBe(4); // u1 + u2, u10, u4
    expect(count(and(or(attr(TAGS, eq("a")), attr(TAGS, eq("c"))), not(events([term(CLICKS)]))))).toBe(1); // u3
    expect(count(and(attr(AGE, eq(30)), not(or(attr(NAME, eq("carol")), attr(TAGS, eq("c"))))))).toBe(1); // u1
    expect(count(and())).toBe(5);
    expect(count(or())).toBe(0);
  });

  it("zero matches, unknown columns and unknown dimensions", () => {
    expect(count(attr(NAME, eq("nobody")))).toBe(0);
    expect(count(attr({ id: 99, type: "string", storage: "latest-value" }, eq("x")))).toBe(0);
    expect(count({ op: "all" }, "nope")).toBe(0);
    expect(count(not(attr(NAME, eq("x"))), "nope")).toBe(0);
  });

  it("several named queries in one request, across dimensions", () => {
    const a = query<"count-entity">({
      kind: "count-entity",
      queries: [
        { dimension: "default", expr: attr(AGE, eq(30)) },
        { dimension: "orders", expr: attr(TOTAL, range(60, null)) },
        { dimension: "orders", expr: attr(AGE, eq(30)) },
      ],
    });
    expect(a).toEqual({ kind: "count-entity", counts: [2, 1, 0] });
  });
});

describe("event predicates", () => {
  it("minfreq counts matching events, duplicates included", () => {
    expect(count(events([term(CLICKS, eq("WEB"))]))).toBe(2); // u1, u2
    expect(count(events([term(CLICKS, eq("web"))], 2))).toBe(1); // u1 has two identical web events
    expect(count(events([term(CLICKS, eq("web"))], 3))).toBe(0);
    expect(count(events([term(CLICKS, eq("mobile"))], 3))).toBe(1); // u10
    expect(count(events([term(BUYS, range(10, null))]))).toBe(1);
    expect(count(events([term(BUYS, { op: "contains", value: "1" })]))).toBe(0); // numbers never match text ops
    expect(count(events([term(CLICKS, eq("nothing"))], 0))).toBe(5); // "at least 0" holds for everyone
    expect(count(events([]))).toBe(0);
  });

  it("windows are inclusive at both ends", () => {
    expect(count(events([term(CLICKS, null, win(day(0), day(1)))]))).toBe(2); // u1, u2
    expect(count(events([term(CLICKS, null, win(day(1), day(1)))]))).toBe(2); // u1 mobile, u2 web
    expect(count(events([term(CLICKS, null, win(day(0) + 1, day(1) - 1))]))).toBe(0);
    expect(count(events([term(CLICKS, null, win(day(0), day(0)))], 2))).toBe(1);
    expect(count(events([term(CLICKS, null, win(day(2), day(9)))], 3))).toBe(1);
  });

  it("freqgroup sums events over terms (also over the same column twice)", () => {
    const group = [term(CLICKS, eq("web")), term(BUYS)];
    expect(count(events(group, 3))).toBe(1); // u1: 2 + 2
    expect(count(events(group, 2))).toBe(2); // u2: 1 + 1
    expect(count(events(group, 5))).toBe(0);
    expect(count(events([term(CLICKS, eq("web")), term(CLICKS)], 4))).toBe(1); // u1: 2 + 3; u10: 0 + 3
  });

  it("count-event counts events over terms", () => {
    expect(countEvents([term(CLICKS, eq("web"))])).toBe(3);
    expect(countEvents([term(CLICKS, null, win(day(0), day(0)))])).toBe(2);
    expect(countEvents([term(CLICKS, eq("web")), term(BUYS, range(10, null))])).toBe(5);
    expect(countEvents([term(CLICKS)])).toBe(7);
    expect(countEvents([term(CLICKS, eq("nothing"))])).toBe(0);
    expect(countEvents([term(CLICKS)], "orders")).toBe(0);
  });
});

describe("total and exists", () => {
  it("total counts live entities of the listed dimensions", () => {
    expect(query<"total">({ kind: "total", dimensions: null }).counts).toEqual([7]);
    expect(query<"total">({ kind: "total", dimensions: ["default"] }).counts).toEqual([5]);
    expect(query<"total">({ kind: "total", dimensions: ["orders", "nope", "orders"] }).counts).toEqual([2]);
    expect(query<"total">({ kind: "total", dimensions: [] }).counts).toEqual([0]);
  });

  it("exists answers the live subset in input order", () => {
    expect(query<"exists">({ kind: "exists", dimension: "default", ids: ["u4", "x", "U1", "u1", "o2"] }).ids).toEqual(["u4", "u1"]);
    expect(query<"exists">({ kind: "exists", dimension: "orders", ids: ["u1", "o2", "u2"] }).ids).toEqual(["u1", "o2"]);
    expect(query<"exists">({ kind: "exists", dimension: "nope", ids: ["u1"] }).ids).toEqual([]);
  });
});

describe("top values", () => {
  it("every value with its distinct entities, display strings per type", () => {
    expect(top(NAME)).toEqual([
      ["alice", 1],
      ["bob", 1],
      ["carol", 1],
      ["dave", 1],
    ]);
    expect(top(AGE)).toEqual([
      ["30", 2],
      ["25", 1],
      ["40", 1],
    ]);
    expect(top(PRICE)).toEqual([
      ["10.5", 1],
      ["7", 1],
    ]);
    expect(top(ACTIVE)).toEqual([
      ["false", 1],
      ["true", 1],
    ]);
    expect(top(BORN)).toEqual([["1990-01-01", 1]]);
    expect(top(SEEN)).toEqual([["2018-02-02t00:00:31z", 1]]);
    expect(top(TAGS)).toEqual([
      ["b", 2],
      ["a", 1],
      ["c", 1],
    ]);
    expect(top(TOTAL, null, null, "orders")).toEqual([
      ["100", 1],
      ["50", 1],
    ]);
  });

  it("tests filter values; events count entities with an event in the window", () => {
    expect(top(TAGS, ne("B"))).toEqual([
      ["a", 1],
      ["c", 1],
    ]);
    expect(
      top(NAME, {
        op: "or",
        tests: [
          { op: "starts-with", value: "a" },
          { op: "ends-with", value: "b" },
        ],
      }),
    ).toEqual([
      ["alice", 1],
      ["bob", 1],
    ]);
    expect(top(CLICKS)).toEqual([
      ["mobile", 2],
      ["web", 2],
    ]); // u1 has web twice: still one entity
    expect(top(CLICKS, null, win(day(2), day(2)))).toEqual([["mobile", 1]]);
    expect(top(CLICKS, eq("web"), win(day(0), day(1)))).toEqual([["web", 2]]);
    expect(top(BUYS)).toEqual([
      ["10", 1],
      ["20", 1],
      ["5", 1],
    ]);
    expect(top(NAME, eq("zzz"))).toEqual([]);
  });

  it("answers every sub-query", () => {
    const a = query<"top-values">({
      kind: "top-values",
      queries: [
        { dimension: "default", col: AGE, test: range(30, null), window: null },
        { dimension: "orders", col: TOTAL, test: null, window: null },
      ],
    });
    expect(a.values).toEqual([
      [
        ["30", 2],
        ["40", 1],
      ],
      [
        ["100", 1],
        ["50", 1],
      ],
    ]);
  });
});

describe("aggregation", () => {
  function agg(q: Partial<Extract<ShardQuery, { kind: "aggregation" }>>): AggNode {
    return query<"aggregation">({ kind: "aggregation", dimension: "default", filter: null, groups: [], metrics: [], ...q }).root;
  }

  it("root metrics over every stored value; count-events on an attribute counts values", () => {
    const root = agg({
      metrics: [
        { col: AGE, metric: "sum", window: null, buckets: null },
        { col: PRICE, metric: "min", window: null, buckets: null },
        { col: TAGS, metric: "count-events", window: null, buckets: null },
        { col: AGE, metric: "avg", window: null, buckets: [{ from: 0, to: 1 }] }, // attributes are not bucketed
      ],
    });
    expect(root).toEqual({
      quantity: 5,
      metrics: [partial(4, 125, null, null), partial(2, 17.5, 7, 10.5), partial(4, 0, null, null), partial(4, 125, null, null)],
      children: [],
    });
  });

  it("one group level: quantity = distinct entities, metrics in each bucket", () => {
    const root = agg({ groups: [{ col: AGE, test: null, window: null }], metrics: [{ col: PRICE, metric: "sum", window: null, buckets: null }] });
    expect(root).toEqual({
      quantity: 5,
      metrics: [],
      children: [
        ["30", { quantity: 2, metrics: [partial(2, 17.5, null, null)], children: [] }],
        ["25", { quantity: 1, metrics: [EMPTY], children: [] }],
        ["40", { quantity: 1, metrics: [EMPTY], children: [] }],
      ],
    });
  });

  it("nested levels split each bucket of the previous level", () => {
    const leaf = (quantity: number): AggNode => ({ quantity, metrics: [], children: [] });
    const root = agg({
      groups: [
        { col: AGE, test: null, window: null },
        { col: TAGS, test: null, window: null },
      ],
    });
    expect(root.children).toEqual([
      [
        "30",
        {
          quantity: 2,
          metrics: [],
          children: [
            ["a", leaf(1)],
            ["b", leaf(1)],
            ["c", leaf(1)],
          ],
        },
      ],
      ["25", { quantity: 1, metrics: [], children: [["b", leaf(1)]] }],
      ["40", { quantity: 1, metrics: [], children: [] }],
    ]);
  });

  it("filter and level tests", () => {
    expect(agg({ filter: attr(AGE, eq(30)) }).quantity).toBe(2);
    expect(agg({ filter: attr(AGE, eq(30)), groups: [{ col: NAME, test: null, window: null }] }).children.map(([v, n]) => [v, n.quantity])).toEqual([
      ["alice", 1],
      ["carol", 1],
    ]);
    expect(agg({ groups: [{ col: TAGS, test: eq("b"), window: null }] }).children.map(([v, n]) => [v, n.quantity])).toEqual([["b", 2]]);
  });

  it("event groups by window, bucketed event metrics give only non-empty [from, to) buckets", () => {
    const buckets = [
      { from: day(0), to: day(1) },
      { from: day(1), to: day(2) },
      { from: day(2), to: day(3) },
    ];
    const root = agg({
      groups: [{ col: CLICKS, test: null, window: win(day(0), day(1)) }],
      metrics: [
        { col: BUYS, metric: "sum", window: null, buckets },
        { col: BUYS, metric: "sum", window: win(day(0), day(1)), buckets: null },
      ],
    });
    expect(root).toEqual({
      quantity: 5,
      metrics: [],
      children: [
        // web: u1 (day 0) and u2 (day 1); u10's mobile clicks on day 2 are outside the window
        [
          "web",
          {
            quantity: 2,
            metrics: [
              [
                [0, partial(1, 10, null, null)],
                [1, partial(1, 5, null, null)],
                [2, partial(1, 20, null, null)],
              ],
              partial(2, 15, null, null),
            ],
            children: [],
          },
        ],
        [
          "mobile",
          {
            quantity: 1,
            metrics: [
              [
                [0, partial(1, 10, null, null)],
                [2, partial(1, 20, null, null)],
              ],
              partial(1, 10, null, null),
            ],
            children: [],
          },
        ],
      ],
    });
  });

  it("count-events on an event column and empty answers", () => {
    const root = agg({ metrics: [{ col: CLICKS, metric: "count-events", window: win(day(1), day(2)), buckets: null }] });
    expect(root.metrics).toEqual([partial(5, 0, null, null)]); // u1 mobile, u2 web, u10 mobile x3
    expect(agg({ filter: attr(NAME, eq("nobody")), metrics: [{ col: AGE, metric: "max", window: null, buckets: null }] })).toEqual({
      quantity: 0,
      metrics: [EMPTY],
      children: [],
    });
    expect(agg({ filter: attr(NAME, eq("nobody")), groups: [{ col: AGE, test: null, window: null }] })).toEqual({ quantity: 0, metrics: [], children: [] });
    expect(agg({ metrics: [{ col: BUYS, metric: "sum", window: null, buckets: [{ from: day(5), to: day(6) }] }] }).metrics).toEqual([[]]);
  });
});

describe("extract", () => {
  it("orders by a column, missing values last in both directions, ties by id", () => {
    const desc = extract({
      order: [{ by: "column", col: AGE, dir: "desc" }],
      columns: [
        { kind: "attr", key: "name", col: NAME },
        { kind: "attr", key: "age", col: AGE },
      ],
    });
    expect(desc.matched).toBe(5);
    expect(desc.rows).toEqual([
      { id: "u4", sort: [40], values: { age: 40 } },
      { id: "u1", sort: [30], values: { name: "alice", age: 30 } },
      { id: "u3", sort: [30], values: { name: "carol", age: 30 } },
      { id: "u2", sort: [25], values: { name: "bob", age: 25 } },
      { id: "u10", sort: [null], values: { name: "dave" } },
    ]);
    expect(ids(extract({ order: [{ by: "column", col: AGE, dir: "asc" }] }))).toEqual(["u2", "u1", "u3", "u4", "u10"]);
    expect(
      ids(
        extract({
          order: [
            { by: "column", col: AGE, dir: "asc" },
            { by: "entity-id", dir: "desc" },
          ],
        }),
      ),
    ).toEqual(["u2", "u3", "u1", "u4", "u10"]);
  });

  it("entity ids sort as strings; offset/limit cut the page, matched counts all", () => {
    expect(ids(extract({}))).toEqual(["u1", "u10", "u2", "u3", "u4"]);
    expect(ids(extract({ order: [{ by: "entity-id", dir: "desc" }] }))).toEqual(["u4", "u3", "u2", "u10", "u1"]);
    const page = extract({ order: [{ by: "entity-id", dir: "asc" }], offset: 1, limit: 2 });
    expect(page.matched).toBe(5);
    expect(page.rows.map((r) => [r.id, r.sort])).toEqual([
      ["u10", ["u10"]],
      ["u2", ["u2"]],
    ]);
    expect(extract({ offset: 10 }).rows).toEqual([]);
    expect(extract({ expr: attr(NAME, eq("nobody")) })).toEqual({ kind: "extract", matched: 0, rows: [] });
  });

  it("multi-valued order keys use the smallest value ascending and the largest descending", () => {
    expect(ids(extract({ order: [{ by: "column", col: TAGS, dir: "asc" }] }))).toEqual(["u1", "u2", "u3", "u10", "u4"]);
    expect(ids(extract({ order: [{ by: "column", col: TAGS, dir: "desc" }] }))).toEqual(["u3", "u1", "u2", "u10", "u4"]);
  });

  it("typed values, lists, events in the window by time", () => {
    const a = extract({
      expr: { op: "id", test: eq("u1") },
      columns: [
        { kind: "attr", key: "name", col: NAME },
        { kind: "attr", key: "age", col: AGE },
        { kind: "attr", key: "price", col: PRICE },
        { kind: "attr", key: "active", col: ACTIVE },
        { kind: "attr", key: "born", col: BORN },
        { kind: "attr", key: "seen", col: SEEN },
        { kind: "attr", key: "tags", col: TAGS },
        { kind: "events", key: "clicks", col: CLICKS, window: null },
        { kind: "events", key: "buys", col: BUYS, window: win(day(1), day(2)) },
        { kind: "events", key: "late", col: CLICKS, window: win(day(2), day(3)) },
      ],
    });
    expect(a.rows).toEqual([
      {
        id: "u1",
        sort: [],
        values: {
          name: "alice",
          age: 30,
          price: 10.5,
          active: true,
          born: "1990-01-01",
          seen: "2018-02-02t00:00:31z",
          tags: ["a", "b"],
          clicks: [
            { value: "web", t: day(0) },
            { value: "web", t: day(0) },
            { value: "mobile", t: day(1) },
          ],
          buys: [{ value: 20, t: day(2) }],
        },
      },
    ]);
  });

  it("scores: leaves/and/not count 1, or sums its true arguments", () => {
    const expr = or(attr(NAME, eq("alice")), attr(AGE, eq(30)), and(attr(TAGS, eq("a")), attr(TAGS, eq("b"))), events([term(CLICKS, eq("web"))]));
    const a = extract({ expr, score: true, order: [{ by: "score", dir: "desc" }] });
    expect(a.matched).toBe(3);
    expect(a.rows.map((r) => [r.id, r.score, r.sort])).toEqual([
      ["u1", 4, [4]],
      ["u2", 1, [1]],
      ["u3", 1, [1]],
    ]);
    const nested = extract({ expr: or(or(attr(NAME, eq("alice")), attr(AGE, eq(30))), not(has(PRICE))), score: true });
    expect(nested.rows.map((r) => [r.id, r.score])).toEqual([
      ["u1", 2],
      ["u10", 1],
      ["u2", 1],
      ["u3", 1],
      ["u4", 1],
    ]);
    expect(extract({ expr: and(attr(AGE, eq(30)), or(has(NAME), has(PRICE))), score: true }).rows.map((r) => r.score)).toEqual([1, 1]);
    expect("score" in extract({ expr }).rows[0]!).toBe(false);
  });
});

describe("mutations", () => {
  it("write outcome counts entities and values", () => {
    const out = apply({
      kind: "write",
      entities: [
        entity(
          "n1",
          [
            [NAME, "x"],
            [TAGS, "p"],
            [TAGS, "q"],
          ],
          [[CLICKS, "web", day(0)]],
        ),
        entity("n2", []),
      ],
    });
    expect(out).toEqual({ entities: 2, values: 4 });
    expect(count({ op: "all" })).toBe(7); // an entity with no values still exists
  });

  it("re-insert overwrites latest values, adds distinct list values, appends events", () => {
    expect(count(attr(AGE, eq(25)))).toBe(1); // loads the cache before the write
    apply({
      kind: "write",
      entities: [
        entity(
          "u2",
          [
            [AGE, 26],
            [TAGS, "b"],
            [TAGS, "d"],
          ],
          [[CLICKS, "web", day(1)]],
        ),
      ],
    });
    expect(count(attr(AGE, eq(25)))).toBe(0);
    expect(count(attr(AGE, eq(26)))).toBe(1);
    expect(top(TAGS)).toEqual([
      ["b", 2],
      ["a", 1],
      ["c", 1],
      ["d", 1],
    ]);
    expect(extract({ expr: { op: "id", test: eq("u2") }, columns: [{ kind: "attr", key: "tags", col: TAGS }] }).rows[0]?.values).toEqual({ tags: ["b", "d"] });
    expect(countEvents([term(CLICKS, eq("web"))])).toBe(4); // identical events are kept
    expect(count(events([term(CLICKS, eq("web"))], 2))).toBe(2);
    expect(count({ op: "all" })).toBe(5);
  });

  it("delete removes entities completely; a later insert creates a fresh entity", () => {
    const out = apply({ kind: "delete", dimension: "default", expr: attr(TAGS, eq("b")) });
    expect(out).toEqual({ entities: 2, values: 19 }); // u1: 8 values + 5 events, u2: 4 values + 2 events
    expect(count({ op: "all" })).toBe(3);
    expect(countEvents([term(CLICKS)])).toBe(3); // u10's
    expect(count({ op: "all" }, "orders")).toBe(2); // same id in another dimension is untouched
    expect(query<"exists">({ kind: "exists", dimension: "default", ids: ["u1", "u2", "u3"] }).ids).toEqual(["u3"]);

    apply({ kind: "write", entities: [entity("u1", [[AGE, 50]])] });
    expect(count(has(NAME))).toBe(2); // u3, u10
    const row = extract({
      expr: { op: "id", test: eq("u1") },
      columns: [
        { kind: "attr", key: "name", col: NAME },
        { kind: "attr", key: "age", col: AGE },
        { kind: "attr", key: "tags", col: TAGS },
        { kind: "events", key: "clicks", col: CLICKS, window: null },
      ],
    });
    expect(row.rows).toEqual([{ id: "u1", sort: [], values: { age: 50 } }]);
    expect(apply({ kind: "delete", dimension: "default", expr: attr(NAME, eq("nobody")) })).toEqual({ entities: 0, values: 0 });
  });

  it("update overwrites latest values and replaces lists by the new value", () => {
    const out = apply({
      kind: "update",
      dimension: "default",
      expr: attr(AGE, eq(30)),
      set: [
        { col: NAME, value: "zed" },
        { col: TAGS, value: "z" },
      ],
    });
    expect(out).toEqual({ entities: 2, values: 4 });
    expect(top(NAME)).toEqual([
      ["zed", 2],
      ["bob", 1],
      ["dave", 1],
    ]);
    expect(top(TAGS)).toEqual([
      ["z", 2],
      ["b", 1],
    ]);
    expect(count(attr(TAGS, eq("a")))).toBe(0);
    // An entity without the column gains it; datetime text is kept.
    apply({ kind: "update", dimension: "default", expr: { op: "id", test: eq("u4") }, set: [{ col: SEEN, value: Date.UTC(2020, 0, 1), text: "2020-01-01t00:00:00z" }] });
    expect(extract({ expr: { op: "id", test: eq("u4") }, columns: [{ kind: "attr", key: "seen", col: SEEN }] }).rows[0]?.values).toEqual({ seen: "2020-01-01t00:00:00z" });
    expect(count(attr(SEEN, range(Date.UTC(2019, 0, 1), null)))).toBe(1);
  });

  it("a rolled-back mutation leaves storage and answers unchanged", () => {
    expect(count(attr(AGE, eq(99)))).toBe(0);
    expect(() =>
      h.transactionSync(() => {
        engine.apply({ kind: "write", entities: [entity("u1", [[AGE, 99]])] });
        throw new Error("abort");
      }),
    ).toThrow("abort");
    expect(count(attr(AGE, eq(99)))).toBe(0);
    expect(count(attr(AGE, eq(30)))).toBe(2);
    // A malformed write throws inside apply and is rolled back too.
    expect(() => apply({ kind: "write", entities: [entity("u9", [[CLICKS, "web"]])] })).toThrow(/event column/);
    expect(query<"exists">({ kind: "exists", dimension: "default", ids: ["u9"] }).ids).toEqual([]);
  });
});

describe("persistence, schema and stats", () => {
  it("a second engine over the same database gives the same answers", () => {
    const queries: ShardQuery[] = [
      { kind: "count-entity", queries: [{ dimension: "default", expr: or(attr(TAGS, eq("b")), events([term(CLICKS, eq("mobile"))], 3)) }] },
      { kind: "count-event", queries: [{ dimension: "default", terms: [term(CLICKS), term(BUYS)] }] },
      { kind: "total", dimensions: null },
      { kind: "top-values", queries: [{ dimension: "default", col: SEEN, test: null, window: null }] },
      { kind: "aggregation", dimension: "default", filter: null, groups: [{ col: AGE, test: null, window: null }], metrics: [{ col: BUYS, metric: "sum", window: null, buckets: null }] },
      {
        kind: "extract",
        dimension: "default",
        expr: { op: "all" },
        score: true,
        columns: [
          { kind: "attr", key: "born", col: BORN },
          { kind: "attr", key: "active", col: ACTIVE },
          { kind: "events", key: "b", col: BUYS, window: null },
        ],
        order: [{ by: "column", col: PRICE, dir: "desc" }],
        offset: 0,
        limit: 10,
      },
    ];
    const second = createReferenceEngine(h.sql);
    for (const q of queries) expect(second.query(q)).toEqual(engine.query(q));
    expect(second.query(queries[0]!)).toEqual({ kind: "count-entity", counts: [3] });
    expect(h.db.prepare("SELECT key, value FROM ref_meta").all()).toEqual([{ key: "schema_version", value: 1 }]);
  });

  it("stats report live entities, storage and cache bytes", () => {
    engine.dropCaches();
    const cold = engine.stats();
    expect(cold.entities).toBe(7);
    expect(cold.dimensions).toEqual({ default: 5, orders: 2 });
    expect(cold.storageBytes).toBeGreaterThan(0);
    expect(cold.cachedBytes).toBe(0);
    count(attr(NAME, eq("alice")));
    expect(engine.stats().cachedBytes).toBeGreaterThan(0);
    engine.dropCaches();
    expect(engine.stats().cachedBytes).toBe(0);
    expect(count(attr(NAME, eq("alice")))).toBe(1); // pages back in after dropCaches
  });
});
