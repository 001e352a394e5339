// WHERE / CASE WHEN conditions: AST → Cond (plan.ts's Expr plus edge-only DATEPART leaves), its shard
// Expr (a superset when DATEPART is present) and its exact evaluation at the edge. In one AND chain
// `[ev.value] = 'x' AND [ev.date] BETWEEN a AND b` fuses into ONE events term with a window.

import type { ColumnDef } from "../../contract/columns";
import { columnRef, isEventType, valueKindOf } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import { resolveWindow } from "../ingest/dates";
import type { Expr, Scalar, ValueTest, Window } from "../../contract/plan";
import type { CompareOp, SqlExpr } from "./ast";
import type { EntityRecord } from "./records";
import { describeExpr, type Scope, type Target } from "./resolve";
import { passes } from "../../contract/value-test";

export const TIME_MIN = -8.64e15; // the ends of the JS Date range: an open window end
export const TIME_MAX = 8.64e15;

export interface CondTerm {
  col: ColumnDef;
  test: ValueTest | null;
  window: Window | null;
}

export type DatePart = "year" | "quarter" | "month" | "dayofyear" | "day" | "week" | "weekday" | "hour" | "minute" | "second";

export type Cond =
  | { op: "and" | "or"; args: Cond[] }
  | { op: "not"; arg: Cond }
  | { op: "all" }
  | { op: "none" }
  | { op: "id"; test: ValueTest }
  | { op: "attr"; col: ColumnDef; test: ValueTest }
  | { op: "has"; col: ColumnDef }
  | { op: "events"; terms: CondTerm[]; minfreq: number }
  | { op: "datepart"; col: ColumnDef; part: DatePart; test: ValueTest };

const DATE_PARTS: Record<string, DatePart> = {
  yy: "year",
  yyyy: "year",
  year: "year",
  qq: "quarter",
  q: "quarter",
  quarter: "quarter",
  mm: "month",
  m: "month",
  month: "month",
  dy: "dayofyear",
  y: "dayofyear",
  dayofyear: "dayofyear",
  dd: "day",
  d: "day",
  day: "day",
  wk: "week",
  ww: "week",
  week: "week",
  dw: "weekday",
  w: "weekday",
  weekday: "weekday",
  hh: "hour",
  hour: "hour",
  mi: "minute",
  n: "minute",
  minute: "minute",
  ss: "second",
  s: "second",
  second: "second",
};

/** YEAR(col), MONTH(col), … : DATEPART with the part in the function's name (MySQL, T-SQL). */
const PART_FUNCTIONS: Record<string, DatePart> = {
  YEAR: "year",
  QUARTER: "quarter",
  MONTH: "month",
  DAY: "day",
  DAYOFYEAR: "dayofyear",
  WEEK: "week",
  HOUR: "hour",
  MINUTE: "minute",
  SECOND: "second",
};

/** DATEPART(part, ms) with T-SQL's numbering (months 1-12, weekday 1 = Sunday), UTC. */
export function datePart(part: DatePart, ms: number): number {
  const d = new Date(ms);
  switch (part) {
    case "year":
      return d.getUTCFullYear();
    case "quarter":
      return Math.floor(d.getUTCMonth() / 3) + 1;
    case "month":
      return d.getUTCMonth() + 1;
    case "dayofyear":
      return Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
    case "day":
      return d.getUTCDate();
    case "week": {
      const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1);
      const offset = new Date(jan1).getUTCDay();
      return Math.floor((Math.floor((ms - jan1) / 86_400_000) + offset) / 7) + 1;
    }
    case "weekday":
      return d.getUTCDay() + 1;
    case "hour":
      return d.getUTCHours();
    case "minute":
      return d.getUTCMinutes();
    case "second":
      return d.getUTCSeconds();
  }
}

/** Options the HAVING clause contributes: a default event window per event column id. */
export interface CondContext {
  windows: ReadonlyMap<number, Window>;
}

