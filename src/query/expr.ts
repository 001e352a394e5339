// The JSON boolean query language (API.md §6) → plan Expr: operand/operator lists with not > and > or
// precedence (left to right, any case), predicate objects on attribute, event and entity-id columns,
// and freqgroup objects. Column names resolve in one dimension; all dates resolve against `now`.

import type { ColumnDef } from "../../contract/columns";
import { ENTITY_ID_COLUMN, columnRef, isEventType, valueKindOf } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import { QUERY_DEPTH_MAX, QUERY_PREDICATES_MAX } from "../../contract/limits";
import type { EventTerm, Expr, ValueTest } from "../../contract/plan";
import type { SchemaIndex } from "../../contract/schema";
import { isObject, rejectUnknownKeys, show, type JsonObject } from "./body";
import { parseWindow } from "./between";
import { allOf, canonicalPredicate, valueTest, type ValuePredicate } from "./predicates";

export interface ExprContext {
  schema: SchemaIndex;
  dimension: string;
  now: number;
}

/** Compiles a §6 query (a list; a lone predicate object is accepted as a one-item list). */
export function compileQuery(raw: unknown, ctx: ExprContext): Expr {
  const c = new Compiler(ctx);
  if (isObject(raw)) return c.operand(raw, 1);
  if (!Array.isArray(raw)) throw new ApiError("QUERY_INVALID_FORMAT", `a query must be a list of predicates and operators, got ${show(raw)}`);
  return c.list(raw, 1);
}

/** The column `name` of the context's dimension, or error 85 naming column and dimension. */
export function lookupColumn(name: string, ctx: ExprContext): ColumnDef {
  const col = ctx.schema.column(ctx.dimension, name);
  if (!col) throw new ApiError("QUERY_UNKNOWN_COLUMN", `column "${name}" does not exist in dimension "${ctx.dimension}"`);
  return col;
}

/** Splits `{column: {predicates}}` into its single column name and predicate object (errors 108). */
export function splitPredicateObject(obj: JsonObject): { name: string; preds: JsonObject } {
  const keys = Object.keys(obj);
  if (keys.length !== 1) {
    throw new ApiError("QUERY_INVALID_FORMAT", keys.length === 0 ? "empty predicate object" : `a predicate object names exactly one column; got ${keys.map((k) => `"${k}"`).join(", ")}`);
  }
  const name = keys[0]!;
  const preds = obj[name];
  if (!isObject(preds) || Object.keys(preds).length === 0) {
    throw new ApiError("QUERY_INVALID_FORMAT", `the predicates of "${name}" must be a non-empty object such as {"equals": ...}, got ${show(preds)}`);
  }
  return { name, preds };
}

/**
 * One event-column predicate object → one EventTerm plus its minfreq (default 1): equals, not-equals,
 * range/comparisons, text predicates, between and minfreq all combine into the same term.
 */
export function compileEventTerm(col: ColumnDef, preds: JsonObject, ctx: ExprContext, opts: { minfreq: boolean }): { term: EventTerm; minfreq: number; hasWindow: boolean } {
  const tests: ValueTest[] = [];
  let window: EventTerm["window"] = null;
  let minfreq = 1;
  for (const [key, arg] of Object.entries(preds)) {
    const p = knownPredicate(key, col.apiName);
    if (p === "between") window = parseWindow(arg, ctx.now, `column "${col.apiName}"`);
    else if (p === "minfreq") {
      if (!opts.minfreq) throw new ApiError("QUERY_PARAMETER_USAGE", `minfreq is not allowed here (column "${col.apiName}")`);
      if (typeof arg !== "number" || !Number.isInteger(arg) || arg < 1) {
        throw new ApiError("QUERY_INVALID_MINFREQ", `minfreq on column "${col.apiName}" must be an integer of at least 1, got ${show(arg)}`);
      }
      minfreq = arg;
    } else tests.push(valueTest({ kind: "column", col }, p, arg, ctx.now));
  }
  return { term: { col: columnRef(col), test: allOf(tests), window }, minfreq, hasWindow: window !== null };
}

