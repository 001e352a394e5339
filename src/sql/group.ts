// The edge half of a SELECT: extracted entities → groups (one per entity, per GROUP BY value
// combination, or one for an aggregate-only query) → projected rows, HAVING filter, ORDER BY,
// DISTINCT, OFFSET/LIMIT. Pure functions over records.ts data; exact because every entity lives in
// exactly one shard and arrives whole.

import { isIntegerType, type ColumnDef } from "../../contract/columns";
import { isoDateTime } from "../../contract/values";
import type { Scalar } from "../../contract/plan";
import type { AggregateName, CompareOp } from "./ast";
import { datePart, evalCond, type Cond, type DatePart } from "./conditions";
import { float, Float, stringifyResponse } from "../query/json";
import type { Cell, EntityRecord, EventCell, OutValue } from "./records";
import { compareScalars } from "../../contract/value-test";
import { DAY_MS } from "../../contract/limits";
import { roundAverage, roundSum } from "../query/rounding";

export type IntervalUnit = "minute" | "hour" | "day" | "week" | "month" | "year";

/** What one GROUP BY level (or the implicit per-entity split) groups on. */
export type KeySpec =
  | { kind: "entity" }
  | { kind: "attr"; col: ColumnDef }
  | { kind: "event-value"; col: ColumnDef }
  | { kind: "event-date"; col: ColumnDef }
  | { kind: "interval"; col: ColumnDef; event: boolean; unit: IntervalUnit }
  | { kind: "datepart"; col: ColumnDef; part: DatePart };

export type AggArg = { kind: "entities" } | { kind: "attr"; col: ColumnDef } | { kind: "event-value"; col: ColumnDef } | { kind: "event-date"; col: ColumnDef };

/** A value computed per group: a row member, an ORDER BY key or a HAVING operand. */
export type Projection =
  | { kind: "entity-id" }
  | { kind: "score" }
  | { kind: "attr"; col: ColumnDef }
  | { kind: "datepart"; col: ColumnDef; part: DatePart }
  | { kind: "case"; whens: Array<{ cond: Cond; value: OutValue }>; otherwise: OutValue }
  | { kind: "key"; index: number }
  | { kind: "agg"; fn: AggregateName; distinct: boolean; arg: AggArg }
  | { kind: "literal"; value: OutValue };

/** A boolean over a group's values (HAVING conditions on aggregates). */
export type GroupPredicate =
  | { op: "and" | "or"; args: GroupPredicate[] }
  | { op: "not"; arg: GroupPredicate }
  | { op: "compare"; cmp: CompareOp; left: Projection; right: Projection }
  | { op: "between"; arg: Projection; low: Projection; high: Projection; negated: boolean }
  | { op: "in"; arg: Projection; list: Projection[]; negated: boolean };

export interface KeyValue {
  sort: Scalar | null;
  out: OutValue;
}

export interface Group {
  key: KeyValue[];
  entities: EntityRecord[];
  /** Events of the grouped event column that fell into this group (null when no key is on events). */
  events: EventCell[] | null;
}

export interface RowPlan {
  keys: KeySpec[] | null; // null: one group holding every entity (aggregates only)
  items: Array<{ key: string; value: Projection }>;
  star: ColumnDef[] | null; // SELECT *: the dimension's attribute columns (then entity-id and score)
  having: GroupPredicate | null;
  order: Array<{ value: Projection; dir: "asc" | "desc" }>;
  distinct: boolean;
  offset: number;
  limit: number | null;
  /** Which events of a column feed aggregates and keys (HAVING window, top-level WHERE terms). */
  eventFilter: (col: ColumnDef, ev: EventCell) => boolean;
}

function bucketOf(unit: IntervalUnit, t: number): number {
  const d = new Date(t);
  switch (unit) {
    case "minute":
      return Math.floor(t / 60_000) * 60_000;
    case "hour":
      return Math.floor(t / 3_600_000) * 3_600_000;
    case "day":
      return Math.floor(t / DAY_MS) * DAY_MS;
    case "week": {
      const day = Math.floor(t / DAY_MS) * DAY_MS;
      return day - ((d.getUTCDay() + 6) % 7) * DAY_MS; // weeks start on Monday (ISO)
    }
    case "month":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case "year":
      return Date.UTC(d.getUTCFullYear(), 0, 1);
  }
}

function eventColumnOf(keys: KeySpec[]): ColumnDef | null {
  for (const k of keys) {
    if (k.kind === "event-value" || k.kind === "event-date" || (k.kind === "interval" && k.event)) return k.col;
  }
  return null;
}

function eventsOf(rec: EntityRecord, col: ColumnDef, plan: RowPlan): EventCell[] {
  return (rec.events.get(col.id) ?? []).filter((ev) => plan.eventFilter(col, ev));
}

