// Seeded random schemas, mutations and shard queries of every kind, for checking the segment
// engine against the reference row engine. Value domains are small on purpose so that equal
// values, ties, overwrites and edge cases (odd decimals, shared instants, month edges) happen often.

import type { ColumnRef, ColumnType, Storage } from "../../../contract/columns";
import { isEventType, valueKindOf } from "../../../contract/columns";
import type {
  AttrWrite,
  Bucket,
  EntityWrite,
  EventTerm,
  EventWrite,
  Expr,
  ExtractColumn,
  GroupLevel,
  MetricName,
  MetricSpec,
  Mutation,
  OrderKey,
  Scalar,
  ShardQuery,
  ValueTest,
  Window,
} from "../../../contract/plan";
import { isoDateTime } from "../../../contract/values";
import type { Rng } from "./seeded";

const DAY = 86_400_000;
export const T0 = Date.UTC(2016, 10, 20); // events span 2016-11-20 .. ~2017-04, across month edges

function col(id: number, type: ColumnType, storage: Storage = "latest-value"): ColumnRef {
  return { id, type, storage };
}

/** The columns every random run uses, each tagged with its dimension. */
export const SCHEMA: Array<{ ref: ColumnRef; dim: string }> = [
  { ref: col(1, "string"), dim: "default" },
  { ref: col(2, "integer"), dim: "default" },
  { ref: col(3, "decimal"), dim: "default" },
  { ref: col(4, "boolean"), dim: "default" },
  { ref: col(5, "date"), dim: "default" },
  { ref: col(6, "datetime"), dim: "default" },
  { ref: col(7, "string", "list-of-values"), dim: "default" },
  { ref: col(8, "integer", "list-of-values"), dim: "default" },
  { ref: col(9, "datetime", "list-of-values"), dim: "default" },
  { ref: col(10, "string-event"), dim: "default" },
  { ref: col(11, "integer-event"), dim: "default" },
  { ref: col(12, "decimal-event"), dim: "default" },
  { ref: col(13, "unique-id"), dim: "default" },
  { ref: col(14, "enumerated"), dim: "default" },
  { ref: col(21, "string"), dim: "users" },
  { ref: col(22, "integer"), dim: "users" },
  { ref: col(23, "string-event"), dim: "users" },
];

export const DIMS = ["default", "users"];

const TEXTS = ["a", "ab", "abc", "b", "ba", "bab", "c", "ca", "zz", "é", "x y"];

function randomValue(rng: Rng, ref: ColumnRef): { value: Scalar; text?: string } {
  switch (ref.type) {
    case "string":
    case "string-event":
      return { value: rng.pick(TEXTS) };
    case "unique-id":
      return { value: `u${rng.int(0, 40)}` };
    case "integer":
    case "integer-event":
    case "enumerated":
      return { value: rng.bool(0.1) ? rng.pick([2 ** 40, -(2 ** 40), 0, -1, 1e15]) : rng.int(-5, 20) };
    case "decimal":
    case "decimal-event":
      if (rng.bool(0.08)) return { value: rng.pick([0.1 + 0.2, 1e-12, 123456789.123, -0.5]) };
      return { value: rng.int(-300, 2000) / rng.pick([1, 10, 100, 1000]) };
    case "boolean":
      return { value: rng.bool() };
    case "date":
      return { value: T0 + rng.int(0, 20) * DAY };
    case "datetime": {
      const t = T0 + rng.int(0, 30) * 3_600_000;
      const text = rng.bool(0.2) ? isoDateTime(t).toLowerCase().replace(/z$/, "+00:00") : isoDateTime(t).toLowerCase();
      return { value: t, text };
    }
  }
}

function eventTime(rng: Rng): number {
  // Whole days mostly (postings compress them), exact seconds sometimes.
  return T0 + rng.int(0, 140) * DAY + (rng.bool(0.3) ? rng.int(0, 86_399) * 1000 : 0);
}

export function randomWrite(rng: Rng, nIds: number): Mutation {
  const entities: EntityWrite[] = [];
  for (let i = rng.int(1, 8); i > 0; i--) {
    const dim = rng.bool(0.8) ? "default" : "users";
    const cols = SCHEMA.filter((c) => c.dim === dim);
    const attrs: AttrWrite[] = [];
    const events: EventWrite[] = [];
    for (const c of rng.some(cols, rng.int(0, 6))) {
      if (isEventType(c.ref.type)) {
        for (let k = rng.int(1, 4); k > 0; k--) events.push({ col: c.ref, value: randomValue(rng, c.ref).value, t: eventTime(rng) });
      } else {
        for (let k = c.ref.storage === "list-of-values" ? rng.int(1, 3) : 1; k > 0; k--) {
          const v = randomValue(rng, c.ref);
          const a: AttrWrite = { col: c.ref, value: v.value };
          if (v.text !== undefined) a.text = v.text;
          attrs.push(a);
        }
      }
    }
    entities.push({ dimension: dim, id: `e${rng.int(0, nIds)}`, attrs, events });
  }
  return { kind: "write", entities };
}