/** An event-column leaf of an AND chain before fusion. */
type EventPiece = { col: ColumnDef; value: ValueTest | null; window: Window | null };

export class CondCompiler {
  constructor(
    private readonly scope: Scope,
    private readonly ctx: CondContext,
  ) {}

  compile(e: SqlExpr): Cond {
    switch (e.kind) {
      case "and":
        return this.chain(flattenAnd(e));
      case "or":
        return { op: "or", args: e.args.map((a) => this.compile(a)) };
      case "not":
        return { op: "not", arg: this.compile(e.arg) };
      case "compare":
      case "between":
      case "in":
      case "like":
        return this.chain([e]);
      case "is-null":
        return this.isNull(e);
      case "bool":
        return e.value ? { op: "all" } : { op: "none" };
      default:
        throw this.scope.error(e.at, `expected a condition, found ${describeExpr(e)}`);
    }
  }

  /** An AND chain: event value tests and date windows on the same event column fuse into terms. */
  private chain(conjuncts: SqlExpr[]): Cond {
    const args: Cond[] = [];
    const byCol = new Map<number, { col: ColumnDef; values: ValueTest[]; window: Window | null; dated: boolean }>();
    for (const c of conjuncts) {
      const piece = this.eventPiece(c);
      if (piece === null) {
        args.push(this.compileLeaf(c));
        continue;
      }
      let slot = byCol.get(piece.col.id);
      if (!slot) {
        slot = { col: piece.col, values: [], window: null, dated: false };
        byCol.set(piece.col.id, slot);
      }
      if (piece.value) slot.values.push(piece.value);
      if (piece.window) {
        slot.window = slot.window ? intersect(slot.window, piece.window) : piece.window;
        slot.dated = true;
      }
    }
    for (const slot of byCol.values()) {
      const window = slot.dated ? slot.window : (this.ctx.windows.get(slot.col.id) ?? null);
      const tests: Array<ValueTest | null> = slot.values.length > 0 ? slot.values : [null];
      for (const test of tests) args.push({ op: "events", terms: [{ col: slot.col, test, window }], minfreq: 1 });
    }
    return args.length === 1 ? args[0]! : { op: "and", args };
  }

  private compileLeaf(e: SqlExpr): Cond {
    if (e.kind === "compare" || e.kind === "between" || e.kind === "in" || e.kind === "like") return this.predicate(e);
    return this.compile(e);
  }

  /** The event-column part of a predicate, or null when it is not on [ev.value] / [ev.date]. */
  eventPiece(e: SqlExpr): EventPiece | null {
    if (e.kind !== "compare" && e.kind !== "between" && e.kind !== "in" && e.kind !== "like") return null;
    const side = this.subject(e);
    if (side === null) return null;
    const { target } = side;
    if (target.kind === "event-value") return { col: target.col, value: this.valueTest(e, target.col), window: null };
    if (target.kind === "event-date") return { col: target.col, value: null, window: this.dateWindow(e, target.col) };
    return null;
  }

  /** The column a predicate tests (left, or right when the literal is on the left), flipping the operator. */
  private subject(e: Extract<SqlExpr, { kind: "compare" | "between" | "in" | "like" }>): { target: Target; op: CompareOp | null; literal: SqlExpr | null } | null {
    if (e.kind === "compare") {
      if (e.left.kind === "column") return { target: this.scope.resolve(e.left), op: e.op, literal: e.right };
      if (e.right.kind === "column" && e.left.kind !== "call") return { target: this.scope.resolve(e.right), op: flip(e.op), literal: e.left };
      return null;
    }
    if (e.arg.kind === "column") return { target: this.scope.resolve(e.arg), op: null, literal: null };
    return null;
  }

