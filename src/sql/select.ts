// SELECT → CompiledQuery: WHERE becomes the shards' Expr; plain COUNT(*) runs as count-entity, the
// rest as one `extract` of the matching entities (only the columns read) with rows computed at the
// edge by group.ts (API.md §7.12.2). HAVING is split into event windows, minfreq, group filters, WHERE.

import { isEventType, valueKindOf, type ColumnDef } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import { SQL_EXTRACT_ROWS_MAX } from "../../contract/limits";
import type { ExtractColumn, ExtractQuery, OrderKey, ShardAnswer, ShardQuery, Window } from "../../contract/plan";
import type { CompiledQuery, MergeContext } from "../query/compiled";
import { float } from "../query/json";
import { firstAsk, pageFollowUp } from "../query/page-rounds";
import { answersOfKind, approximation, scaleCount } from "../query/merge/shards";
import type { AggregateName, CompareOp, SelectStatement, SqlExpr } from "./ast";
import { and, CondCompiler, condColumns, evalCond, intersect, needsEdge, toShardExpr, type Cond, type CondTerm } from "./conditions";
import { buildRows, type AggArg, type GroupPredicate, type IntervalUnit, type KeySpec, type Projection, type RowPlan } from "./group";
import { attrColumn, eventColumn, recordOf, type EntityRecord, type EventCell, type OutValue } from "./records";
import { describeExpr, type Scope, type Target } from "./resolve";
import { passes } from "../../contract/value-test";

type Mode = "aggregate" | "group" | "entity";

const INTERVAL_UNITS: Record<string, IntervalUnit> = {
  minute: "minute",
  minutes: "minute",
  hour: "hour",
  hours: "hour",
  day: "day",
  days: "day",
  week: "week",
  weeks: "week",
  month: "month",
  months: "month",
  year: "year",
  years: "year",
};

interface CountBound {
  col: ColumnDef;
  op: CompareOp;
  n: number;
}

export function compileSelect(stmt: SelectStatement, scope: Scope): CompiledQuery {
  return new SelectCompiler(stmt, scope).compile();
}

function flattenAnd(e: SqlExpr): SqlExpr[] {
  return e.kind === "and" ? e.args.flatMap(flattenAnd) : [e];
}

function containsAggregate(e: SqlExpr): boolean {
  switch (e.kind) {
    case "aggregate":
      return true;
    case "compare":
      return containsAggregate(e.left) || containsAggregate(e.right);
    case "between":
      return containsAggregate(e.arg) || containsAggregate(e.low) || containsAggregate(e.high);
    case "in":
      return containsAggregate(e.arg) || e.list.some(containsAggregate);
    case "like":
    case "is-null":
      return containsAggregate(e.arg);
    case "and":
    case "or":
      return e.args.some(containsAggregate);
    case "not":
      return containsAggregate(e.arg);
    case "call":
      return e.args.some(containsAggregate);
    case "case":
      return e.whens.some((w) => containsAggregate(w.cond) || containsAggregate(w.result)) || (e.otherwise !== null && containsAggregate(e.otherwise));
    default:
      return false;
  }
}

function literalOut(e: SqlExpr): OutValue | undefined {
  switch (e.kind) {
    case "string":
      return e.value;
    case "number":
      return /[.eE]/.test(e.text) ? float(e.value) : e.value;
    case "bool":
      return e.value;
    case "null":
      return null;
    default:
      return undefined;
  }
}

class SelectCompiler {
  private readonly windows = new Map<number, Window>();
  private readonly conds: CondCompiler;
  private mode: Mode = "entity";
  private keys: KeySpec[] | null = null;

  constructor(
    private readonly stmt: SelectStatement,
    private readonly scope: Scope,
  ) {
    this.conds = new CondCompiler(scope, { windows: this.windows });
  }