function knownPredicate(key: string, column: string): ValuePredicate | "between" | "minfreq" {
  const p = canonicalPredicate(key);
  if (p === null) {
    throw new ApiError(
      "QUERY_INVALID_PREDICATE",
      `unknown predicate "${key}" on "${column}"; use equals, not-equals, range, gt, gte, lt, lte, starts-with, ends-with, contains, not-contains, between or minfreq`,
    );
  }
  return p;
}

class Compiler {
  private predicates = 0;
  constructor(private readonly ctx: ExprContext) {}

  list(items: unknown[], depth: number): Expr {
    if (depth > QUERY_DEPTH_MAX) throw new ApiError("QUERY_DEPTH", `the query nests deeper than ${QUERY_DEPTH_MAX} levels`, { max: QUERY_DEPTH_MAX });
    if (items.length === 0) throw new ApiError("QUERY_INCOMPLETE", "empty query list: expected at least one predicate");
    const orGroups: Expr[][] = [[]];
    let i = 0;
    for (;;) {
      // Operand position: any number of "not", then one operand.
      let negations = 0;
      let item = items[i];
      while (isOperator(item, "not")) {
        negations++;
        i++;
        if (i >= items.length) throw new ApiError("QUERY_INCOMPLETE", `"not" at the end of a list has nothing to negate`);
        item = items[i];
      }
      if (typeof item === "string") {
        const op = item.toLowerCase();
        if (op === "and" || op === "or") {
          throw new ApiError("QUERY_OPERATOR_USAGE", `"${item}" at position ${i + 1} must sit between two operands`);
        }
        throw new ApiError("QUERY_INVALID_OPERATOR", `"${item}" is not an operator; use "and", "or" or "not"`);
      }
      let e = this.operand(item, depth);
      for (let n = 0; n < negations; n++) e = { op: "not", arg: e };
      orGroups[orGroups.length - 1]!.push(e);
      i++;
      if (i >= items.length) break;
      // Operator position.
      const op = items[i];
      if (typeof op !== "string") {
        throw new ApiError("QUERY_MISSING_OPERATOR", `two operands without "and"/"or" between them (position ${i + 1})`);
      }
      const lower = op.toLowerCase();
      if (lower === "or") orGroups.push([]);
      else if (lower === "not") throw new ApiError("QUERY_OPERATOR_USAGE", `"not" at position ${i + 1} must start an operand; put "and" or "or" before it`);
      else if (lower !== "and") throw new ApiError("QUERY_INVALID_OPERATOR", `"${op}" is not an operator; use "and", "or" or "not"`);
      i++;
      if (i >= items.length) throw new ApiError("QUERY_INCOMPLETE", `"${op}" at the end of a list has no right operand`);
    }
    const ands = orGroups.map((g) => combine("and", g));
    return combine("or", ands);
  }

  operand(item: unknown, depth: number): Expr {
    if (Array.isArray(item)) return this.list(item, depth + 1);
    if (!isObject(item)) throw new ApiError("QUERY_INVALID_FORMAT", `a query item must be a predicate object, a list or an operator, got ${show(item)}`);
    if ("freqgroup" in item) return this.freqgroup(item, depth + 1);
    return this.predicateObject(item);
  }

  private count(): void {
    if (++this.predicates > QUERY_PREDICATES_MAX) {
      throw new ApiError("QUERY_COLUMN_LIMIT", `the query has more than ${QUERY_PREDICATES_MAX} predicates`, { max: QUERY_PREDICATES_MAX });
    }
  }