  private predicate(e: Extract<SqlExpr, { kind: "compare" | "between" | "in" | "like" }>): Cond {
    const datepart = this.datePartOf(e);
    if (datepart) return datepart;
    const side = this.subject(e);
    if (side === null) {
      if (e.kind === "compare") {
        throw this.scope.error(e.at, `a comparison needs a column on one side, found ${describeExpr(e.left)} and ${describeExpr(e.right)}`);
      }
      throw this.scope.error(e.arg.at, `expected a column, found ${describeExpr(e.arg)}`);
    }
    const { target } = side;
    if (e.kind === "compare" && side.literal?.kind === "column" && !side.literal.doubleQuoted) {
      throw this.scope.error(side.literal.at, "comparing two columns is not supported; compare a column with a literal");
    }
    switch (target.kind) {
      case "entity-id":
        return { op: "id", test: this.test(e, (lit) => this.scope.idValue(lit), "text") };
      case "score":
        throw this.scope.error(e.at, "score cannot be filtered in WHERE");
      case "attr":
        return { op: "attr", col: target.col, test: this.valueTest(e, target.col) };
      case "event-value":
      case "event-date":
        throw new Error("unreachable: event pieces are fused by chain()");
    }
  }

  private isNull(e: Extract<SqlExpr, { kind: "is-null" }>): Cond {
    if (e.arg.kind !== "column") throw this.scope.error(e.arg.at, `IS NULL needs a column, found ${describeExpr(e.arg)}`);
    const t = this.scope.resolve(e.arg);
    let has: Cond;
    if (t.kind === "attr" || t.kind === "event-value" || t.kind === "event-date") has = { op: "has", col: t.col };
    else if (t.kind === "entity-id") has = { op: "all" };
    else throw this.scope.error(e.at, "score cannot be filtered in WHERE");
    return e.negated ? has : { op: "not", arg: has };
  }

  /** DATEPART('dd', col) <op> n: a test on the column's day/month/year, decided at the edge. */
  private datePartOf(e: Extract<SqlExpr, { kind: "compare" | "between" | "in" | "like" }>): Cond | null {
    let call: SqlExpr | null = null;
    let flipped = false;
    if (e.kind === "compare") {
      if (e.left.kind === "call") call = e.left;
      else if (e.right.kind === "call") {
        call = e.right;
        flipped = true;
      }
    } else if (e.arg.kind === "call") call = e.arg;
    if (call === null || call.kind !== "call") return null;
    const { col, part } = this.datePartCall(call);
    const number = (lit: SqlExpr): Scalar => {
      const v = this.scope.literal(lit);
      const n = typeof v === "number" ? v : Number(String(v).trim());
      if (!Number.isFinite(n) || String(v).trim() === "") throw this.scope.error(lit.at, `DATEPART compares with a number, found ${this.scope.show(lit)}`);
      return n;
    };
    let test: ValueTest;
    if (e.kind === "compare") {
      const op = flipped ? flip(e.op) : e.op;
      test = compareTest(op, number(flipped ? e.left : e.right));
    } else if (e.kind === "like") {
      throw this.scope.error(e.at, "LIKE cannot be applied to DATEPART(...)");
    } else test = this.test(e, number, "number");
    return { op: "datepart", col, part, test };
  }

