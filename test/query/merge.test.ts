// Merge tests: several shards, ties, zero matches, approximation when shards are missing, exact JSON
// number types in the serialised output, and result/score paging across shards with page tokens.

import { afterAll, describe, expect, it } from "vitest";
import { compileAggregation } from "../../src/query/aggregation";
import { compileCountEntity } from "../../src/query/count-entity";
import { compileCountEvent } from "../../src/query/count-event";
import { createSegmentEngine } from "../../engine/index";
import { createReferenceEngine } from "../../engine/testing/reference/index";
import { extendAnswers } from "../../src/query/compiled";
import { compileExists } from "../../src/query/exists";
import { compileResult, compileScore } from "../../src/query/extraction";
import { Float, stringifyResponse } from "../../src/query/json";
import { mergePages } from "../../src/query/merge/pages";
import { firstAsk, refills } from "../../src/query/page-rounds";
import { compileTopValues } from "../../src/query/top-values";
import { compileTotal } from "../../src/query/total";
import type { AggNode, ExtractRow, MetricPartial, OrderKey, ShardAnswer } from "../../contract/plan";
import { mulberry32 } from "../engine/helpers/seeded";
import { Cluster, insertToWrites } from "./helpers/cluster";
import { expectCode } from "./helpers/errors";
import { fullSchema, makeSchema } from "./helpers/schema";
import { Num, typedResponse } from "./helpers/typed-json";

const schema = fullSchema();
const NOW = Date.parse("2020-06-15T12:00:00Z");
const ctx = (total: number, missing: number[] = []) => ({ totalShards: total, missingShards: missing });
const counts = (kind: "count-entity" | "count-event" | "total", ...c: number[]): ShardAnswer => ({ kind, counts: c });
const P = (count: number, sum: number, min: number | null, max: number | null): MetricPartial => ({ count, sum, min, max });
const node = (quantity: number, metrics: AggNode["metrics"] = [], children: AggNode["children"] = []): AggNode => ({ quantity, metrics, children });

describe("counts", () => {
  const c = compileCountEntity(
    [
      { "query-name": "a", query: [{ name: { equals: "x" } }] },
      { "query-name": "b", query: [{ age: { gt: 1 } }] },
    ],
    schema,
    NOW,
  );
  it("add across shards, exact answers carry no flag", () => {
    expect(c.merge([counts("count-entity", 10, 0), counts("count-entity", 5, 0), counts("count-entity", 0, 0)], ctx(3))).toEqual({ result: { a: 15, b: 0 } });
  });
  it("extrapolate missing shards, rounded, with the flag", () => {
    expect(c.merge([counts("count-entity", 10, 1), null, counts("count-entity", 5, 2)], ctx(3, [1]))).toEqual({
      result: { a: 23, b: 5 },
      approximate: true,
      "missing-shards": 1,
    });
  });
  it("refuse when no shard answered", () => expectCode(() => c.merge([null, null], ctx(2, [0, 1])), 4001, /0, 1/));
  it("refuse an answer of the wrong kind", () => expectCode(() => c.merge([{ kind: "exists", ids: [] }], ctx(1)), 130));
  it("count events and totals the same way", () => {
    const e = compileCountEvent({ "query-name": "e", query: [{ clicks: { between: ["today"] } }] }, schema, NOW);
    expect(e.merge([counts("count-event", 150), counts("count-event", 3)], ctx(2))).toEqual({ result: { e: 153 } });
    const t = compileTotal({}, schema, NOW);
    expect(t.merge([counts("total", 7), null, null, counts("total", 3)], ctx(4, [1, 2]))).toEqual({ result: { total: 20 }, approximate: true, "missing-shards": 2 });
  });
});

describe("exists", () => {
  const c = compileExists({ ids: ["b", "a", "c"] }, schema, NOW);
  it("keeps the request order", () => {
    expect(
      c.merge(
        [
          { kind: "exists", ids: ["a"] },
          { kind: "exists", ids: ["c"] },
        ],
        ctx(2),
      ),
    ).toEqual({ exists: ["a", "c"], "not-exists": ["b"] });
  });
  it("refuses when a shard is missing", () => expectCode(() => c.merge([{ kind: "exists", ids: [] }, null], ctx(2, [1])), 4001, /shard 1 of 2/));
});

