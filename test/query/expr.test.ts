import { describe, expect, it } from "vitest";
import { compileQuery, type ExprContext } from "../../src/query/expr";
import { QUERY_DEPTH_MAX, QUERY_PREDICATES_MAX } from "../../contract/limits";
import type { Expr } from "../../contract/plan";
import { expectCode } from "./helpers/errors";
import { fullSchema } from "./helpers/schema";

const schema = fullSchema();
const NOW = Date.parse("2020-06-15T12:00:00Z");
const ctx: ExprContext = { schema, dimension: "default", now: NOW };
const T = (s: string) => Date.parse(s);
const q = (raw: unknown): Expr => compileQuery(raw, ctx);
const ref = (name: string) => {
  const c = schema.column("default", name)!;
  return { id: c.id, type: c.type, storage: c.storage };
};
const eq = (col: string, value: unknown): Expr => ({ op: "attr", col: ref(col), test: { op: "eq", value: value as string } });

describe("predicates and value normalisation", () => {
  it("lower-cases strings and reads numeric/boolean strings", () => {
    expect(q([{ name: { equals: "Joao" } }])).toEqual(eq("name", "joao"));
    expect(q([{ age: { equals: "1000001" } }])).toEqual(eq("age", 1000001));
    expect(q([{ price: { "not-equals": 10.5 } }])).toEqual({ op: "attr", col: ref("price"), test: { op: "ne", value: 10.5 } });
    expect(q([{ active: { equals: "TRUE" } }])).toEqual(eq("active", true));
    expect(q([{ active: { equals: false } }])).toEqual(eq("active", false));
  });

  it("reads dates (date columns compare by UTC day) and datetimes as instants", () => {
    expect(q([{ born: { equals: "2016-01-01" } }])).toEqual(eq("born", T("2016-01-01T00:00:00Z")));
    expect(q([{ born: { equals: "2016-01-01T10:00:00Z" } }])).toEqual(eq("born", T("2016-01-01T00:00:00Z")));
    expect(q([{ seen: { equals: "2018-02-02T00:00:31Z" } }])).toEqual(eq("seen", T("2018-02-02T00:00:31Z")));
    expect(q([{ seen: { gte: "-1d" } }])).toEqual({
      op: "attr",
      col: ref("seen"),
      test: { op: "range", min: NOW - 86_400_000, max: null, minInclusive: true, maxInclusive: false },
    });
  });

  it("buckets enumerated operands by the column range", () => {
    expect(q([{ bucket: { equals: 1000001 } }])).toEqual(eq("bucket", 1000000));
    expect(q([{ bucket: { range: [150, 2500000] } }])).toEqual({
      op: "attr",
      col: ref("bucket"),
      test: { op: "range", min: 100, max: 2000000, minInclusive: true, maxInclusive: true },
    });
  });

  it("knows every comparison spelling", () => {
    const r = (name: string, arg: unknown) => (q([{ age: { [name]: arg } }]) as { test: unknown }).test;
    expect(r("gt", 5)).toEqual({ op: "range", min: 5, max: null, minInclusive: false, maxInclusive: false });
    expect(r("greater-than", 5)).toEqual(r("gt", 5));
    expect(r("gte", 5)).toEqual({ op: "range", min: 5, max: null, minInclusive: true, maxInclusive: false });
    expect(r("greater-than-or-equal", 5)).toEqual(r("gte", 5));
    expect(r("lt", "5")).toEqual({ op: "range", min: null, max: 5, minInclusive: false, maxInclusive: false });
    expect(r("less-than", 5)).toEqual(r("lt", 5));
    expect(r("lte", 5)).toEqual({ op: "range", min: null, max: 5, minInclusive: false, maxInclusive: true });
    expect(r("less-than-or-equal", 5)).toEqual(r("lte", 5));
    expect(r("range", [1, "9"])).toEqual({ op: "range", min: 1, max: 9, minInclusive: true, maxInclusive: true });
  });

  it("compiles text predicates (lists mean any of) and not-contains", () => {
    const t = (name: string, arg: unknown) => (q([{ name: { [name]: arg } }]) as { test: unknown }).test;
    expect(t("starts-with", "AB")).toEqual({ op: "starts-with", value: "ab" });
    expect(t("ends-with", ["x", "Y"])).toEqual({
      op: "or",
      tests: [
        { op: "ends-with", value: "x" },
        { op: "ends-with", value: "y" },
      ],
    });
    expect(t("contains", "mid")).toEqual({ op: "contains", value: "mid" });
    expect(t("not-contains", "bad")).toEqual({ op: "not", test: { op: "contains", value: "bad" } });
  });

  it("AND-combines several predicates of one attribute object", () => {
    expect(q([{ age: { gte: 1, lte: 5 } }])).toEqual({
      op: "attr",
      col: ref("age"),
      test: {
        op: "and",
        tests: [
          { op: "range", min: 1, max: null, minInclusive: true, maxInclusive: false },
          { op: "range", min: null, max: 5, minInclusive: false, maxInclusive: true },
        ],
      },
    });
  });

  it("combines an event object's predicates into one term with relative windows resolved", () => {
    expect(q([{ clicks: { equals: "Pay", between: ["now", "-1d"], minfreq: 2 } }])).toEqual({
      op: "events",
      minfreq: 2,
      terms: [{ col: ref("clicks"), test: { op: "eq", value: "pay" }, window: { from: NOW - 86_400_000, to: NOW } }],
    });
    expect(q([{ views: { between: ["today"] } }])).toEqual({
      op: "events",
      minfreq: 1,
      terms: [{ col: ref("views"), test: null, window: { from: T("2020-06-15T00:00:00Z"), to: T("2020-06-16T00:00:00Z") - 1 } }],
    });
    expect(q([{ spend: { gt: 1, between: ["2016-01-01T00:00:00Z", "+1w"] } }])).toEqual({
      op: "events",
      minfreq: 1,
      terms: [{ col: ref("spend"), test: { op: "range", min: 1, max: null, minInclusive: false, maxInclusive: false }, window: { from: T("2016-01-01"), to: T("2016-01-08") } }],
    });
  });

  it("compiles freqgroup into one events node summing its terms", () => {
    const w = { from: T("2016-01-01"), to: T("2016-01-07") };
    expect(q([{ minfreq: 3, freqgroup: [{ clicks: { equals: "a", between: ["2016-01-01", "2016-01-07"] } }, { views: { equals: 5, between: ["2016-01-01", "2016-01-07"] } }] }])).toEqual({
      op: "events",
      minfreq: 3,
      terms: [
        { col: ref("clicks"), test: { op: "eq", value: "a" }, window: w },
        { col: ref("views"), test: { op: "eq", value: 5 }, window: w },
      ],
    });
  });

  it("treats entity-id as an exact, case-sensitive column", () => {
    expect(q([{ "entity-id": { equals: "Entity3" } }])).toEqual({ op: "id", test: { op: "eq", value: "Entity3" } });
    expect(q([{ "entity-id": { "starts-with": "Ent" } }])).toEqual({ op: "id", test: { op: "starts-with", value: "Ent" } });
  });
});