  /** Validates DATEPART(part, col) or YEAR(col)-style calls: the part as 'dd' or dd, the column a date/datetime attribute. */
  datePartCall(call: Extract<SqlExpr, { kind: "call" }>): { col: ColumnDef; part: DatePart } {
    const named = PART_FUNCTIONS[call.name];
    if (named !== undefined) {
      const colArg = call.args[0];
      if (call.args.length !== 1 || colArg === undefined) throw this.scope.error(call.at, `${call.name} takes one column: ${call.name}(column)`);
      return { col: this.dateColumn(colArg, call.name), part: named };
    }
    if (call.name === "DATE_TRUNC" || call.name === "TRUNC" || call.name === "DATE_FORMAT" || call.name === "EXTRACT") {
      throw this.scope.error(
        call.at,
        `${call.name}(...) is not supported: compare or group by parts of a date with DATEPART('yy' | 'mm' | 'dd' | 'hh', column) or YEAR(column), MONTH(column), DAY(column), or bucket events by day with GROUP BY INTERVAL([col.date]) = 'days'`,
      );
    }
    if (call.name !== "DATEPART") {
      throw this.scope.error(call.at, `unsupported function ${call.name}(...) (supported: COUNT, AVG, MIN, MAX, SUM, DATEPART, YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, NOW)`);
    }
    const [partArg, colArg] = call.args;
    if (call.args.length !== 2 || partArg === undefined || colArg === undefined) {
      throw this.scope.error(call.at, "DATEPART takes two arguments: DATEPART('dd' | 'mm' | 'yy', column)");
    }
    const partText = partArg.kind === "string" ? partArg.value : partArg.kind === "column" && partArg.parts.length === 1 ? partArg.parts[0]! : null;
    const part = partText === null ? undefined : DATE_PARTS[partText.toLowerCase()];
    if (part === undefined) throw this.scope.error(partArg.at, `unknown DATEPART unit ${describeExpr(partArg)} (use 'yy', 'mm', 'dd', 'hh', 'mi', 'ss', ...)`);
    return { col: this.dateColumn(colArg, "DATEPART"), part };
  }

  /** The date or datetime attribute column a date-part function reads. */
  private dateColumn(colArg: SqlExpr, fn: string): ColumnDef {
    if (colArg.kind !== "column") throw this.scope.error(colArg.at, `${fn} needs a column, found ${describeExpr(colArg)}`);
    const t = this.scope.resolve(colArg);
    if (t.kind !== "attr" || valueKindOf(t.col.type) !== "time") {
      throw new ApiError("QUERY_COLUMN_USAGE", `SQL: ${fn} needs a date or datetime column, ${t.key} is not one at ${this.scope.where(colArg.at)}`);
    }
    return t.col;
  }

  /** The ValueTest of a predicate on a column's values. */
  private valueTest(e: Extract<SqlExpr, { kind: "compare" | "between" | "in" | "like" }>, col: ColumnDef): ValueTest {
    return this.test(e, (lit) => this.scope.valueFor(col, lit), valueKindOf(col.type), col);
  }

  private test(e: Extract<SqlExpr, { kind: "compare" | "between" | "in" | "like" }>, value: (lit: SqlExpr) => Scalar, kind: string, col?: ColumnDef): ValueTest {
    switch (e.kind) {
      case "compare": {
        const side = e.left.kind === "column" ? { op: e.op, lit: e.right } : { op: flip(e.op), lit: e.left };
        return compareTest(side.op, value(side.lit));
      }
      case "between": {
        const t: ValueTest = { op: "range", min: value(e.low), max: value(e.high), minInclusive: true, maxInclusive: true };
        return e.negated ? { op: "not", test: t } : t;
      }
      case "in": {
        const t: ValueTest = { op: "in", values: e.list.map(value) };
        return e.negated ? { op: "not", test: t } : t;
      }
      case "like": {
        if (kind !== "text") {
          throw new ApiError("QUERY_TEXT_ON_NUMERIC", `SQL: LIKE needs a text column${col ? `, ${col.apiName} is ${col.type}` : ""} at ${this.scope.where(e.at)}`);
        }
        const t = this.likeTest(e.pattern, col !== undefined);
        return e.negated ? { op: "not", test: t } : t;
      }
    }
  }

  /** LIKE '%x%' → contains, 'x%' → starts-with, '%x' → ends-with, 'x' → equals (`_` is literal). */
  private likeTest(pattern: SqlExpr, foldCase: boolean): ValueTest {
    if (pattern.kind !== "string") throw this.scope.error(pattern.at, `LIKE needs a quoted pattern, found ${describeExpr(pattern)}`);
    const raw = foldCase ? pattern.value.toLowerCase() : pattern.value;
    const lead = raw.startsWith("%");
    const trail = raw.length > 1 && raw.endsWith("%");
    const core = raw.slice(lead ? 1 : 0, trail ? raw.length - 1 : raw.length);
    if (core.includes("%")) {
      throw this.scope.error(pattern.at, `LIKE pattern '${pattern.value}' has % inside; only a leading and/or trailing % is supported`);
    }
    if (lead && trail) return { op: "contains", value: core };
    if (lead) return { op: "ends-with", value: core };
    if (trail) return { op: "starts-with", value: core };
    return { op: "eq", value: core };
  }