  compile(): CompiledQuery {
    const { stmt, scope } = this;
    // HAVING first: its windows apply to WHERE's event terms that have none of their own.
    const counts: CountBound[] = [];
    const groupFilters: SqlExpr[] = [];
    const entityFilters: SqlExpr[] = [];
    for (const conj of stmt.having ? flattenAnd(stmt.having) : []) {
      const piece = this.havingWindow(conj);
      if (piece) {
        const prev = this.windows.get(piece.col.id);
        this.windows.set(piece.col.id, prev ? intersect(prev, piece.window) : piece.window);
        continue;
      }
      const bound = this.countBound(conj);
      if (bound) counts.push(bound);
      else if (containsAggregate(conj)) groupFilters.push(conj);
      else entityFilters.push(conj);
    }

    let cond: Cond = and([...(stmt.where ? [this.conds.compile(stmt.where)] : []), ...entityFilters.map((e) => this.conds.compile(e))]);
    cond = this.applyCounts(cond, counts);
    const edge = needsEdge(cond);

    // Mode and keys.
    const items = stmt.items;
    const plainItems = items.filter((it) => it.kind === "star" || (it.kind === "expr" && it.expr.kind !== "aggregate" && literalOut(it.expr) === undefined));
    if (stmt.groupBy.length > 0) this.mode = "group";
    else if (plainItems.length === 0) this.mode = "aggregate";
    else this.mode = "entity";
    for (const it of items) {
      if (it.kind === "star") {
        if (it.qualifier !== null && !scope.namesFrom(it.qualifier)) {
          throw scope.error(it.at, `${it.qualifier}.* does not name the FROM dimension ${scope.dimension}`);
        }
        if (this.mode === "group") throw scope.error(it.at, "SELECT * cannot be combined with GROUP BY");
      } else if (it.expr.kind !== "aggregate" && containsAggregate(it.expr)) {
        throw scope.error(it.at, "aggregates inside expressions are not supported; use COUNT/AVG/MIN/MAX/SUM as a whole SELECT item");
      }
    }
    if (this.mode === "group") this.keys = stmt.groupBy.map((g) => this.groupKey(g));
    else if (this.mode === "entity") this.keys = [{ kind: "entity" }];

    // Items, with the output key rules of API.md §7.12.2.
    const fnCounts = new Map<AggregateName, number>();
    for (const it of items) if (it.kind === "expr" && it.alias === null && it.expr.kind === "aggregate") fnCounts.set(it.expr.name, (fnCounts.get(it.expr.name) ?? 0) + 1);
    const rowItems: RowPlan["items"] = [];
    let star: ColumnDef[] | null = null;
    for (const it of items) {
      if (it.kind === "star") {
        star = scope.schema
          .activeColumns(scope.dimension)
          .filter((c) => !isEventType(c.type))
          .sort((a, b) => (a.apiName < b.apiName ? -1 : 1));
        continue;
      }
      const value = this.projection(it.expr, true);
      rowItems.push({ key: it.alias ?? this.outputKey(it.expr, fnCounts), value });
    }

    const order = stmt.orderBy.map((o) => ({ value: this.orderProjection(o.expr, rowItems, stmt), dir: o.dir }));
    const having = groupFilters.length === 0 ? null : this.groupPredicate(groupFilters.length === 1 ? groupFilters[0]! : { kind: "and", args: groupFilters, at: groupFilters[0]!.at });

    const topTerms = new Map<number, CondTerm[]>();
    for (const leaf of cond.op === "and" ? cond.args : [cond]) {
      if (leaf.op !== "events") continue;
      for (const t of leaf.terms) topTerms.set(t.col.id, [...(topTerms.get(t.col.id) ?? []), t]);
    }
    const windows = this.windows;
    const eventFilter = (col: ColumnDef, ev: EventCell): boolean => {
      const w = windows.get(col.id);
      if (w && (ev.t < w.from || ev.t > w.to)) return false;
      const terms = topTerms.get(col.id);
      if (!terms) return true;
      return terms.some((t) => (t.window === null || (ev.t >= t.window.from && ev.t <= t.window.to)) && (t.test === null || passes(t.test, ev.v)));
    };

    const rowPlan: RowPlan = {
      keys: this.keys,
      items: rowItems,
      star,
      having,
      order,
      distinct: stmt.distinct,
      offset: stmt.offset?.value ?? 0,
      limit: stmt.limit?.value ?? null,
      eventFilter,
    };

    const signature = JSON.stringify({ cond, keys: this.keys, items: rowItems, star: star?.map((c) => c.id), having, order, d: stmt.distinct, o: rowPlan.offset, l: rowPlan.limit, w: [...windows] });

    // COUNT(*) / COUNT([entity-id]) alone: a count-entity query, no extraction.
    const countOnly = this.mode === "aggregate" && having === null && !edge && rowItems.every((i) => i.value.kind === "agg" && i.value.fn === "COUNT" && i.value.arg.kind === "entities");
    if (countOnly) return this.countQuery(cond, rowPlan, signature);
    return this.extractQuery(cond, edge, rowPlan, signature);
  }

