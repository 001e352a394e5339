// Query operands normalised to a column's stored form (API.md §6.2 value rules): text lower-cased,
// numbers from numbers or numeric strings, booleans from "true"/"false", dates from absolute or
// relative text (resolved against the request's `now`), enumerated values bucketed like inserts.

import type { ColumnDef } from "../../contract/columns";
import { valueKindOf } from "../../contract/columns";
import { parseAbsoluteDate, parseBound, applyOffset, parseRelativeOffset, startOfUtcDay } from "../ingest/dates";
import { ApiError } from "../../contract/errors";
import type { Scalar } from "../../contract/plan";
import { show } from "./body";
import { enumBucket, parseBoolean, parseNumber } from "../ingest/normalise";

/**
 * The operand `raw` of predicate `pred` on `col`, in the column's stored form. `equality` marks
 * equals/not-equals/in on a date column, whose operand is truncated to its UTC day like stored dates.
 * A value that cannot be of the column's kind is error 126 (78/79 for dates).
 */
export function queryOperand(col: ColumnDef, raw: unknown, pred: string, now: number, equality = false): Scalar {
  const where = `${pred} on column "${col.apiName}" (${col.type})`;
  switch (valueKindOf(col.type)) {
    case "text":
      if (typeof raw === "string") return raw.toLowerCase();
      if ((typeof raw === "number" && Number.isFinite(raw)) || typeof raw === "boolean") return String(raw);
      throw new ApiError("QUERY_COLUMN_USAGE", `${where} expects a string, got ${show(raw)}`);
    case "number": {
      const n = parseNumber(raw);
      if (n === null) throw new ApiError("QUERY_COLUMN_USAGE", `${where} expects a number, got ${show(raw)}`);
      return col.type === "enumerated" ? enumBucket(col.range ?? [], n) : n;
    }
    case "bool": {
      const b = parseBoolean(raw);
      if (b === null) throw new ApiError("QUERY_COLUMN_USAGE", `${where} expects true or false, got ${show(raw)}`);
      return b;
    }
    case "time": {
      const ms = timeOperand(raw, now, where);
      return equality && col.type === "date" ? startOfUtcDay(ms) : ms;
    }
  }
}

/** An instant from absolute text, "now", "today" or an offset from now ("-1d"). */
export function timeOperand(raw: unknown, now: number, where: string): number {
  if (typeof raw !== "string") throw new ApiError("QUERY_DATE_FORMAT", `${where} expects a date text, got ${show(raw)}`);
  const abs = parseAbsoluteDate(raw);
  if (abs !== null) return abs;
  const b = parseBound(raw, now);
  if (b !== null) return b.kind === "instant" ? b.ms : applyOffset(now, b.offset);
  if (/^\s*[+-]/.test(raw) && parseRelativeOffset(raw) === null) {
    throw new ApiError("QUERY_RELATIVE_INTERVAL", `invalid relative date ${show(raw)} in ${where}`);
  }
  throw new ApiError("QUERY_DATE_FORMAT", `invalid date ${show(raw)} in ${where}; use YYYY-MM-DD or an ISO-8601 date-time`);
}

/** An entity-id operand: exact, case-sensitive text (ids are not lower-cased on insert). */
export function idOperand(raw: unknown, pred: string): string {
  if (typeof raw === "string") return raw;
  if (typeof raw === "number" && Number.isFinite(raw)) return String(raw);
  throw new ApiError("QUERY_COLUMN_USAGE", `${pred} on entity-id expects a string, got ${show(raw)}`);
}
