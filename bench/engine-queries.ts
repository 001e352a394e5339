// The benchmark's query set (notes/engine.md §5.2) over the bench/generator.ts shard, with the issue's
// targets in ms (null: no target). Pure: used by bench/engine.ts in Node and by the workerd run.

import type { ColumnRef } from "../contract/columns";
import type { Expr, ShardQuery } from "../contract/plan";
import { COL, DAY, T0 } from "./generator";

const eq = (col: ColumnRef, value: string | boolean): Expr => ({ op: "attr", col, test: { op: "eq", value } });
const between = (col: ColumnRef, min: number, max: number): Expr => ({ op: "attr", col, test: { op: "range", min, max, minInclusive: true, maxInclusive: true } });
const minfreq: Expr = {
  op: "events",
  terms: [{ col: COL.purchase, test: { op: "eq", value: "v3" }, window: { from: T0 + 30 * DAY, to: T0 + 60 * DAY - 1 } }],
  minfreq: 2,
};
const count = (expr: Expr): ShardQuery => ({ kind: "count-entity", queries: [{ dimension: "default", expr }] });

export const QUERIES: Array<{ name: string; target: number | null; q: ShardQuery }> = [
  { name: "count_1pred_ms", target: null, q: count(eq(COL.country, "c3")) },
  { name: "count_3pred_ms", target: 1, q: count({ op: "and", args: [eq(COL.country, "c3"), between(COL.age, 25, 40), eq(COL.active, true)] }) },
  {
    name: "count_6pred_ms",
    target: 2,
    q: count({
      op: "or",
      args: [
        { op: "and", args: [{ op: "attr", col: COL.country, test: { op: "in", values: ["c1", "c2"] } }, eq(COL.plan, "p2"), between(COL.age, 25, 40)] },
        { op: "and", args: [eq(COL.device, "d1"), { op: "attr", col: COL.income, test: { op: "range", min: 100_000, max: null, minInclusive: false, maxInclusive: true } }, eq(COL.gender, "g0")] },
      ],
    }),
  },
  { name: "range_int_ms", target: 1.5, q: count(between(COL.income, 50_000, 80_000)) },
  { name: "event_minfreq_30d_ms", target: 4, q: count(minfreq) },
  { name: "mixed_or_event_ms", target: null, q: count({ op: "or", args: [{ op: "and", args: [eq(COL.country, "c3"), between(COL.age, 25, 40)] }, minfreq] }) },
  { name: "top_values_1000_ms", target: 3, q: { kind: "top-values", queries: [{ dimension: "default", col: COL.city, test: null, window: null }] } },
  {
    name: "agg_by_group_ms",
    target: null,
    q: {
      kind: "aggregation",
      dimension: "default",
      filter: eq(COL.country, "c1"),
      groups: [{ col: COL.plan, test: null, window: null }],
      metrics: (["avg", "min", "max", "sum"] as const).map((metric) => ({ col: COL.income, metric, window: null, buckets: null })),
    },
  },
  {
    name: "groupby_nested_ms",
    target: null,
    q: {
      kind: "aggregation",
      dimension: "default",
      filter: null,
      groups: [
        { col: COL.country, test: null, window: null },
        { col: COL.plan, test: null, window: null },
      ],
      metrics: [],
    },
  },
  {
    name: "page_100_ms",
    target: 1,
    q: {
      kind: "extract",
      dimension: "default",
      expr: { op: "all" },
      score: false,
      columns: [
        { kind: "attr", key: "country", col: COL.country },
        { kind: "attr", key: "age", col: COL.age },
      ],
      order: [{ by: "entity-id", dir: "asc" }],
      offset: 1000,
      limit: 100,
    },
  },
  {
    name: "score_top100_ms",
    target: null,
    q: {
      kind: "extract",
      dimension: "default",
      expr: { op: "or", args: [eq(COL.country, "c3"), eq(COL.plan, "p1"), between(COL.age, 30, 35), eq(COL.device, "d2")] },
      score: true,
      columns: [],
      order: [{ by: "score", dir: "desc" }],
      offset: 0,
      limit: 100,
    },
  },
];
/** The query a cold (just woken) engine answers first. */
export const COLD_QUERY = QUERIES[1]!.q;

/** Every column paged in (top values of each): the whole shard within the cache budget. */
export const ALL_COLUMNS: ShardQuery = { kind: "top-values", queries: Object.values(COL).map((col) => ({ dimension: "default", col, test: null, window: null })) };