/** Splits entities into groups in first-seen order (entities arrive sorted by id). */
export function buildGroups(records: EntityRecord[], plan: RowPlan): Group[] {
  if (plan.keys === null) return [{ key: [], entities: records, events: null }];
  const keys = plan.keys;
  const evCol = eventColumnOf(keys);
  const groups = new Map<string, Group>();
  for (const rec of records) {
    const evs: Array<EventCell | null> = evCol ? eventsOf(rec, evCol, plan) : [null];
    for (const ev of evs) {
      let combos: KeyValue[][] = [[]];
      for (const k of keys) {
        const values = keyValues(k, rec, ev);
        combos = combos.flatMap((c) => values.map((v) => [...c, v]));
        if (combos.length === 0) break;
      }
      for (const combo of combos) {
        const id = JSON.stringify(combo.map((v) => (v.sort === null ? null : [typeof v.sort, v.sort])));
        let g = groups.get(id);
        if (!g) {
          g = { key: combo, entities: [], events: evCol ? [] : null };
          groups.set(id, g);
        }
        if (g.entities[g.entities.length - 1] !== rec) g.entities.push(rec);
        if (ev && g.events) g.events.push(ev);
      }
    }
  }
  return [...groups.values()];
}

function keyValues(k: KeySpec, rec: EntityRecord, ev: EventCell | null): KeyValue[] {
  switch (k.kind) {
    case "entity":
      return [{ sort: rec.id, out: rec.id }];
    case "attr":
      return (rec.attrs.get(k.col.id) ?? []).map((c) => ({ sort: c.v, out: c.out }));
    case "datepart":
      return (rec.attrs.get(k.col.id) ?? []).flatMap((c) => (typeof c.v === "number" ? [datePart(k.part, c.v)] : [])).map((n) => ({ sort: n, out: n }));
    case "event-value":
      return ev ? [{ sort: ev.v, out: ev.out }] : [];
    case "event-date":
      return ev ? [{ sort: ev.t, out: isoDateTime(ev.t) }] : [];
    case "interval":
      if (k.event) return ev ? [{ sort: bucketOf(k.unit, ev.t), out: null }] : [];
      return (rec.attrs.get(k.col.id) ?? []).flatMap((c) => (typeof c.v === "number" ? [{ sort: bucketOf(k.unit, c.v), out: null }] : []));
  }
}

/** The cells an aggregate reads in a group. */
function aggCells(arg: Exclude<AggArg, { kind: "entities" }>, g: Group, plan: RowPlan, evCol: ColumnDef | null): Cell[] {
  if (arg.kind === "attr") return g.entities.flatMap((rec) => rec.attrs.get(arg.col.id) ?? []);
  const events = evCol !== null && evCol.id === arg.col.id && g.events !== null ? g.events : g.entities.flatMap((rec) => eventsOf(rec, arg.col, plan));
  return arg.kind === "event-value" ? events : events.map((ev) => ({ v: ev.t, out: isoDateTime(ev.t) }));
}