function colsOf(dim: string, pred: (r: ColumnRef) => boolean = () => true): ColumnRef[] {
  return SCHEMA.filter((c) => c.dim === dim && pred(c.ref)).map((c) => c.ref);
}

export function randomTest(rng: Rng, ref: ColumnRef, depth = 0): ValueTest {
  const v = (): Scalar => {
    if (rng.bool(0.05)) return rng.pick<Scalar>(["zz", 3, true]); // sometimes the wrong kind
    const x = randomValue(rng, ref).value;
    return typeof x === "string" && rng.bool(0.2) ? x.toUpperCase() : x;
  };
  const kind = valueKindOf(ref.type);
  const r = rng.int(0, depth < 2 ? 11 : 8);
  switch (r) {
    case 0:
    case 1:
      return { op: "eq", value: v() };
    case 2:
      return { op: "ne", value: v() };
    case 3:
      return { op: "in", values: [v(), v(), v()].slice(0, rng.int(1, 3)) };
    case 4:
    case 5: {
      const a = rng.bool(0.2) ? null : v();
      const b = rng.bool(0.2) ? null : v();
      return { op: "range", min: a, max: b, minInclusive: rng.bool(), maxInclusive: rng.bool() };
    }
    case 6:
      return { op: "starts-with", value: kind === "text" ? rng.pick(["a", "b", "", "C", "é"]) : "1" };
    case 7:
      return { op: "ends-with", value: rng.pick(["a", "b", "c", ""]) };
    case 8:
      return { op: "contains", value: rng.pick(["a", "b", "x", " "]) };
    case 9:
      return { op: "and", tests: [randomTest(rng, ref, depth + 1), randomTest(rng, ref, depth + 1)] };
    case 10:
      return { op: "or", tests: [randomTest(rng, ref, depth + 1), randomTest(rng, ref, depth + 1)] };
    default:
      return { op: "not", test: randomTest(rng, ref, depth + 1) };
  }
}

export function randomWindow(rng: Rng): Window | null {
  const r = rng.int(0, 4);
  if (r === 0) return null;
  if (r === 1) return { from: Date.UTC(2016, 11, 1), to: Date.UTC(2017, 0, 1) - 1 }; // exactly December
  const from = T0 + rng.int(-5, 140) * DAY + rng.int(0, 2) * 43_200_000;
  return { from, to: from + rng.int(0, 60) * DAY + rng.pick([0, 1, -1, 3_600_000]) };
}

function randomTerm(rng: Rng, dim: string): EventTerm {
  const evs = colsOf(dim, (r) => isEventType(r.type));
  const c = rng.bool(0.05) ? rng.pick(colsOf(dim)) : rng.pick(evs);
  return { col: c, test: rng.bool(0.3) ? null : randomTest(rng, c), window: randomWindow(rng) };
}

export function randomExpr(rng: Rng, dim: string, depth = 0): Expr {
  const r = rng.int(0, depth < 3 ? 12 : 7);
  const attrs = colsOf(dim, (x) => !isEventType(x.type));
  switch (r) {
    case 0:
    case 1:
    case 2: {
      const c = rng.bool(0.05) ? rng.pick(colsOf(dim)) : rng.pick(attrs);
      return { op: "attr", col: c, test: randomTest(rng, c) };
    }
    case 3:
      return { op: "has", col: rng.pick(colsOf(dim)) };
    case 4:
      return {
        op: "id",
        test: rng.bool(0.6)
          ? { op: "eq", value: `e${rng.int(0, 30)}` }
          : rng.pick<ValueTest>([
              { op: "in", values: ["e1", "e2", "E3", "e30"] },
              { op: "starts-with", value: "e1" },
              { op: "range", min: "e2", max: "e5", minInclusive: true, maxInclusive: false },
            ]),
      };
    case 5:
    case 6: {
      const terms = [randomTerm(rng, dim)];
      if (rng.bool(0.3)) terms.push(randomTerm(rng, dim));
      return { op: "events", terms, minfreq: rng.int(1, 3) };
    }
    case 7:
      return { op: "all" };
    case 8:
    case 9:
      return { op: "and", args: Array.from({ length: rng.int(0, 3) }, () => randomExpr(rng, dim, depth + 1)) };
    case 10:
    case 11:
      return { op: "or", args: Array.from({ length: rng.int(0, 3) }, () => randomExpr(rng, dim, depth + 1)) };
    default:
      return { op: "not", arg: randomExpr(rng, dim, depth + 1) };
  }
}

