// Turns one raw JSON value into the normalised value a column stores (API.md §4.3, §5.1):
// lower-cased strings, safe integers, decimals within decimal-places, booleans from JSON or text,
// dates and datetimes as epoch ms UTC (datetimes keep their lower-cased text), enumerated buckets.
// Used by inserts, SQL INSERT and update's `set`.

import type { ColumnDef } from "../shared/columns";
import { parseAbsoluteDate } from "../shared/dates";
import { ApiError } from "../shared/errors";
import { STRING_VALUE_CHARS_MAX } from "../shared/limits";
import type { Scalar } from "../shared/plan";

export interface NormalisedValue {
  value: Scalar;
  text?: string;
}

/** The stored form of `raw` for an attribute column, or the value of an event (the event's `value`). */
export function normaliseValue(col: Pick<ColumnDef, "apiName" | "type" | "decimalPlaces" | "range">, raw: unknown): NormalisedValue {
  const where = `column '${col.apiName}' (${col.type})`;
  switch (col.type) {
    case "string":
    case "unique-id":
    case "string-event": {
      if (typeof raw !== "string") throw new ApiError("INSERT_VALUE_TYPE", `${where} expects a string, got ${describe(raw)}`);
      if (raw.length === 0) throw new ApiError("INSERT_EMPTY_STRING", `${where} does not accept empty strings`);
      if (raw.length > STRING_VALUE_CHARS_MAX) {
        throw new ApiError("INSERT_VALUE_TOO_LONG", `${where}: value of ${raw.length} characters exceeds the limit of ${STRING_VALUE_CHARS_MAX}`, { max: STRING_VALUE_CHARS_MAX });
      }
      return { value: raw.toLowerCase() };
    }
    case "integer":
    case "integer-event": {
      const n = toNumber(raw, where);
      if (!Number.isSafeInteger(n)) throw new ApiError("INSERT_VALUE_TYPE", `${where} expects an integer between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, got ${describe(raw)}`);
      return { value: n };
    }
    case "decimal":
    case "decimal-event": {
      const n = toNumber(raw, where);
      const places = col.decimalPlaces;
      if (places !== undefined && decimalDigits(n) > places) {
        throw new ApiError("INSERT_DECIMAL_PLACES", `${where} allows ${places} decimal places, got ${describe(raw)}`, { "decimal-places": places });
      }
      return { value: n };
    }
    case "enumerated": {
      const n = toNumber(raw, where);
      const range = col.range ?? [];
      let bucket: number | undefined;
      for (const boundary of range) if (n >= boundary) bucket = boundary;
      if (bucket === undefined || n > range[range.length - 1]!) {
        throw new ApiError("COLUMN_RANGE", `${where}: ${n} is outside the column's range ${JSON.stringify(range)}`);
      }
      return { value: bucket };
    }
    case "boolean": {
      if (raw === true || raw === false) return { value: raw };
      if (typeof raw === "string" && /^(true|false)$/i.test(raw)) return { value: raw.toLowerCase() === "true" };
      throw new ApiError("INSERT_VALUE_TYPE", `${where} expects true or false, got ${describe(raw)}`);
    }
    case "date":
    case "datetime": {
      if (typeof raw !== "string") throw new ApiError("INSERT_DATE_FORMAT", `${where} expects an ISO-8601 date text, got ${describe(raw)}`);
      const ms = parseAbsoluteDate(raw);
      if (ms === null) throw new ApiError("INSERT_DATE_FORMAT", `${where}: '${raw}' is not a valid ISO-8601 date`);
      return col.type === "datetime" ? { value: ms, text: raw.toLowerCase() } : { value: ms };
    }
  }
}

/** JSON numbers, or numeric text (clients send "1000001" for numeric columns). */
function toNumber(raw: unknown, where: string): number {
  if (typeof raw === "number" && Number.isFinite(raw)) return raw;
  if (typeof raw === "string" && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(raw)) return Number(raw);
  throw new ApiError("INSERT_NOT_NUMBER", `${where} expects a number, got ${describe(raw)}`);
}

/** Digits after the decimal point in the shortest text of n (1000001.1 → 1; 1e-7 → 7). */
export function decimalDigits(n: number): number {
  const text = String(n);
  const exp = /e-(\d+)$/.exec(text);
  if (exp) {
    const mantissa = text.slice(0, exp.index);
    return Number(exp[1]) + (mantissa.split(".")[1]?.length ?? 0);
  }
  return text.split(".")[1]?.length ?? 0;
}

export function describe(raw: unknown): string {
  const text = JSON.stringify(raw) ?? String(raw);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