  private predicateObject(obj: JsonObject): Expr {
    this.count();
    const { name, preds } = splitPredicateObject(obj);
    if (name === ENTITY_ID_COLUMN) return this.entityId(preds);
    const col = lookupColumn(name, this.ctx);
    if (isEventType(col.type)) {
      const { term, minfreq } = compileEventTerm(col, preds, this.ctx, { minfreq: true });
      return { op: "events", terms: [term], minfreq };
    }
    const tests: ValueTest[] = [];
    for (const [key, arg] of Object.entries(preds)) {
      const p = knownPredicate(key, name);
      if (p === "minfreq") throw new ApiError("QUERY_EVENT_USAGE", `minfreq works only on event columns; "${name}" is ${col.type}`);
      if (p === "between") {
        // A window on a date/datetime attribute is an inclusive range; other attributes have no time.
        if (valueKindOf(col.type) !== "time") throw new ApiError("QUERY_EVENT_USAGE", `between works only on event and date columns; "${name}" is ${col.type}`);
        const w = parseWindow(arg, this.ctx.now, `column "${name}"`);
        tests.push({ op: "range", min: w.from, max: w.to, minInclusive: true, maxInclusive: true });
      } else tests.push(valueTest({ kind: "column", col }, p, arg, this.ctx.now));
    }
    return { op: "attr", col: columnRef(col), test: allOf(tests)! };
  }

  private entityId(preds: JsonObject): Expr {
    const tests: ValueTest[] = [];
    for (const [key, arg] of Object.entries(preds)) {
      const p = knownPredicate(key, ENTITY_ID_COLUMN);
      if (p === "between" || p === "minfreq") throw new ApiError("QUERY_EVENT_USAGE", `${p} does not apply to entity-id`);
      tests.push(valueTest({ kind: "entity-id" }, p, arg, this.ctx.now));
    }
    return { op: "id", test: allOf(tests)! };
  }

  private freqgroup(obj: JsonObject, depth: number): Expr {
    if (depth > QUERY_DEPTH_MAX) throw new ApiError("QUERY_DEPTH", `the query nests deeper than ${QUERY_DEPTH_MAX} levels`, { max: QUERY_DEPTH_MAX });
    rejectUnknownKeys(obj, ["freqgroup", "minfreq"], "a freqgroup object");
    const members = obj["freqgroup"];
    if (!Array.isArray(members) || members.length === 0) {
      throw new ApiError("QUERY_INVALID_FORMAT", `freqgroup must be a non-empty list of event predicate objects, got ${show(members)}`);
    }
    let minfreq = 1;
    if (obj["minfreq"] !== undefined) {
      const m = obj["minfreq"];
      if (typeof m !== "number" || !Number.isInteger(m) || m < 1) throw new ApiError("QUERY_INVALID_MINFREQ", `freqgroup minfreq must be an integer of at least 1, got ${show(m)}`);
      minfreq = m;
    }
    const terms: EventTerm[] = members.map((m) => {
      if (!isObject(m)) throw new ApiError("QUERY_INVALID_FORMAT", `a freqgroup member must be an event predicate object, got ${show(m)}`);
      this.count();
      const { name, preds } = splitPredicateObject(m);
      const col = name === ENTITY_ID_COLUMN ? null : lookupColumn(name, this.ctx);
      if (!col || !isEventType(col.type)) throw new ApiError("QUERY_EVENT_USAGE", `freqgroup members must be event columns; "${name}" is not one`);
      return compileEventTerm(col, preds, this.ctx, { minfreq: false }).term;
    });
    return { op: "events", terms, minfreq };
  }
}

function isOperator(item: unknown, op: string): boolean {
  return typeof item === "string" && item.toLowerCase() === op;
}

/** and/or of args, flattening nested same-op nodes (same truth and same score) and single items. */
function combine(op: "and" | "or", args: Expr[]): Expr {
  const flat: Expr[] = [];
  for (const a of args) {
    if (a.op === op) flat.push(...a.args);
    else flat.push(a);
  }
  return flat.length === 1 ? flat[0]! : { op, args: flat };
}