describe("top values", () => {
  const c = compileTopValues({ t: { name: 2 }, none: { uid: 3 } }, schema, NOW);
  it("merges per-value counts before cutting, ties by value", () => {
    const a: ShardAnswer = {
      kind: "top-values",
      values: [
        [
          ["x", 3],
          ["y", 2],
        ],
        [],
      ],
    };
    const b: ShardAnswer = {
      kind: "top-values",
      values: [
        [
          ["z", 4],
          ["y", 2],
        ],
        [],
      ],
    };
    expect(c.merge([a, b], ctx(2))).toEqual({
      result: {
        t: {
          name: [
            { value: "y", quantity: 4 },
            { value: "z", quantity: 4 },
          ],
        },
        none: { uid: [] },
      },
    });
  });
  it("scales quantities when shards are missing", () => {
    const a: ShardAnswer = { kind: "top-values", values: [[["x", 3]], []] };
    expect(c.merge([a, null], ctx(2, [1]))).toEqual({ result: { t: { name: [{ value: "x", quantity: 6 }] }, none: { uid: [] } }, approximate: true, "missing-shards": 1 });
  });
});

describe("aggregation", () => {
  const json = (body: unknown) => stringifyResponse(body);

  it("prints integer-column min/max/sum as integers and avg always as a float", () => {
    const q = compileAggregation({ query: [{ age: "min" }, { age: "max" }, { age: "sum" }, { age: "avg" }] }, schema, NOW);
    const body = q.merge(
      [
        {
          kind: "aggregation",
          root: node(2, [P(2, 3_000_000, 1_000_000, 2_000_000), P(2, 3_000_000, 1_000_000, 2_000_000), P(2, 3_000_000, 1_000_000, 2_000_000), P(2, 3_000_000, 1_000_000, 2_000_000)]),
        },
        { kind: "aggregation", root: node(0, [P(0, 0, null, null), P(0, 0, null, null), P(0, 0, null, null), P(0, 0, null, null)]) },
      ],
      ctx(2),
    );
    expect(json(body)).toBe('{"result":{"age":{"min":1000000,"max":2000000,"sum":3000000,"avg":1500000.0}}}');
  });

  it("prints decimal metrics as floats even when integral, count-events as integers", () => {
    const q = compileAggregation(
      {
        query: [
          { spend: "sum", between: ["2016-01-01", "2016-01-07"] },
          { spend: "count-events", between: ["2016-01-01", "2016-01-07"] },
        ],
      },
      schema,
      NOW,
    );
    const body = q.merge([{ kind: "aggregation", root: node(1, [P(2, 3, 1, 2), P(2, 3, 1, 2)]) }], ctx(1));
    const typed = typedResponse(body) as { result: { spend: { sum: Num; "count-events": Num } } };
    expect(typed.result.spend.sum).toEqual(new Num(3, true));
    expect(typed.result.spend["count-events"]).toEqual(new Num(2, false));
  });

  it("shows null metrics at the root when nothing matched, and [] for an empty top level", () => {
    const q = compileAggregation({ query: [{ age: "avg" }, { age: "sum" }] }, schema, NOW);
    expect(q.merge([{ kind: "aggregation", root: node(0, [P(0, 0, null, null), P(0, 0, null, null)]) }], ctx(1))).toEqual({ result: { age: { avg: null, sum: 0 } } });
    const g = compileAggregation({ query: [{ name: 3 }] }, schema, NOW);
    expect(
      g.merge(
        [
          { kind: "aggregation", root: node(0) },
          { kind: "aggregation", root: node(0) },
        ],
        ctx(2),
      ),
    ).toEqual({ result: { name: [] } });
  });

  it("merges nested groups across shards before cutting each level, metrics innermost", () => {
    const q = compileAggregation({ query: [{ name: 1 }, { uid: 2 }, { age: "max" }] }, schema, NOW);
    const a = node(
      5,
      [],
      [
        [
          "gold",
          node(
            3,
            [],
            [
              ["u1", node(2, [P(2, 10, 4, 6)])],
              ["u2", node(1, [P(1, 1, 1, 1)])],
            ],
          ),
        ],
        ["silver", node(2, [], [["u3", node(2, [P(0, 0, null, null)])]])],
      ],
    );
    const b = node(4, [], [["silver", node(4, [], [["u3", node(4, [P(4, 40, 7, 12)])]])]]);
    expect(
      q.merge(
        [
          { kind: "aggregation", root: a },
          { kind: "aggregation", root: b },
        ],
        ctx(2),
      ),
    ).toEqual({
      result: { name: [{ value: "silver", quantity: 6, uid: [{ value: "u3", quantity: 6, age: { max: 12 } }] }] },
    });
    // A bucket whose metric saw no value omits it rather than showing null.
    expect(q.merge([{ kind: "aggregation", root: a }], ctx(1))).toEqual({
      result: {
        name: [
          {
            value: "gold",
            quantity: 3,
            uid: [
              { value: "u1", quantity: 2, age: { max: 6 } },
              { value: "u2", quantity: 1, age: { max: 1 } },
            ],
          },
        ],
      },
    });
  });

  it("lists only non-empty histogram buckets with their bounds, partials merged per bucket", () => {
    const q = compileAggregation({ query: [{ views: "avg", between: ["2016-01-01", "2016-01-07"], interval: "days" }] }, schema, NOW);
    const body = q.merge(
      [
        {
          kind: "aggregation",
          root: node(1, [
            [
              [0, P(2, 3_000_000, 1_000_000, 2_000_000)],
              [3, P(1, 5, 5, 5)],
            ],
          ]),
        },
        { kind: "aggregation", root: node(1, [[[0, P(2, 3_000_000, 1_000_000, 2_000_000)]]]) },
      ],
      ctx(2),
    );
    expect(stringifyResponse(body)).toBe(
      '{"result":{"views":[{"avg":1500000.0,"between":["2016-01-01T00:00:00Z","2016-01-02T00:00:00Z"]},{"avg":5.0,"between":["2016-01-04T00:00:00Z","2016-01-05T00:00:00Z"]}]}}',
    );
  });

  it("extrapolates quantities and sums but not min/max/avg", () => {
    const q = compileAggregation({ query: [{ name: 2 }, { age: "sum" }, { age: "min" }, { age: "avg" }] }, schema, NOW);
    const a = node(2, [], [["x", node(2, [P(2, 5, 2, 3), P(2, 5, 2, 3), P(2, 5, 2, 3)])]]);
    const body = q.merge([{ kind: "aggregation", root: a }, null, null], ctx(3, [1, 2]));
    expect(stringifyResponse(body)).toBe('{"result":{"name":[{"value":"x","quantity":6,"age":{"sum":15,"min":2,"avg":2.5}}]},"approximate":true,"missing-shards":2}');
  });
});