describe("boolean composition", () => {
  const A = { name: { equals: "a" } },
    B = { name: { equals: "b" } },
    C = { name: { equals: "c" } };
  const a = eq("name", "a"),
    b = eq("name", "b"),
    c = eq("name", "c");

  it("binds not > and > or, left to right, in any case", () => {
    expect(q([A, "and", B, "or", C])).toEqual({ op: "or", args: [{ op: "and", args: [a, b] }, c] });
    expect(q([A, "OR", B, "And", C])).toEqual({ op: "or", args: [a, { op: "and", args: [b, c] }] });
    expect(q(["not", A, "and", B])).toEqual({ op: "and", args: [{ op: "not", arg: a }, b] });
    expect(q([A, "and", "NOT", B])).toEqual({ op: "and", args: [a, { op: "not", arg: b }] });
  });

  it("unwraps one-item lists and flattens nested same operators", () => {
    expect(q([[A]])).toEqual(a);
    expect(q([[A, "and", B], "and", [C]])).toEqual({ op: "and", args: [a, b, c] });
    expect(q([[A, "or", ["not", B]], "or", [["not", C]]])).toEqual({ op: "or", args: [a, { op: "not", arg: b }, { op: "not", arg: c }] });
  });

  it("accepts a lone predicate object", () => expect(q(A)).toEqual(a));
});