function randomBuckets(rng: Rng): Bucket[] {
  const out: Bucket[] = [];
  let t = T0 + rng.int(-3, 30) * DAY;
  const width = rng.pick([DAY, 7 * DAY, 30 * DAY]);
  for (let i = rng.int(1, 12); i > 0; i--) {
    out.push({ from: t, to: t + width });
    t += width;
  }
  if (rng.bool(0.1)) out.push({ from: T0, to: T0 + 100 * DAY }); // overlapping bucket
  return out;
}

function randomMetric(rng: Rng, dim: string): MetricSpec {
  const c = rng.pick(colsOf(dim));
  const metric = rng.pick<MetricName>(["min", "max", "sum", "avg", "count-events"]);
  const event = isEventType(c.type);
  return { col: c, metric, window: event ? randomWindow(rng) : null, buckets: rng.bool(event ? 0.4 : 0.1) ? randomBuckets(rng) : null };
}

function randomLevel(rng: Rng, dim: string): GroupLevel {
  const c = rng.pick(colsOf(dim));
  return { col: c, test: rng.bool(0.6) ? null : randomTest(rng, c), window: isEventType(c.type) ? randomWindow(rng) : null };
}

export function randomQuery(rng: Rng, nIds: number): ShardQuery {
  const dim = rng.bool(0.8) ? "default" : rng.pick(["users", "nope"]);
  switch (rng.int(0, 9)) {
    case 0:
    case 1:
      return { kind: "count-entity", queries: Array.from({ length: rng.int(1, 3) }, () => ({ dimension: dim, expr: randomExpr(rng, dim === "nope" ? "default" : dim) })) };
    case 2: {
      const d = dim === "nope" ? "default" : dim;
      return { kind: "count-event", queries: [{ dimension: dim, terms: Array.from({ length: rng.int(1, 2) }, () => randomTerm(rng, d)) }] };
    }
    case 3:
      return rng.bool()
        ? { kind: "total", dimensions: rng.bool() ? null : rng.some([...DIMS, "nope", "default"], rng.int(0, 3)) }
        : { kind: "exists", dimension: dim, ids: Array.from({ length: rng.int(0, 6) }, () => `e${rng.int(0, nIds + 3)}`) };
    case 4: {
      const d = dim === "nope" ? "default" : dim;
      return {
        kind: "top-values",
        queries: Array.from({ length: rng.int(1, 2) }, () => {
          const c = rng.pick(colsOf(d));
          return { dimension: dim, col: c, test: rng.bool(0.5) ? null : randomTest(rng, c), window: isEventType(c.type) ? randomWindow(rng) : null };
        }),
      };
    }
    case 5:
    case 6: {
      const d = dim === "nope" ? "default" : dim;
      return {
        kind: "aggregation",
        dimension: dim,
        filter: rng.bool(0.3) ? null : randomExpr(rng, d),
        groups: Array.from({ length: rng.int(0, 2) }, () => randomLevel(rng, d)),
        metrics: Array.from({ length: rng.int(0, 3) }, () => randomMetric(rng, d)),
      };
    }
    default: {
      const d = dim === "nope" ? "default" : dim;
      const order: OrderKey[] = [];
      for (let i = rng.int(0, 3); i > 0; i--) {
        const dir = rng.bool() ? "asc" : "desc";
        const r = rng.int(0, 3);
        if (r === 0) order.push({ by: "entity-id", dir });
        else if (r === 1) order.push({ by: "score", dir });
        else order.push({ by: "column", col: rng.pick(colsOf(d)), dir });
      }
      const columns: ExtractColumn[] = rng
        .some(colsOf(d), rng.int(0, 4))
        .map((c, i) => (isEventType(c.type) ? { kind: "events", key: `k${i}`, col: c, window: randomWindow(rng) } : { kind: "attr", key: `k${i}`, col: c }));
      return {
        kind: "extract",
        dimension: dim,
        expr: randomExpr(rng, d),
        score: rng.bool(),
        columns,
        order,
        offset: rng.pick([0, 0, 1, 3, 10]),
        limit: rng.pick([1, 5, 20, 1000]),
      };
    }
  }
}

export function randomMutation(rng: Rng, nIds: number): Mutation {
  const r = rng.int(0, 19);
  if (r === 0) {
    const dim = rng.bool(0.8) ? "default" : "users";
    return { kind: "delete", dimension: dim, expr: rng.bool(0.5) ? { op: "id", test: { op: "eq", value: `e${rng.int(0, nIds)}` } } : randomExpr(rng, dim, 1) };
  }
  if (r === 1) {
    const dim = rng.bool(0.8) ? "default" : "users";
    const cols = colsOf(dim, (c) => !isEventType(c.type));
    const set: AttrWrite[] = rng.some(cols, rng.int(1, 3)).map((c) => {
      const v = randomValue(rng, c);
      const a: AttrWrite = { col: c, value: v.value };
      if (v.text !== undefined) a.text = v.text;
      return a;
    });
    return { kind: "update", dimension: dim, expr: randomExpr(rng, dim, 1), set };
  }
  return randomWrite(rng, nIds);
}