  // ---------------------------------------------------------------------------------------------
  // HAVING

  /** `[ev.date] BETWEEN a AND b` (or <, <=, >, >=, =) in HAVING: the event window of that column. */
  private havingWindow(e: SqlExpr): { col: ColumnDef; window: Window } | null {
    if (e.kind !== "compare" && e.kind !== "between") return null;
    const subject = e.kind === "between" ? e.arg : e.left.kind === "column" ? e.left : e.right;
    if (subject.kind !== "column") return null;
    const t = this.scope.resolve(subject);
    if (t.kind !== "event-date") return null;
    const piece = this.conds.eventPiece(e);
    return piece && piece.window ? { col: piece.col, window: piece.window } : null;
  }

  /** `COUNT([ev.value]) <op> n` in HAVING: a bound on each entity's number of matching events. */
  private countBound(e: SqlExpr): CountBound | null {
    if (e.kind !== "compare") return null;
    let agg = e.left,
      lit = e.right,
      op = e.op;
    if (agg.kind !== "aggregate") {
      [agg, lit] = [e.right, e.left];
      op = op === "<" ? ">" : op === "<=" ? ">=" : op === ">" ? "<" : op === ">=" ? "<=" : op;
    }
    if (agg.kind !== "aggregate" || agg.name !== "COUNT" || agg.distinct || agg.arg === null || agg.arg.kind !== "column") return null;
    const t = this.scope.resolve(agg.arg);
    if (t.kind !== "event-value" && t.kind !== "event-date") return null;
    if (lit.kind !== "number" && lit.kind !== "string") throw this.scope.error(lit.at, `COUNT(${t.key}) compares with a number, found ${describeExpr(lit)}`);
    const n = typeof lit.value === "number" ? lit.value : Number(lit.value);
    if (!Number.isFinite(n)) throw this.scope.error(lit.at, `COUNT(${t.key}) compares with a number, found ${this.scope.show(lit)}`);
    return { col: t.col, op, n };
  }

  /** Folds HAVING COUNT bounds into the WHERE events leaves of their column (or adds a leaf). */
  private applyCounts(cond: Cond, counts: CountBound[]): Cond {
    const byCol = new Map<number, CountBound[]>();
    for (const b of counts) byCol.set(b.col.id, [...(byCol.get(b.col.id) ?? []), b]);
    for (const bounds of byCol.values()) {
      const col = bounds[0]!.col;
      let found = false;
      const walk = (c: Cond): Cond => {
        switch (c.op) {
          case "and":
          case "or":
            return { op: c.op, args: c.args.map(walk) };
          case "not":
            return { op: "not", arg: walk(c.arg) };
          case "events":
            if (c.terms.every((t) => t.col.id === col.id)) {
              found = true;
              return countCond(c.terms, bounds, 1);
            }
            return c;
          default:
            return c;
        }
      };
      cond = walk(cond);
      if (!found) cond = and([cond, countCond([{ col, test: null, window: this.windows.get(col.id) ?? null }], bounds, 0)]);
    }
    return cond;
  }