describe("stringifyResponse", () => {
  it("prints Float with a decimal point and everything else like JSON.stringify", () => {
    const body = { a: new Float(1500000), b: new Float(1.25), c: 3, d: [new Float(-2), null, "x"], e: undefined, f: new Float(1e21), g: new Float(NaN) };
    expect(stringifyResponse(body)).toBe('{"a":1500000.0,"b":1.25,"c":3,"d":[-2.0,null,"x"],"f":1e+21,"g":null}');
    expect(JSON.stringify(body)).toBe('{"a":1500000,"b":1.25,"c":3,"d":[-2,null,"x"],"f":1e+21,"g":null}');
  });
});

describe("extraction paging across shards", () => {
  const s = makeSchema(
    [
      { apiName: "n", type: "integer" },
      { apiName: "s", type: "string" },
      { apiName: "ev", type: "string-event" },
    ],
    ["default"],
    3,
  );
  const cluster = new Cluster(3);
  const insert: Record<string, unknown> = {};
  for (let i = 0; i < 25; i++) {
    insert[`e${i}`] = {
      n: i % 4,
      ...(i % 5 === 0 ? {} : { s: `V${i}` }),
      ev:
        i % 2 === 0
          ? [
              { value: "a", date: "2016-01-01" },
              { value: "a", date: "2016-01-01" },
            ]
          : [
              { value: "a", date: "2016-01-01" },
              { value: "b", date: "2016-01-02T10:00:00Z" },
            ],
    };
  }
  cluster.write(insertToWrites(insert, s, NOW));
  afterAll(() => cluster.close());

  const pageThrough = (body: Record<string, unknown>, compile = compileResult) => {
    const pages: Array<Record<string, unknown>> = [];
    let next = cluster.run(compile(body, s, NOW));
    pages.push(next);
    while (next["next-page"] !== null) {
      const { limit: _ignored, ...rest } = body;
      next = cluster.run(compile({ ...rest, "page-token": next["next-page"] }, s, NOW));
      pages.push(next);
    }
    return pages;
  };

  it("returns every entity once, in order, page after page", () => {
    const pages = pageThrough({ query: [{ n: { gte: 0 } }], columns: ["entity-id", "n"], order: [{ n: "desc" }], limit: 4 });
    expect(pages.map((p) => p["page"])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const rows = pages.flatMap((p) => p["data"] as Array<{ "entity-id": string; n: string }>);
    expect(rows).toHaveLength(25);
    const expected = Array.from({ length: 25 }, (_, i) => ({ id: `e${i}`, n: i % 4 }))
      .sort((a, b) => b.n - a.n || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((r) => ({ "entity-id": r.id, n: String(r.n) }));
    expect(rows).toEqual(expected);
  });

  it("formats rows: strings, missing values omitted, entity-id only when asked, events collapsed", () => {
    const body = cluster.run(compileResult({ query: [{ "entity-id": { equals: "e0" } }, "or", { "entity-id": { equals: "e1" } }], columns: ["s", { ev: ["2016-01-01", "2016-01-07"] }] }, s, NOW));
    expect(body).toEqual({
      data: [
        { ev: { value: "a", date: "2016-01-01T00:00:00Z" } },
        {
          s: "v1",
          ev: [
            { value: "a", date: "2016-01-01T00:00:00Z" },
            { value: "b", date: "2016-01-02T10:00:00Z" },
          ],
        },
      ],
      page: 1,
      "next-page": null,
    });
  });

  it("scores as integers, ordered by score", () => {
    const body = cluster.run(compileScore({ query: [{ n: { equals: 1 } }, "or", { n: { gte: 1 } }], columns: ["entity-id"], limit: 3 }, s, NOW));
    expect(stringifyResponse(body)).toMatch(/^\{"data":\[\{"entity-id":"e1","score":2\},\{"entity-id":"e13","score":2\},\{"entity-id":"e17","score":2\}\],"page":1,"next-page":"/);
  });

  it("refuses a token of another query, a token with limit, and missing shards", () => {
    const first = cluster.run(compileResult({ query: [{ n: { gte: 0 } }], limit: 2 }, s, NOW));
    const token = first["next-page"];
    expect(typeof token).toBe("string");
    expectCode(() => compileResult({ query: [{ n: { gte: 1 } }], "page-token": token }, s, NOW), 113, /different query/);
    expectCode(() => compileScore({ query: [{ n: { gte: 0 } }], "page-token": token }, s, NOW), 113);
    expectCode(() => compileResult({ query: [{ n: { gte: 0 } }], "page-token": token, limit: 2 }, s, NOW), 112);
    const again = cluster.run(compileResult({ query: [{ n: { gte: 0 } }], "page-token": token }, s, NOW));
    expect(again["page"]).toBe(2);
    expect(again["data"]).toHaveLength(2);
    const c = compileResult({ query: [{ n: { gte: 0 } }] }, s, NOW);
    expectCode(() => c.merge(cluster.answers(c, [2]), ctx(3, [2])), 4001, /shard 2 of 3/);
  });

  it("returns an empty page with no token when nothing matches", () => {
    expect(cluster.run(compileResult({ query: [{ n: { equals: 99 } }], columns: ["entity-id"] }, s, NOW))).toEqual({ data: [], page: 1, "next-page": null });
  });
});

describe("mergePages", () => {
  const row = (id: string, ...sort: Array<number | null>): ExtractRow => ({ id, sort, values: {} });
  const byN: OrderKey[] = [{ by: "column", col: { id: 1, type: "integer", storage: "latest-value" }, dir: "desc" }];
  const page = (rows: ExtractRow[], more = false) => ({ rows, more });
  it("puts missing values last in either direction and breaks ties by id", () => {
    const merged = mergePages([page([row("b", 2), row("d", null)]), page([row("a", 2), row("c", 1)])], byN, 10);
    expect(merged.rows.map((r) => r.id)).toEqual(["a", "b", "c", "d"]);
    expect(merged.taken).toEqual([2, 2]);
    expect(merged.stalled).toBe(false);
  });
  it("stops where a shard with more rows runs out: its next row could come first", () => {
    const merged = mergePages([page([row("a", 9), row("b", 5)], true), page([row("c", 8), row("d", 1)])], byN, 10);
    expect(merged.rows.map((r) => r.id)).toEqual(["a", "c", "b"]);
    expect(merged.taken).toEqual([2, 1]);
    expect(merged.stalled).toBe(true);
  });
  it("is not stalled when the page fills before such a shard runs out", () => {
    const merged = mergePages([page([row("a", 9), row("b", 5)], true), page([row("c", 8), row("d", 1)])], byN, 2);
    expect(merged.rows.map((r) => r.id)).toEqual(["a", "c"]);
    expect(merged.stalled).toBe(false);
  });
});

describe("page rounds", () => {
  it("asks each shard for its share plus a margin, never more than the page", () => {
    expect(firstAsk(100, 1)).toBe(100);
    expect(firstAsk(100, 8)).toBe(29);
    expect(firstAsk(1000, 8)).toBe(172);
    expect(firstAsk(4, 3)).toBe(4);
    expect(firstAsk(1, 64)).toBe(1);
  });
  it("refills every shard that could run out before the page is full, with what it could still need", () => {
    const rows = (n: number): ExtractRow[] => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, sort: [], values: {} }));
    // 6 of 10 merged: 4 still needed. Shard 0 is used up and has more (needs 4); shard 1 has 1 row left
    // and more (needs 3); shard 2 has 1 left but nothing more; shard 3 has 4 left already.
    const pages = [
      { rows: rows(3), more: true },
      { rows: rows(3), more: true },
      { rows: rows(2), more: false },
      { rows: rows(5), more: true },
    ];
    expect(refills(pages, [3, 2, 1, 0], 6, 10)).toEqual([
      { shard: 0, after: 3, rows: 4 },
      { shard: 1, after: 3, rows: 3 },
    ]);
  });
});

describe.each([
  ["reference", createReferenceEngine],
  ["segment", createSegmentEngine],
] as const)("extraction pages when one shard holds most matches (%s engine)", (_name, engine) => {
  // 8 shards, 400 entities; the query matches every entity of shard 0 and one in ten elsewhere, so a
  // page of 20 (first ask 11 rows per shard) needs a second round from shard 0.
  const shards = 8;
  const s = makeSchema(
    [
      { apiName: "n", type: "integer" },
      { apiName: "hot", type: "boolean" },
    ],
    ["default"],
    shards,
  );
  const cluster = new Cluster(shards, engine);
  const ids = Array.from({ length: 400 }, (_, i) => `u${String(i).padStart(3, "0")}`);
  const hot = (id: string, i: number) => cluster.route("default", id) === 0 || i % 10 === 0;
  const insert: Record<string, unknown> = {};
  ids.forEach((id, i) => (insert[id] = { n: i % 7, hot: hot(id, i) }));
  cluster.write(insertToWrites(insert, s, NOW));
  afterAll(() => cluster.close());
  const matching = ids.filter(hot);

  const pageThrough = (body: Record<string, unknown>, compile = compileResult) => {
    const rows: Array<Record<string, unknown>> = [];
    const { limit, ...rest } = body;
    let next = cluster.run(compile(body, s, NOW));
    for (;;) {
      rows.push(...(next["data"] as Array<Record<string, unknown>>));
      if (next["next-page"] === null) return rows;
      expect(next["data"], "every page but the last is full").toHaveLength(limit as number);
      next = cluster.run(compile({ ...rest, "page-token": next["next-page"] }, s, NOW));
    }
  };

  it("completes every page with a second round, in order, each entity once", () => {
    expect(matching.filter((id) => cluster.route("default", id) === 0).length).toBeGreaterThan(20);
    const before = cluster.followUps;
    const rows = pageThrough({ query: [{ hot: { equals: true } }], columns: ["entity-id"], limit: 20 });
    expect(rows.map((r) => r["entity-id"])).toEqual(matching);
    expect(cluster.followUps - before).toBeGreaterThan(0);
  });

  it("orders by a column across rounds, ties by entity id", () => {
    const rows = pageThrough({ query: [{ hot: { equals: true } }], columns: ["entity-id", "n"], order: [{ n: "desc" }], limit: 20 });
    const expected = matching
      .map((id) => ({ id, n: ids.indexOf(id) % 7 }))
      .sort((a, b) => b.n - a.n || (a.id < b.id ? -1 : 1))
      .map((r) => ({ "entity-id": r.id, n: String(r.n) }));
    expect(rows).toEqual(expected);
  });

  it("orders by score across rounds", () => {
    const q = [{ hot: { equals: true } }, "or", { n: { equals: 3 } }];
    const before = cluster.followUps;
    const rows = pageThrough({ query: q, columns: ["entity-id"], limit: 40 }, compileScore);
    expect(cluster.followUps - before).toBeGreaterThan(0);
    const score = (id: string, i: number) => (hot(id, i) ? 1 : 0) + (i % 7 === 3 ? 1 : 0);
    const expected = ids
      .map((id, i) => ({ id, score: score(id, i) }))
      .filter((r) => r.score > 0)
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .map((r) => ({ "entity-id": r.id, score: r.score }));
    expect(rows).toEqual(expected);
  });

  it("refuses the page when a shard asked again does not answer", () => {
    const q = compileResult({ query: [{ hot: { equals: true } }], columns: ["entity-id"], limit: 20 }, s, NOW);
    const answers = cluster.answers(q);
    const again = q.followUp!.plans(answers)!;
    expect([...again.keys()]).toContain(0);
    const asked = [...again.keys()];
    const extended = extendAnswers(
      q,
      answers,
      asked,
      asked.map((shard) => (shard === 0 ? null : cluster.engines[shard]!.query(again.get(shard)!))),
    );
    expectCode(() => q.merge(extended, ctx(shards, [0])), 4001, /shard 0 of 8/);
  });

  it("asks no shard twice when the matches are spread evenly", () => {
    const before = cluster.followUps;
    const rows = pageThrough({ query: [{ n: { gte: 0 } }], columns: ["entity-id"], limit: 20 });
    expect(rows.map((r) => r["entity-id"])).toEqual(ids);
    expect(cluster.followUps - before).toBeLessThanOrEqual(1);
  });
});

describe("seeded paging: 8 segment-engine shards against one reference shard", () => {
  // Random data (a third of the entities crowd shard 0 through their `hot` flag), random queries,
  // orders and page sizes: paging through every page of the 8-shard cluster, second rounds
  // included, must give exactly the rows one reference shard answers in a single page.
  const SEED = 20261127;
  const rnd = mulberry32(SEED);
  const shards = 8;
  const columns = [
    { apiName: "n", type: "integer" as const },
    { apiName: "s", type: "string" as const },
    { apiName: "hot", type: "boolean" as const },
  ];
  const many = makeSchema(columns, ["default"], shards);
  const one = makeSchema(columns, ["default"], 1);
  const cluster = new Cluster(shards, createSegmentEngine);
  const oracle = new Cluster(1);
  const insert: Record<string, unknown> = {};
  for (let i = 0; i < 300; i++) {
    const id = `e${Math.floor(rnd() * 1e6).toString(36)}`;
    const crowded = cluster.route("default", id) === 0;
    insert[id] = { hot: crowded || rnd() < 0.1, ...(rnd() < 0.85 ? { n: Math.floor(rnd() * 10) } : {}), ...(rnd() < 0.7 ? { s: `s${Math.floor(rnd() * 6)}` } : {}) };
  }
  cluster.write(insertToWrites(insert, many, NOW));
  oracle.write(insertToWrites(insert, one, NOW));
  afterAll(() => {
    cluster.close();
    oracle.close();
  });

  const queries = [[{ hot: { equals: true } }], [{ n: { gte: 3 } }], [{ hot: { equals: true } }, "or", { n: { equals: 4 } }, "or", { s: { equals: "s1" } }]];
  const resultOrders = [undefined, [{ n: "asc" }], [{ n: "desc" }], [{ "entity-id": "desc" }], [{ s: "asc" }, { "entity-id": "desc" }], [{ s: "desc" }, { n: "asc" }]];
  const scoreOrders = [undefined, [{ score: "asc" }], [{ score: "desc" }, { n: "desc" }]];

  it(`agrees on 40 random page walks (seed ${SEED})`, () => {
    const followUpsBefore = cluster.followUps;
    for (let run = 0; run < 40; run++) {
      const scored = rnd() < 0.4;
      const compile = scored ? compileScore : compileResult;
      const orders = scored ? scoreOrders : resultOrders;
      const order = orders[Math.floor(rnd() * orders.length)];
      const base = { query: queries[Math.floor(rnd() * queries.length)], columns: ["entity-id", "n", "s"], ...(order ? { order } : {}) };
      const limit = 1 + Math.floor(rnd() * 40);
      const expected = oracle.run(compile({ ...base, limit: 1000 }, one, NOW))["data"];
      const rows: unknown[] = [];
      let page = cluster.run(compile({ ...base, limit }, many, NOW));
      for (;;) {
        rows.push(...(page["data"] as unknown[]));
        if (page["next-page"] === null) break;
        expect(page["data"], "only the last page is short").toHaveLength(limit);
        page = cluster.run(compile({ ...base, "page-token": page["next-page"] }, many, NOW));
      }
      expect(rows, `run ${run}: ${JSON.stringify({ ...base, limit, scored })}`).toEqual(expected);
    }
    expect(cluster.followUps - followUpsBefore, "the crowded shard was asked again").toBeGreaterThan(0);
  });
});
