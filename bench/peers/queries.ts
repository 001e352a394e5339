// The notes/engine.md §5.2 query set: one SQL text that DuckDB, SQLite and ClickHouse (chDB) all run
// unchanged, and the equivalent plan (contract/plan.ts) for our engine, plus a normaliser that turns
// each engine's answer into the same comparable shape (counts; sorted, cut row lists).
//
// Tables: entities(id, ext_id, country, plan, gender, device, city, age, income, score, active, signup_day)
//         events(entity, col, day, val)   -- col 0 = purchase, 1 = pageview; val = value index (v3 -> 3)
// Deterministic orders everywhere: ties are broken by the text keys ascending (byte order).

import type { AggNode, Expr, ShardAnswer, ShardQuery } from "../../contract/plan";
import type { ColumnRef } from "../../contract/columns";
import { COL, DAY, T0 } from "../generator";

export type Row = Array<string | number>;
/** A normalised answer: a count, or rows. */
export type Answer = number | Row[];

export type QueryGroup = "count" | "event" | "score" | "aggregation" | "extract";

export interface BenchQuery {
  id: string;
  group: QueryGroup;
  sql: string;
  plan: ShardQuery;
  /** Our engine's answer -> normalised (cutting/sorting that the edge would do is part of the timed work). */
  fromEngine(a: ShardAnswer): Answer;
}

const eq = (col: ColumnRef, value: string | boolean): Expr => ({ op: "attr", col, test: { op: "eq", value } });
const between = (col: ColumnRef, min: number, max: number): Expr => ({ op: "attr", col, test: { op: "range", min, max, minInclusive: true, maxInclusive: true } });
const countPlan = (expr: Expr): ShardQuery => ({ kind: "count-entity", queries: [{ dimension: "default", expr }] });
const asCount = (a: ShardAnswer): Answer => {
  if (a.kind !== "count-entity") throw new Error(`expected count-entity, got ${a.kind}`);
  return a.counts[0]!;
};
const byKeys = (a: Row, b: Row): number => {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    return x < y ? -1 : 1;
  }
  return 0;
};
const aggRoot = (a: ShardAnswer): AggNode => {
  if (a.kind !== "aggregation") throw new Error(`expected aggregation, got ${a.kind}`);
  return a.root;
};
const extractRows = (a: ShardAnswer) => {
  if (a.kind !== "extract") throw new Error(`expected extract, got ${a.kind}`);
  return a.rows;
};

// event_minfreq: purchase value v3 at least 3 times between day 30 and day 200 (inclusive).
const MINFREQ_SQL = "SELECT entity FROM events WHERE col = 0 AND val = 3 AND day BETWEEN 30 AND 200 GROUP BY entity HAVING count(*) >= 3";
const minfreq: Expr = {
  op: "events",
  terms: [{ col: COL.purchase, test: { op: "eq", value: "v3" }, window: { from: T0 + 30 * DAY, to: T0 + 201 * DAY - 1 } }],
  minfreq: 3,
};
const SCORE_PREDICATES = ["country = 'c3'", "plan = 'p1'", "age BETWEEN 30 AND 35", "device = 'd2'"];