  /** The window a predicate on [ev.date] selects (bounds inclusive; relative tokens resolved against now). */
  private dateWindow(e: Extract<SqlExpr, { kind: "compare" | "between" | "in" | "like" }>, col: ColumnDef): Window {
    const instant = (lit: SqlExpr): number => {
      const ms = this.scope.instantOf(lit);
      if (ms === null) throw this.scope.error(lit.at, `a date must be quoted ('YYYY-MM-DD') or NOW(), CURRENT_DATE, ... ± INTERVAL, found ${describeExpr(lit)}`);
      return ms;
    };
    if (e.kind === "between") {
      if (e.negated) throw this.scope.error(e.at, `NOT BETWEEN is not supported on ${col.apiName}.date`);
      if (e.low.kind === "string" && e.high.kind === "string") {
        // Quoted bounds read like the JSON `between`: a relative token ('-1d') applies to the other bound.
        const w = resolveWindow([e.low.value, e.high.value], this.scope.now);
        if ("error" in w) throw this.scope.error(e.low.at, `invalid date in BETWEEN ('${w.text}'); use 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM:SS[Z]'`);
        return w;
      }
      const [a, b] = [instant(e.low), instant(e.high)];
      return { from: Math.min(a, b), to: Math.max(a, b) }; // like the JSON `between`, bounds may come in either order
    }
    if (e.kind === "compare") {
      const side = e.left.kind === "column" ? { op: e.op, lit: e.right } : { op: flip(e.op), lit: e.left };
      const t = instant(side.lit);
      switch (side.op) {
        case "=":
          return { from: t, to: t };
        case ">=":
          return { from: t, to: TIME_MAX };
        case ">":
          return { from: t + 1, to: TIME_MAX };
        case "<=":
          return { from: TIME_MIN, to: t };
        case "<":
          return { from: TIME_MIN, to: t - 1 };
        case "!=":
          throw this.scope.error(e.at, `!= is not supported on ${col.apiName}.date; use BETWEEN, <, <=, >, >=`);
      }
    }
    throw this.scope.error(e.at, `${e.kind.toUpperCase()} is not supported on ${col.apiName}.date; use BETWEEN, <, <=, >, >=`);
  }
}

function flattenAnd(e: SqlExpr): SqlExpr[] {
  return e.kind === "and" ? e.args.flatMap(flattenAnd) : [e];
}

function flip(op: CompareOp): CompareOp {
  switch (op) {
    case "<":
      return ">";
    case "<=":
      return ">=";
    case ">":
      return "<";
    case ">=":
      return "<=";
    default:
      return op;
  }
}

export function compareTest(op: CompareOp, v: Scalar): ValueTest {
  switch (op) {
    case "=":
      return { op: "eq", value: v };
    case "!=":
      return { op: "ne", value: v };
    case "<":
      return { op: "range", min: null, max: v, minInclusive: false, maxInclusive: false };
    case "<=":
      return { op: "range", min: null, max: v, minInclusive: false, maxInclusive: true };
    case ">":
      return { op: "range", min: v, max: null, minInclusive: false, maxInclusive: false };
    case ">=":
      return { op: "range", min: v, max: null, minInclusive: true, maxInclusive: false };
  }
}

export function intersect(a: Window, b: Window): Window {
  return { from: Math.max(a.from, b.from), to: Math.min(a.to, b.to) };
}

export function and(args: Cond[]): Cond {
  const flat = args.flatMap((a) => (a.op === "and" ? a.args : a.op === "all" ? [] : [a]));
  if (flat.length === 0) return { op: "all" };
  return flat.length === 1 ? flat[0]! : { op: "and", args: flat };
}