function aggregate(p: Extract<Projection, { kind: "agg" }>, g: Group, plan: RowPlan, evCol: ColumnDef | null): OutValue {
  if (p.arg.kind === "entities") return g.entities.length;
  let cells = aggCells(p.arg, g, plan, evCol);
  if (p.distinct) {
    const seen = new Set<string>();
    cells = cells.filter((c) => {
      const id = `${typeof c.v}:${String(c.v)}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }
  switch (p.fn) {
    case "COUNT":
      return cells.length;
    case "SUM":
    case "AVG": {
      const nums = cells.flatMap((c) => (typeof c.v === "number" ? [c.v] : []));
      if (nums.length === 0) return null;
      const sum = nums.reduce((a, b) => a + b, 0);
      if (p.fn === "AVG") return float(roundAverage(sum / nums.length));
      const integer = p.arg.kind !== "event-date" && isIntegerType(p.arg.col.type);
      return integer ? sum : float(roundSum(sum, p.arg.col.decimalPlaces));
    }
    case "MIN":
    case "MAX": {
      let best: Cell | null = null;
      for (const c of cells) {
        if (best === null) best = c;
        else {
          const cmp = compareScalars(c.v, best.v);
          if (p.fn === "MIN" ? cmp < 0 : cmp > 0) best = c;
        }
      }
      return best === null ? null : best.out;
    }
  }
}

function cellsOut(cells: Cell[] | undefined): OutValue {
  if (cells === undefined || cells.length === 0) return null;
  return cells.length === 1 ? cells[0]!.out : cells.map((c) => c.out);
}

export function evaluate(p: Projection, g: Group, plan: RowPlan, evCol: ColumnDef | null): OutValue {
  const rec = g.entities[0];
  switch (p.kind) {
    case "key":
      return g.key[p.index]?.out ?? null;
    case "agg":
      return aggregate(p, g, plan, evCol);
    case "literal":
      return p.value;
    case "entity-id":
      return rec ? rec.id : null;
    case "score":
      return rec ? float(rec.score) : null;
    case "attr":
      return rec ? cellsOut(rec.attrs.get(p.col.id)) : null;
    case "datepart": {
      const c = rec?.attrs.get(p.col.id)?.[0];
      return c && typeof c.v === "number" ? datePart(p.part, c.v) : null;
    }
    case "case": {
      if (!rec) return p.otherwise;
      for (const w of p.whens) if (evalCond(w.cond, rec) > 0) return w.value;
      return p.otherwise;
    }
  }
}

/** The comparable value behind an output value (Floats unwrap; lists sort by their first member). */
export function sortValue(v: OutValue): Scalar | null {
  if (v === null) return null;
  if (v instanceof Float) return v.value;
  if (Array.isArray(v)) return v.length === 0 ? null : sortValue(v[0]!);
  return v;
}

/** Nulls last in both directions; otherwise compareScalars. */
function compareSort(a: Scalar | null, b: Scalar | null, dir: "asc" | "desc"): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const c = compareScalars(a, b);
  return dir === "asc" ? c : -c;
}

/** Compares a HAVING operand pair, reading a numeric string as a number when the other side is one. */
function coerce(a: Scalar | null, b: Scalar | null): [Scalar | null, Scalar | null] {
  const num = (x: Scalar | null, other: Scalar | null) => (typeof x === "string" && typeof other === "number" && x.trim() !== "" && Number.isFinite(Number(x)) ? Number(x) : x);
  const lower = (x: Scalar | null, other: Scalar | null) => (typeof x === "string" && typeof other === "string" ? x.toLowerCase() : x);
  const a1 = num(a, b),
    b1 = num(b, a);
  return [lower(a1, b1), lower(b1, a1)];
}

function holds(pred: GroupPredicate, g: Group, plan: RowPlan, evCol: ColumnDef | null): boolean {
  const val = (p: Projection) => sortValue(evaluate(p, g, plan, evCol));
  switch (pred.op) {
    case "and":
      return pred.args.every((a) => holds(a, g, plan, evCol));
    case "or":
      return pred.args.some((a) => holds(a, g, plan, evCol));
    case "not":
      return !holds(pred.arg, g, plan, evCol);
    case "compare": {
      const [a, b] = coerce(val(pred.left), val(pred.right));
      if (a === null || b === null) return false;
      const c = compareScalars(a, b);
      switch (pred.cmp) {
        case "=":
          return c === 0;
        case "!=":
          return c !== 0;
        case "<":
          return c < 0;
        case "<=":
          return c <= 0;
        case ">":
          return c > 0;
        case ">=":
          return c >= 0;
      }
      return false;
    }
    case "between": {
      const x = val(pred.arg);
      const [a, lo] = coerce(x, val(pred.low));
      const [a2, hi] = coerce(x, val(pred.high));
      if (a === null || lo === null || a2 === null || hi === null) return false;
      const inside = compareScalars(a, lo) >= 0 && compareScalars(a2, hi) <= 0;
      return inside !== pred.negated;
    }
    case "in": {
      const x = val(pred.arg);
      const found = pred.list.some((p) => {
        const [a, b] = coerce(x, val(p));
        return a !== null && b !== null && compareScalars(a, b) === 0;
      });
      return found !== pred.negated;
    }
  }
}

/** Groups → the `result` rows of the response. */
export function buildRows(records: EntityRecord[], plan: RowPlan): Array<Record<string, OutValue>> {
  const groups = buildGroups(records, plan);
  const evCol = plan.keys === null ? null : eventColumnOf(plan.keys);
  let kept = plan.having ? groups.filter((g) => holds(plan.having!, g, plan, evCol)) : groups;
  if (plan.order.length > 0) {
    const keyed = kept.map((g) => ({ g, sort: plan.order.map((o) => sortValue(evaluate(o.value, g, plan, evCol))) }));
    keyed.sort((x, y) => {
      for (let i = 0; i < plan.order.length; i++) {
        const c = compareSort(x.sort[i] ?? null, y.sort[i] ?? null, plan.order[i]!.dir);
        if (c !== 0) return c;
      }
      return 0; // Array.prototype.sort is stable: ties keep entity-id / first-seen order
    });
    kept = keyed.map((k) => k.g);
  }
  let rows: Array<Record<string, OutValue>> = [];
  const seen = new Set<string>();
  const end = plan.limit === null ? Infinity : plan.offset + plan.limit;
  let skipped = 0;
  for (const g of kept) {
    if (rows.length + skipped >= end) break;
    const row: Record<string, OutValue> = {};
    if (plan.star) {
      const rec = g.entities[0];
      if (rec) {
        const members: Array<[string, OutValue]> = [["entity-id", rec.id]];
        for (const col of plan.star) {
          const v = cellsOut(rec.attrs.get(col.id));
          if (v !== null) members.push([col.apiName, v]);
        }
        members.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        for (const [k, v] of members) row[k] = v;
        row["score"] = float(rec.score);
      }
    }
    for (const item of plan.items) row[item.key] = evaluate(item.value, g, plan, evCol);
    if (plan.distinct) {
      const id = stringifyResponse(row);
      if (seen.has(id)) continue;
      seen.add(id);
    }
    if (skipped < plan.offset) {
      skipped++;
      continue;
    }
    rows.push(row);
  }
  return rows;
}