export const QUERIES: BenchQuery[] = [
  {
    id: "count_1pred",
    group: "count",
    sql: "SELECT count(*) AS n FROM entities WHERE country = 'c3'",
    plan: countPlan(eq(COL.country, "c3")),
    fromEngine: asCount,
  },
  {
    id: "count_3pred",
    group: "count",
    sql: "SELECT count(*) AS n FROM entities WHERE country = 'c3' AND age BETWEEN 25 AND 40 AND active = 1",
    plan: countPlan({ op: "and", args: [eq(COL.country, "c3"), between(COL.age, 25, 40), eq(COL.active, true)] }),
    fromEngine: asCount,
  },
  {
    id: "count_6pred",
    group: "count",
    sql: "SELECT count(*) AS n FROM entities WHERE (country IN ('c1', 'c2') AND plan = 'p2' AND age BETWEEN 25 AND 40)" + " OR (device = 'd1' AND income > 100000 AND gender = 'g0')",
    plan: countPlan({
      op: "or",
      args: [
        { op: "and", args: [{ op: "attr", col: COL.country, test: { op: "in", values: ["c1", "c2"] } }, eq(COL.plan, "p2"), between(COL.age, 25, 40)] },
        { op: "and", args: [eq(COL.device, "d1"), { op: "attr", col: COL.income, test: { op: "range", min: 100_000, max: null, minInclusive: false, maxInclusive: true } }, eq(COL.gender, "g0")] },
      ],
    }),
    fromEngine: asCount,
  },
  {
    id: "range_int",
    group: "count",
    sql: "SELECT count(*) AS n FROM entities WHERE income BETWEEN 50000 AND 80000",
    plan: countPlan(between(COL.income, 50_000, 80_000)),
    fromEngine: asCount,
  },
  {
    id: "event_minfreq",
    group: "event",
    sql: `SELECT count(*) AS n FROM (${MINFREQ_SQL}) AS t`,
    plan: countPlan(minfreq),
    fromEngine: asCount,
  },
  {
    id: "mixed_or_event",
    group: "event",
    sql: `SELECT count(*) AS n FROM entities WHERE (country = 'c3' AND age BETWEEN 25 AND 40) OR id IN (${MINFREQ_SQL})`,
    plan: countPlan({ op: "or", args: [{ op: "and", args: [eq(COL.country, "c3"), between(COL.age, 25, 40)] }, minfreq] }),
    fromEngine: asCount,
  },
  {
    // Top-10 cities among active entities. Our plan: an aggregation filtered by active=true grouped by
    // city (a top-values plan has no entity filter); the edge's sort-and-cut is part of the timed work.
    id: "top_values",
    group: "aggregation",
    sql: "SELECT city, count(*) AS n FROM entities WHERE active = 1 GROUP BY city ORDER BY n DESC, city LIMIT 10",
    plan: { kind: "aggregation", dimension: "default", filter: eq(COL.active, true), groups: [{ col: COL.city, test: null, window: null }], metrics: [] },
    fromEngine: (a) =>
      aggRoot(a)
        .children.map(([v, n]): Row => [n.quantity, v])
        .sort((x, y) => (y[0] as number) - (x[0] as number) || byKeys([x[1]!], [y[1]!]))
        .slice(0, 10)
        .map(([n, v]) => [v!, n!]),
  },
  {
    id: "agg_by_group",
    group: "aggregation",
    sql: "SELECT plan, count(*) AS n, sum(income) AS s, min(income) AS lo, max(income) AS hi, avg(income) AS mean FROM entities WHERE country = 'c1' GROUP BY plan ORDER BY plan",
    plan: {
      kind: "aggregation",
      dimension: "default",
      filter: eq(COL.country, "c1"),
      groups: [{ col: COL.plan, test: null, window: null }],
      metrics: (["sum", "min", "max", "avg"] as const).map((metric) => ({ col: COL.income, metric, window: null, buckets: null })),
    },
    fromEngine: (a) =>
      aggRoot(a)
        .children.map(([v, node]): Row => {
          const m = node.metrics.map((p) => (Array.isArray(p) ? null : p));
          const [s, lo, hi, mean] = m;
          return [v, node.quantity, s!.sum, lo!.min!, hi!.max!, mean!.sum / mean!.count];
        })
        .sort(byKeys),
  },
  {
    id: "groupby_nested",
    group: "aggregation",
    sql: "SELECT country, plan, count(*) AS n FROM entities GROUP BY country, plan ORDER BY n DESC, country, plan LIMIT 20",
    plan: {
      kind: "aggregation",
      dimension: "default",
      filter: null,
      groups: [
        { col: COL.country, test: null, window: null },
        { col: COL.plan, test: null, window: null },
      ],
      metrics: [],
    },
    fromEngine: (a) => {
      const rows: Row[] = [];
      for (const [c, cn] of aggRoot(a).children) for (const [p, pn] of cn.children) rows.push([c, p, pn.quantity]);
      return rows.sort((x, y) => (y[2] as number) - (x[2] as number) || byKeys(x, y)).slice(0, 20);
    },
  },
  {
    id: "page_100",
    group: "extract",
    sql: "SELECT ext_id, country, age FROM entities ORDER BY ext_id LIMIT 100 OFFSET 1000",
    plan: {
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
    fromEngine: (a) => extractRows(a).map((r): Row => [r.id, r.values.country as string, r.values.age as number]),
  },
  {
    id: "score_top100",
    group: "score",
    sql:
      `SELECT ext_id, s FROM (SELECT ext_id, ${SCORE_PREDICATES.map((p) => `(CASE WHEN ${p} THEN 1 ELSE 0 END)`).join(" + ")} AS s FROM entities) AS t` +
      " WHERE s > 0 ORDER BY s DESC, ext_id LIMIT 100",
    plan: {
      kind: "extract",
      dimension: "default",
      expr: { op: "or", args: [eq(COL.country, "c3"), eq(COL.plan, "p1"), between(COL.age, 30, 35), eq(COL.device, "d2")] },
      score: true,
      columns: [],
      order: [{ by: "score", dir: "desc" }],
      offset: 0,
      limit: 100,
    },
    fromEngine: (a) => extractRows(a).map((r): Row => [r.id, r.score!]),
  },
];

/** Normalises SQL result rows (bigints, numeric strings from ClickHouse JSON) for a query. */
export function fromSql(q: BenchQuery, rows: unknown[][]): Answer {
  const textKeys = q.group === "extract" || q.group === "score"; // ext_id text may look numeric
  const norm: Row[] = rows.map((r) =>
    r.map((v): string | number =>
      typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : !textKeys && typeof v === "string" && /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v) ? Number(v) : String(v),
    ),
  );
  if (q.group === "count" || q.group === "event") return Number(norm[0]![0]);
  return norm;
}

/** null when equal (floats within 1e-9 relative), else a short description of the first difference. */
export function diff(a: Answer, b: Answer): string | null {
  if (typeof a === "number" || typeof b === "number") return a === b ? null : `${JSON.stringify(a)} != ${JSON.stringify(b)}`;
  if (a.length !== b.length) return `${a.length} rows != ${b.length} rows`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const same =
      x.length === y.length &&
      x.every((v, j) => {
        const w = y[j];
        if (typeof v === "number" && typeof w === "number") return v === w || Math.abs(v - w) <= 1e-9 * Math.max(Math.abs(v), Math.abs(w));
        return String(v) === String(w);
      });
    if (!same) return `row ${i}: ${JSON.stringify(x)} != ${JSON.stringify(y)}`;
  }
  return null;
}
