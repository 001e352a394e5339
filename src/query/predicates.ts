// Column predicates of the query language (API.md §6.2) → plan ValueTests: the predicate names and
// their aliases, which column kinds each applies to, and how its argument is read.

import type { ColumnDef } from "../../contract/columns";
import { valueKindOf } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import type { Scalar, ValueTest } from "../../contract/plan";
import { show } from "./body";
import { idOperand, queryOperand } from "./operands";

export type ValuePredicate = "equals" | "not-equals" | "range" | "gt" | "gte" | "lt" | "lte" | "starts-with" | "ends-with" | "contains" | "not-contains";
export type Modifier = "between" | "minfreq";

/** Accepted spellings (lower-cased) → canonical name; the docs' JSON spelling of >, ≥, <, ≤ is lost, so both forms. */
const NAMES: Record<string, ValuePredicate | Modifier> = {
  equals: "equals",
  "not-equals": "not-equals",
  range: "range",
  gt: "gt",
  "greater-than": "gt",
  gte: "gte",
  "greater-than-or-equal": "gte",
  "greater-than-or-equal-to": "gte",
  lt: "lt",
  "less-than": "lt",
  lte: "lte",
  "less-than-or-equal": "lte",
  "less-than-or-equal-to": "lte",
  "starts-with": "starts-with",
  "ends-with": "ends-with",
  contains: "contains",
  "not-contains": "not-contains",
  between: "between",
  minfreq: "minfreq",
};

export const TEXT_PREDICATES: readonly ValuePredicate[] = ["starts-with", "ends-with", "contains", "not-contains"];
const ORDER_PREDICATES: readonly ValuePredicate[] = ["range", "gt", "gte", "lt", "lte"];

export function canonicalPredicate(key: string): ValuePredicate | Modifier | null {
  return NAMES[key.toLowerCase()] ?? null;
}

export type PredicateTarget = { kind: "column"; col: ColumnDef } | { kind: "entity-id" };

function targetName(t: PredicateTarget): string {
  return t.kind === "entity-id" ? "entity-id" : `column "${t.col.apiName}" (${t.col.type})`;
}

/** The ValueTest of one predicate on one target; errors 98 (text predicate on a non-text column), 126, 108. */
export function valueTest(target: PredicateTarget, pred: ValuePredicate, arg: unknown, now: number): ValueTest {
  const operand = (raw: unknown, equality = false): Scalar => (target.kind === "entity-id" ? idOperand(raw, pred) : queryOperand(target.col, raw, pred, now, equality));

  if (TEXT_PREDICATES.includes(pred)) {
    if (target.kind === "column" && valueKindOf(target.col.type) !== "text") {
      throw new ApiError("QUERY_TEXT_ON_NUMERIC", `${pred} works only on text columns; ${targetName(target)} is not one`);
    }
    // A list means "any of" (none of, for not-contains), as in top values.
    const items = Array.isArray(arg) ? arg : [arg];
    if (items.length === 0) throw new ApiError("QUERY_INVALID_FORMAT", `${pred} on ${targetName(target)} needs at least one value`);
    const op = pred === "not-contains" ? "contains" : pred;
    const tests: ValueTest[] = items.map((raw) => {
      if (typeof raw !== "string" || raw === "") {
        throw new ApiError("QUERY_COLUMN_USAGE", `${pred} on ${targetName(target)} expects non-empty strings, got ${show(raw)}`);
      }
      const value = target.kind === "entity-id" ? raw : raw.toLowerCase();
      return { op: op as "starts-with" | "ends-with" | "contains", value };
    });
    const any = anyOf(tests);
    return pred === "not-contains" ? { op: "not", test: any } : any;
  }

  if (ORDER_PREDICATES.includes(pred)) {
    if (target.kind === "entity-id" || !["number", "time"].includes(valueKindOf(target.col.type))) {
      throw new ApiError("QUERY_COLUMN_USAGE", `${pred} works only on numeric and date columns, not on ${targetName(target)}`);
    }
    if (pred === "range") {
      if (!Array.isArray(arg) || arg.length !== 2) {
        throw new ApiError("QUERY_INVALID_FORMAT", `range on ${targetName(target)} must be [low, high], got ${show(arg)}`);
      }
      return { op: "range", min: operand(arg[0]), max: operand(arg[1]), minInclusive: true, maxInclusive: true };
    }
    const v = operand(arg);
    switch (pred) {
      case "gt":
        return { op: "range", min: v, max: null, minInclusive: false, maxInclusive: false };
      case "gte":
        return { op: "range", min: v, max: null, minInclusive: true, maxInclusive: false };
      case "lt":
        return { op: "range", min: null, max: v, minInclusive: false, maxInclusive: false };
      default:
        return { op: "range", min: null, max: v, minInclusive: false, maxInclusive: true };
    }
  }

  // equals / not-equals take one scalar.
  if (arg === null || typeof arg === "object") {
    throw new ApiError("QUERY_INVALID_FORMAT", `${pred} on ${targetName(target)} takes one value, got ${show(arg)}`);
  }
  const v = operand(arg, true);
  return pred === "equals" ? { op: "eq", value: v } : { op: "ne", value: v };
}

export function anyOf(tests: ValueTest[]): ValueTest {
  return tests.length === 1 ? tests[0]! : { op: "or", tests };
}

export function allOf(tests: ValueTest[]): ValueTest | null {
  if (tests.length === 0) return null;
  return tests.length === 1 ? tests[0]! : { op: "and", tests };
}