describe("errors", () => {
  it("85 names the unknown column and its dimension", () => {
    expectCode(() => q([{ nope: { equals: 1 } }]), 85, /"nope".*"default"/);
    // A column of another dimension is unknown here.
    expectCode(() => q([{ plan: { equals: "x" } }]), 85);
  });
  it("81 for an unknown predicate", () => expectCode(() => q([{ name: { like: "x" } }]), 81, /like/));
  it("83 for an unknown operator", () => expectCode(() => q([{ name: { equals: "a" } }, "xor", { name: { equals: "b" } }]), 83));
  it("84 for a misplaced operator", () => {
    expectCode(() => q(["and", { name: { equals: "a" } }]), 84);
    expectCode(() => q([{ name: { equals: "a" } }, "not", { name: { equals: "b" } }]), 84);
  });
  it("86 for two operands without an operator", () => expectCode(() => q([{ name: { equals: "a" } }, { name: { equals: "b" } }]), 86));
  it("87 for a dangling operator or an empty list", () => {
    expectCode(() => q([{ name: { equals: "a" } }, "and"]), 87);
    expectCode(() => q(["not"]), 87);
    expectCode(() => q([]), 87);
  });
  it("127 beyond the depth limit", () => {
    let deep: unknown = [{ name: { equals: "a" } }];
    for (let i = 0; i < QUERY_DEPTH_MAX; i++) deep = [deep];
    expectCode(() => q(deep), 127);
  });
  it("91 beyond the predicate limit", () => {
    const items: unknown[] = [];
    for (let i = 0; i <= QUERY_PREDICATES_MAX; i++) items.push(...(i ? ["or"] : []), { name: { equals: `v${i}` } });
    expectCode(() => q(items), 91);
  });
  it("98 for text predicates on non-text columns", () => {
    expectCode(() => q([{ age: { contains: "1" } }]), 98);
    expectCode(() => q([{ views: { "starts-with": "1" } }]), 98);
  });
  it("126 for predicates or operands that do not fit the type", () => {
    expectCode(() => q([{ name: { range: ["a", "b"] } }]), 126);
    expectCode(() => q([{ age: { equals: "abc" } }]), 126);
    expectCode(() => q([{ active: { equals: "yes" } }]), 126);
  });
  it("78 and 79 for bad dates", () => {
    expectCode(() => q([{ born: { equals: "2016-02-30" } }]), 78);
    expectCode(() => q([{ clicks: { equals: "a", between: ["2016-13-01", "2016-01-07"] } }]), 78);
    expectCode(() => q([{ clicks: { equals: "a", between: ["now", "-1fortnight"] } }]), 79);
  });
  it("96 for event-only parameters on attributes", () => {
    expectCode(() => q([{ age: { equals: 1, minfreq: 2 } }]), 96);
    expectCode(() => q([{ age: { between: ["2016-01-01", "2016-01-02"] } }]), 96);
    expectCode(() => q([{ minfreq: 2, freqgroup: [{ age: { equals: 1 } }] }]), 96);
  });
  it("122 (QueryInvalidMinfreq, API.md §2.4) for a bad minfreq", () => {
    expectCode(() => q([{ clicks: { equals: "a", minfreq: 0 } }]), 122);
    expectCode(() => q([{ minfreq: 1.5, freqgroup: [{ clicks: { equals: "a" } }] }]), 122);
  });
  it("108 for malformed predicate objects", () => {
    expectCode(() => q([{ name: { equals: "a" }, age: { equals: 1 } }]), 108);
    expectCode(() => q([{ name: "a" }]), 108);
    expectCode(() => q([42]), 108);
    expectCode(() => q("name = a"), 108);
  });
});