  private groupPredicate(e: SqlExpr): GroupPredicate {
    switch (e.kind) {
      case "and":
      case "or":
        return { op: e.kind, args: e.args.map((a) => this.groupPredicate(a)) };
      case "not":
        return { op: "not", arg: this.groupPredicate(e.arg) };
      case "compare":
        return { op: "compare", cmp: e.op, left: this.projection(e.left, true), right: this.projection(e.right, true) };
      case "between":
        return { op: "between", arg: this.projection(e.arg, true), low: this.projection(e.low, true), high: this.projection(e.high, true), negated: e.negated };
      case "in":
        return { op: "in", arg: this.projection(e.arg, true), list: e.list.map((x) => this.projection(x, true)), negated: e.negated };
      default:
        throw this.scope.error(e.at, `${describeExpr(e)} is not supported in HAVING with aggregates`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // keys, projections, order

  private groupKey(e: SqlExpr): KeySpec {
    if (e.kind === "number") {
      const item = this.stmt.items[e.value - 1];
      if (!item || item.kind !== "expr" || !Number.isInteger(e.value)) throw this.scope.error(e.at, `GROUP BY ${e.text} does not name a SELECT item`);
      return this.groupKey(item.expr);
    }
    if (e.kind === "column") {
      if (e.parts.length === 1) {
        const aliased = this.stmt.items.find((it) => it.kind === "expr" && it.alias !== null && it.alias.toLowerCase() === e.parts[0]!.toLowerCase());
        if (aliased && aliased.kind === "expr" && !(aliased.expr.kind === "column" && aliased.expr.parts.join(".") === e.parts[0])) {
          let isColumn = true;
          try {
            this.scope.resolve(e);
          } catch {
            isColumn = false;
          }
          if (!isColumn) return this.groupKey(aliased.expr);
        }
      }
      const t = this.scope.resolve(e);
      switch (t.kind) {
        case "entity-id":
          return { kind: "entity" };
        case "attr":
          return { kind: "attr", col: t.col };
        case "event-value":
          return { kind: "event-value", col: t.col };
        case "event-date":
          return { kind: "event-date", col: t.col };
        case "score":
          throw this.scope.error(e.at, "GROUP BY score is not supported");
      }
    }
    if (e.kind === "compare" && e.op === "=" && e.left.kind === "call" && e.left.name === "INTERVAL") {
      const call = e.left;
      const arg = call.args[0];
      if (call.args.length !== 1 || arg === undefined || arg.kind !== "column") {
        throw this.scope.error(call.at, "INTERVAL takes one column: GROUP BY INTERVAL([col.value]) = 'days'");
      }
      if (e.right.kind !== "string" || INTERVAL_UNITS[e.right.value.toLowerCase()] === undefined) {
        throw this.scope.error(e.right.at, `INTERVAL needs a unit: 'minutes', 'hours', 'days', 'weeks', 'months' or 'years', found ${describeExpr(e.right)}`);
      }
      const unit = INTERVAL_UNITS[e.right.value.toLowerCase()]!;
      const t = this.scope.resolve(arg);
      if (t.kind === "event-value" || t.kind === "event-date") return { kind: "interval", col: t.col, event: true, unit };
      if (t.kind === "attr" && valueKindOf(t.col.type) === "time") return { kind: "interval", col: t.col, event: false, unit };
      throw new ApiError("QUERY_COLUMN_USAGE", `SQL: INTERVAL needs an event column or a date column, ${t.key} is neither at ${this.scope.where(arg.at)}`);
    }
    if (e.kind === "call") {
      // DATEPART and YEAR(...)-style calls; any other function is answered by datePartCall's error.
      const { col, part } = this.conds.datePartCall(e);
      return { kind: "datepart", col, part };
    }
    throw this.scope.error(e.at, `GROUP BY ${describeExpr(e)} is not supported (use columns, [col.value] or INTERVAL([col.value]) = 'days')`);
  }

  /** A key index for a plain value in group mode; in entity mode event values become keys. */
  private keyIndex(spec: KeySpec, at: number, what: string): number {
    const keys = this.keys;
    const same = (k: KeySpec) => k.kind === spec.kind && ("col" in k && "col" in spec ? k.col.id === spec.col.id && (k.kind !== "datepart" || spec.kind !== "datepart" || k.part === spec.part) : true);
    const i = keys ? keys.findIndex(same) : -1;
    if (i >= 0) return i;
    if (this.mode === "entity" && keys && (spec.kind === "event-value" || spec.kind === "event-date")) {
      const other = keys.find((k) => (k.kind === "event-value" || k.kind === "event-date") && k.col.id !== spec.col.id);
      if (other && "col" in other) throw this.scope.error(at, `${what} and ${other.col.apiName} events cannot be listed in one query without aggregating one of them`);
      keys.push(spec);
      return keys.length - 1;
    }
    throw this.scope.error(at, `${what} must appear in GROUP BY or inside an aggregate`);
  }

  private projection(e: SqlExpr, allowAggregate: boolean): Projection {
    const lit = literalOut(e);
    if (lit !== undefined) return { kind: "literal", value: lit };
    switch (e.kind) {
      case "aggregate":
        if (!allowAggregate) throw this.scope.error(e.at, "aggregates are not allowed here");
        return { kind: "agg", fn: e.name, distinct: e.distinct, arg: this.aggArg(e) };
      case "column":
        return this.columnProjection(this.scope.resolve(e), e.at);
      case "call": {
        const { col, part } = this.conds.datePartCall(e);
        if (this.mode === "entity") return { kind: "datepart", col, part };
        return { kind: "key", index: this.keyIndex({ kind: "datepart", col, part }, e.at, "DATEPART(...)") };
      }
      case "case": {
        if (this.mode !== "entity") throw this.scope.error(e.at, "CASE is only supported in queries that return one row per entity");
        const whens = e.whens.map((w) => {
          const value = literalOut(w.result);
          if (value === undefined) throw this.scope.error(w.result.at, `THEN needs a literal value, found ${describeExpr(w.result)}`);
          return { cond: this.conds.compile(w.cond), value };
        });
        let otherwise: OutValue = null;
        if (e.otherwise) {
          const v = literalOut(e.otherwise);
          if (v === undefined) throw this.scope.error(e.otherwise.at, `ELSE needs a literal value, found ${describeExpr(e.otherwise)}`);
          otherwise = v;
        }
        return { kind: "case", whens, otherwise };
      }
      default:
        throw this.scope.error(e.at, `${describeExpr(e)} is not supported as a value here (conditions belong in WHERE or CASE WHEN)`);
    }
  }

  private columnProjection(t: Target, at: number): Projection {
    if (this.mode === "entity") {
      switch (t.kind) {
        case "entity-id":
          return { kind: "entity-id" };
        case "score":
          return { kind: "score" };
        case "attr":
          return { kind: "attr", col: t.col };
        case "event-value":
          return { kind: "key", index: this.keyIndex({ kind: "event-value", col: t.col }, at, t.key) };
        case "event-date":
          return { kind: "key", index: this.keyIndex({ kind: "event-date", col: t.col }, at, t.key) };
      }
    }
    if (t.kind === "score") throw this.scope.error(at, "score needs one row per entity (no GROUP BY, not only aggregates)");
    const spec: KeySpec = t.kind === "entity-id" ? { kind: "entity" } : t.kind === "attr" ? { kind: "attr", col: t.col } : { kind: t.kind, col: t.col };
    if (this.mode === "aggregate") throw this.scope.error(at, `${t.key} must appear in GROUP BY or inside an aggregate`);
    return { kind: "key", index: this.keyIndex(spec, at, t.key) };
  }

  private aggArg(e: Extract<SqlExpr, { kind: "aggregate" }>): AggArg {
    const arg = e.arg;
    if (arg === null) return { kind: "entities" };
    if (e.name === "COUNT" && (arg.kind === "number" || arg.kind === "string")) return { kind: "entities" };
    if (arg.kind !== "column") throw this.scope.error(arg.at, `${e.name} takes a column, found ${describeExpr(arg)}`);
    const t = this.scope.resolve(arg);
    const numeric = (col: ColumnDef) => {
      if ((e.name === "SUM" || e.name === "AVG") && valueKindOf(col.type) !== "number") {
        throw new ApiError("QUERY_METRIC_TYPE", `SQL: ${e.name} needs a numeric column, ${t.key} is ${col.type} at ${this.scope.where(arg.at)}`);
      }
    };
    switch (t.kind) {
      case "entity-id":
        if (e.name !== "COUNT") throw this.scope.error(arg.at, `${e.name}([entity-id]) is not supported; only COUNT counts entities`);
        return { kind: "entities" };
      case "score":
        throw this.scope.error(arg.at, `${e.name}(score) is not supported`);
      case "attr":
        numeric(t.col);
        return { kind: "attr", col: t.col };
      case "event-value":
        numeric(t.col);
        return { kind: "event-value", col: t.col };
      case "event-date":
        if (e.name === "SUM" || e.name === "AVG") throw new ApiError("QUERY_METRIC_TYPE", `SQL: ${e.name} cannot read event dates (${t.key}) at ${this.scope.where(arg.at)}`);
        return { kind: "event-date", col: t.col };
    }
  }

  /** COUNT / AVG / … for unaliased aggregates; COUNT_age-style names when one function repeats (HIST #77). */
  private outputKey(e: SqlExpr, fnCounts: Map<AggregateName, number>): string {
    switch (e.kind) {
      case "aggregate": {
        if ((fnCounts.get(e.name) ?? 0) < 2 || e.arg === null) return e.name;
        const argName = e.arg.kind === "column" ? this.scope.resolve(e.arg).key : describeExpr(e.arg);
        return `${e.name}${e.distinct ? "_DISTINCT" : ""}_${argName}`;
      }
      case "column":
        return this.scope.resolve(e).key;
      case "case":
        return "CASE";
      case "call":
        return e.name;
      case "string":
        return e.value;
      case "number":
        return e.text;
      default:
        return describeExpr(e);
    }
  }

  /** ORDER BY: an alias or output key, a 1-based item position, or any value valid in this mode. */
  private orderProjection(e: SqlExpr, items: RowPlan["items"], stmt: SelectStatement): Projection {
    if (e.kind === "number") {
      const item = items[e.value - 1];
      if (!item || !Number.isInteger(e.value)) throw this.scope.error(e.at, `ORDER BY ${e.text} does not name a SELECT item`);
      return item.value;
    }
    if (e.kind === "column" && e.parts.length === 1) {
      const name = e.parts[0]!;
      const aliased = stmt.items.findIndex((it) => it.kind === "expr" && it.alias !== null && it.alias.toLowerCase() === name.toLowerCase());
      if (aliased >= 0) {
        const idx = stmt.items.slice(0, aliased).filter((it) => it.kind === "expr").length;
        const item = items[idx];
        if (item) return item.value;
      }
      const byKey = items.find((i) => i.key === name) ?? items.find((i) => i.key.toLowerCase() === name.toLowerCase() && i.value.kind === "agg");
      if (byKey) return byKey.value;
    }
    return this.projection(e, true);
  }

  // ---------------------------------------------------------------------------------------------
  // plans

  private countQuery(cond: Cond, rowPlan: RowPlan, signature: string): CompiledQuery {
    const plan: ShardQuery = { kind: "count-entity", queries: [{ dimension: this.scope.dimension, expr: toShardExpr(cond) }] };
    return {
      planFor: () => plan,
      merge(answers: Array<ShardAnswer | null>, ctx: MergeContext): Record<string, unknown> {
        // The JSON endpoints' rule: extrapolate from the shards that answered, 4001 when none did.
        const counts = answersOfKind(answers, "count-entity");
        const approx = approximation(counts, ctx, "SQL COUNT");
        const n = scaleCount(
          counts.reduce((acc, a) => acc + (a?.counts[0] ?? 0), 0),
          approx,
        );
        const row: Record<string, OutValue> = {};
        for (const item of rowPlan.items) row[item.key] = n;
        const rows = [row].slice(rowPlan.offset, rowPlan.limit === null ? undefined : rowPlan.offset + rowPlan.limit);
        const body: Record<string, unknown> = { result: rows, count: rows.length, ...approx.flag };
        return body;
      },
      cacheKey: `sql:${JSON.stringify(plan)}|${signature}`,
    };
  }

  private extractQuery(cond: Cond, edge: boolean, rowPlan: RowPlan, signature: string): CompiledQuery {
    const attrs = new Map<number, ColumnDef>();
    const events = new Map<number, ColumnDef>();
    const allTime = new Set<number>(); // event columns a condition at the edge reads in full
    const needCond = (c: Cond) => {
      const ev = new Map<number, ColumnDef>();
      condColumns(c, attrs, ev);
      for (const [id, col] of ev) {
        events.set(id, col);
        allTime.add(id);
      }
    };
    if (edge) needCond(cond);
    let needScore = rowPlan.star !== null;
    const visit = (p: Projection) => {
      switch (p.kind) {
        case "score":
          needScore = true;
          return;
        case "attr":
        case "datepart":
          attrs.set(p.col.id, p.col);
          return;
        case "case":
          p.whens.forEach((w) => needCond(w.cond));
          return;
        case "agg":
          if (p.arg.kind === "attr") attrs.set(p.arg.col.id, p.arg.col);
          else if (p.arg.kind === "event-value" || p.arg.kind === "event-date") events.set(p.arg.col.id, p.arg.col);
          return;
        default:
          return;
      }
    };
    const visitPred = (g: GroupPredicate): void => {
      switch (g.op) {
        case "and":
        case "or":
          g.args.forEach(visitPred);
          return;
        case "not":
          visitPred(g.arg);
          return;
        case "compare":
          visit(g.left);
          visit(g.right);
          return;
        case "between":
          [g.arg, g.low, g.high].forEach(visit);
          return;
        case "in":
          [g.arg, ...g.list].forEach(visit);
          return;
      }
    };
    rowPlan.items.forEach((i) => visit(i.value));
    rowPlan.order.forEach((o) => visit(o.value));
    if (rowPlan.having) visitPred(rowPlan.having);
    for (const col of rowPlan.star ?? []) attrs.set(col.id, col);
    for (const k of rowPlan.keys ?? []) {
      if (k.kind === "entity") continue;
      if (k.kind === "event-value" || k.kind === "event-date" || (k.kind === "interval" && k.event)) events.set(k.col.id, k.col);
      else attrs.set(k.col.id, k.col);
    }

    const columns: ExtractColumn[] = [...[...attrs.values()].map(attrColumn), ...[...events.values()].map((col) => eventColumn(col, allTime.has(col.id) ? null : (this.windows.get(col.id) ?? null)))];

    // Plain per-entity projections with LIMIT push ORDER BY and LIMIT down to the shards; each shard
    // is first asked for about its share of the rows (query/page-rounds.ts), the rare one that runs
    // out asked again. Otherwise every shard hands over all its matches.
    const pushOrder = this.pushableOrder(rowPlan, edge);
    const wanted = pushOrder ? rowPlan.offset + (rowPlan.limit ?? 0) : SQL_EXTRACT_ROWS_MAX;
    const limit = pushOrder ? firstAsk(wanted, this.scope.schema.database.shards) : wanted;
    const plan: ExtractQuery = {
      kind: "extract",
      dimension: this.scope.dimension,
      expr: toShardExpr(cond),
      score: needScore && !edge,
      columns,
      order: pushOrder ?? [{ by: "entity-id", dir: "asc" }],
      offset: 0,
      limit,
    };
    const attrList = [...attrs.values()];
    const eventList = [...events.values()];
    return {
      planFor: () => plan,
      ...(pushOrder === null
        ? {}
        : {
            followUp: pageFollowUp(
              pushOrder,
              wanted,
              () => 0,
              (offset, rows): ExtractQuery => ({ ...plan, offset, limit: rows }),
            ),
          }),
      merge(answers: Array<ShardAnswer | null>, ctx: MergeContext): Record<string, unknown> {
        if (ctx.missingShards.length > 0) {
          throw new ApiError("SHARDS_UNAVAILABLE", `no copy of shard(s) ${ctx.missingShards.join(", ")} answered; the SQL result would be incomplete`);
        }
        const records: EntityRecord[] = [];
        for (const a of answers) {
          if (a === null) continue;
          if (a.kind !== "extract") throw new ApiError("INTERNAL", `SQL extract: unexpected ${a.kind} answer`);
          if (!pushOrder && a.matched > a.rows.length) {
            throw new ApiError(
              "QUERY_LIMIT_TOO_BIG",
              `SQL: this SELECT is computed over every matching entity, and one shard holds ${a.matched} of them (at most ${SQL_EXTRACT_ROWS_MAX}); narrow the WHERE clause`,
            );
          }
          for (const row of a.rows) records.push(recordOf(row, attrList, eventList));
        }
        records.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
        let matched = records;
        if (edge) {
          matched = [];
          for (const rec of records) {
            rec.score = evalCond(cond, rec);
            if (rec.score > 0) matched.push(rec);
          }
        }
        const rows = buildRows(matched, rowPlan);
        return { result: rows, count: rows.length };
      },
      cacheKey: `sql:${JSON.stringify(plan)}|${signature}`,
    };
  }

  /** The shard order for a plain per-entity SELECT with LIMIT, or null when the edge must see every entity. */
  private pushableOrder(rowPlan: RowPlan, edge: boolean): OrderKey[] | null {
    if (this.mode !== "entity" || edge || rowPlan.distinct || rowPlan.limit === null || rowPlan.having !== null) return null;
    if (rowPlan.offset + rowPlan.limit > SQL_EXTRACT_ROWS_MAX) return null; // then the edge sees everything (or refuses)
    if (rowPlan.keys === null || rowPlan.keys.length !== 1) return null; // event values listed per row
    if (rowPlan.items.some((i) => i.value.kind === "agg")) return null;
    const order: OrderKey[] = [];
    for (const o of rowPlan.order) {
      const p = o.value;
      if (p.kind === "entity-id") order.push({ by: "entity-id", dir: o.dir });
      else if (p.kind === "score") order.push({ by: "score", dir: o.dir });
      else if (p.kind === "attr" && p.col.storage === "latest-value") order.push({ by: "column", col: { id: p.col.id, type: p.col.type, storage: p.col.storage }, dir: o.dir });
      else if (p.kind === "literal") continue;
      else return null;
    }
    order.push({ by: "entity-id", dir: "asc" });
    return order;
  }
}

/**
 * Entities whose matching events (summed over `terms`) satisfy every bound, as an Expr-able Cond:
 * count >= L is events(minfreq L), count <= U is not events(minfreq U + 1). `atLeast` is the
 * floor the WHERE predicate already implied (1 when the bound refines an existing event predicate).
 */
function countCond(terms: CondTerm[], bounds: CountBound[], atLeast: number): Cond {
  let lower = atLeast;
  let upper = Infinity;
  const excluded: number[] = [];
  for (const b of bounds) {
    switch (b.op) {
      case ">":
        lower = Math.max(lower, Math.floor(b.n) + 1);
        break;
      case ">=":
        lower = Math.max(lower, Math.ceil(b.n));
        break;
      case "<":
        upper = Math.min(upper, Math.ceil(b.n) - 1);
        break;
      case "<=":
        upper = Math.min(upper, Math.floor(b.n));
        break;
      case "=":
        if (!Number.isInteger(b.n)) return { op: "none" };
        lower = Math.max(lower, b.n);
        upper = Math.min(upper, b.n);
        break;
      case "!=":
        if (Number.isInteger(b.n) && b.n >= 0) excluded.push(b.n);
        break;
    }
  }
  if (lower > upper || upper < 0) return { op: "none" };
  const atLeastN = (n: number): Cond => (n <= 0 ? { op: "all" } : { op: "events", terms, minfreq: n });
  const parts: Cond[] = [];
  if (lower >= 1) parts.push(atLeastN(lower));
  if (upper !== Infinity) parts.push({ op: "not", arg: atLeastN(upper + 1) });
  for (const n of excluded) parts.push({ op: "not", arg: and([atLeastN(n), { op: "not", arg: atLeastN(n + 1) }]) });
  return and(parts);
}