/** True when the condition has a leaf only the edge can decide. */
export function needsEdge(c: Cond): boolean {
  switch (c.op) {
    case "and":
    case "or":
      return c.args.some(needsEdge);
    case "not":
      return needsEdge(c.arg);
    case "datepart":
      return true;
    default:
      return false;
  }
}

/**
 * The plan Expr for a condition. Exact unless DATEPART leaves are present; those become a superset
 * (`has col` where the leaf counts positively, `all` under an odd number of NOTs) and the edge
 * re-checks every entity with evalCond.
 */
export function toShardExpr(c: Cond, positive = true): Expr {
  switch (c.op) {
    case "and":
      return { op: "and", args: c.args.map((a) => toShardExpr(a, positive)) };
    case "or":
      return { op: "or", args: c.args.map((a) => toShardExpr(a, positive)) };
    case "not":
      return needsEdge(c.arg) ? { op: "all" } : { op: "not", arg: toShardExpr(c.arg, !positive) };
    case "all":
      return { op: "all" };
    case "none":
      return { op: "not", arg: { op: "all" } };
    case "id":
      return { op: "id", test: c.test };
    case "attr":
      return { op: "attr", col: columnRef(c.col), test: c.test };
    case "has":
      return { op: "has", col: columnRef(c.col) };
    case "events":
      return { op: "events", terms: c.terms.map((t) => ({ col: columnRef(t.col), test: t.test, window: t.window })), minfreq: c.minfreq };
    case "datepart":
      return positive ? { op: "has", col: columnRef(c.col) } : { op: "all" };
  }
}

/** Columns the edge needs to evaluate `c`: attribute columns and event columns (all-time events). */
export function condColumns(c: Cond, attrs: Map<number, ColumnDef>, events: Map<number, ColumnDef>): void {
  switch (c.op) {
    case "and":
    case "or":
      c.args.forEach((a) => condColumns(a, attrs, events));
      return;
    case "not":
      condColumns(c.arg, attrs, events);
      return;
    case "attr":
    case "datepart":
      attrs.set(c.col.id, c.col);
      return;
    case "has":
      (isEventType(c.col.type) ? events : attrs).set(c.col.id, c.col);
      return;
    case "events":
      for (const t of c.terms) events.set(t.col.id, t.col);
      return;
    default:
      return;
  }
}

/**
 * The entity's score under `c` (plan.ts rules: a true leaf or AND scores 1, OR sums its true
 * alternatives, NOT scores 1 when true); 0 means the entity does not match.
 */
export function evalCond(c: Cond, rec: EntityRecord): number {
  switch (c.op) {
    case "and":
      return c.args.every((a) => evalCond(a, rec) > 0) ? 1 : 0;
    case "or":
      return c.args.reduce((s, a) => s + evalCond(a, rec), 0);
    case "not":
      return evalCond(c.arg, rec) > 0 ? 0 : 1;
    case "all":
      return 1;
    case "none":
      return 0;
    case "id":
      return passes(c.test, rec.id) ? 1 : 0;
    case "attr":
      return (rec.attrs.get(c.col.id) ?? []).some((cell) => passes(c.test, cell.v)) ? 1 : 0;
    case "has":
      return (rec.attrs.get(c.col.id)?.length ?? 0) > 0 || (rec.events.get(c.col.id)?.length ?? 0) > 0 ? 1 : 0;
    case "events": {
      let n = 0;
      for (const t of c.terms) {
        for (const ev of rec.events.get(t.col.id) ?? []) {
          if ((t.window === null || (ev.t >= t.window.from && ev.t <= t.window.to)) && (t.test === null || passes(t.test, ev.v))) n++;
        }
      }
      return n >= c.minfreq ? 1 : 0;
    }
    case "datepart":
      return (rec.attrs.get(c.col.id) ?? []).some((cell) => typeof cell.v === "number" && passes(c.test, datePart(c.part, cell.v))) ? 1 : 0;
  }
}
