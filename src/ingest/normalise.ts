// Insert-style value normalisation per column type (API.md §4.3, §5): the one place that turns a
// client's JSON value into the stored Scalar. Used by inserts, SQL INSERT and update's `set`.
// Failures are plain ApiErrorData so callers can add the entity/column context they know.

import type { ColumnDef } from "../../contract/columns";
import { parseAbsoluteDate, startOfUtcDay } from "./dates";
import type { ApiErrorData, ErrorName } from "../../contract/errors";
import { STRING_VALUE_CHARS_MAX } from "../../contract/limits";
import type { Scalar } from "../../contract/plan";

export type NormalisedValue = { ok: true; value: Scalar; text?: string } | { ok: false; error: ApiErrorData };

function fail(name: ErrorName, message: string, moreInfo?: unknown): NormalisedValue {
  return { ok: false, error: moreInfo === undefined ? { name, message } : { name, message, moreInfo } };
}

function shown(raw: unknown): string {
  const s = JSON.stringify(raw) ?? String(raw);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Normalises one value for column `col` (for event columns: the event's `value`):
 * - string, unique-id, string-event: non-empty text ≤ STRING_VALUE_CHARS_MAX, lower-cased; numbers and
 *   booleans are accepted as their text (clients and SQL send `5` for a string column);
 * - integer, integer-event: a JSON integer or a string of one (`"42"`), within the safe-integer range;
 * - decimal, decimal-event: a JSON number or numeric string with at most `decimalPlaces` decimals (when set);
 * - boolean: true/false or "true"/"false" (any case);
 * - date: YYYY-MM-DD or ISO date-time, stored as the start of its UTC day (a date has no time of day, and
 *   `equals "2016-01-01"` must match whatever time the client sent);
 * - datetime: the instant (epoch ms, offsets applied) plus the original text lower-cased for display;
 * - enumerated: a number stored as the lower boundary of its `range` bucket.
 */
export function normaliseValue(col: ColumnDef, raw: unknown): NormalisedValue {
  const where = `column "${col.apiName}" (${col.type})`;
  switch (col.type) {
    case "string":
    case "unique-id":
    case "string-event":
      return normaliseText(raw, where);
    case "integer":
    case "integer-event":
      return normaliseInteger(raw, where);
    case "decimal":
    case "decimal-event":
      return normaliseDecimal(raw, where, col.decimalPlaces);
    case "boolean": {
      const b = parseBoolean(raw);
      return b === null ? fail("INSERT_VALUE_TYPE", `${where} expects true or false, got ${shown(raw)}`) : { ok: true, value: b };
    }
    case "date":
    case "datetime": {
      if (typeof raw !== "string") return fail("INSERT_DATE_FORMAT", `${where} expects an ISO-8601 date text, got ${shown(raw)}`);
      const ms = parseAbsoluteDate(raw);
      if (ms === null) return fail("INSERT_DATE_FORMAT", `${where}: ${shown(raw)} is not a valid date (use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)`);
      return col.type === "date" ? { ok: true, value: startOfUtcDay(ms) } : { ok: true, value: ms, text: raw.trim().toLowerCase() };
    }
    case "enumerated": {
      const n = parseNumber(raw);
      if (n === null) return fail("INSERT_NOT_NUMBER", `${where} expects a number, got ${shown(raw)}`);
      const range = col.range ?? [];
      if (range.length > 0 && n < range[0]!) {
        return fail("COLUMN_RANGE", `${where}: ${n} is below the first range boundary ${range[0]}`, { range });
      }
      return { ok: true, value: enumBucket(range, n) };
    }
  }
}

function normaliseText(raw: unknown, where: string): NormalisedValue {
  let s: string;
  if (typeof raw === "string") s = raw;
  else if ((typeof raw === "number" && Number.isFinite(raw)) || typeof raw === "boolean") s = String(raw);
  else return fail("INSERT_VALUE_TYPE", `${where} expects a string, got ${shown(raw)}`);
  if (s.length === 0) return fail("INSERT_EMPTY_STRING", `${where}: empty strings are not allowed`);
  if (s.length > STRING_VALUE_CHARS_MAX) {
    return fail("INSERT_VALUE_TOO_LONG", `${where}: value has ${s.length} characters; the maximum is ${STRING_VALUE_CHARS_MAX}`, { max: STRING_VALUE_CHARS_MAX });
  }
  return { ok: true, value: s.toLowerCase() };
}

function normaliseInteger(raw: unknown, where: string): NormalisedValue {
  const n = parseNumber(raw);
  if (n === null) return fail("INSERT_NOT_NUMBER", `${where} expects an integer, got ${shown(raw)}`);
  if (!Number.isInteger(n)) return fail("INSERT_VALUE_TYPE", `${where} expects an integer, got ${shown(raw)}`);
  if (!Number.isSafeInteger(n)) {
    return fail("INSERT_VALUE_TYPE", `${where}: ${shown(raw)} is outside the supported integer range ±${Number.MAX_SAFE_INTEGER}`);
  }
  return { ok: true, value: n };
}

function normaliseDecimal(raw: unknown, where: string, places: number | undefined): NormalisedValue {
  const n = parseNumber(raw);
  if (n === null) return fail("INSERT_NOT_NUMBER", `${where} expects a number, got ${shown(raw)}`);
  if (places !== undefined) {
    const got = decimalPlacesOf(typeof raw === "string" ? raw.trim() : String(n));
    if (got > places) {
      return fail("INSERT_DECIMAL_PLACES", `${where}: ${shown(raw)} has ${got} decimal places; the column allows ${places}`, { max: places });
    }
  }
  return { ok: true, value: n };
}

/** A finite number from a JSON number or a numeric string ("1000001", " -2.5 "), else null. */
export function parseNumber(raw: unknown): number | null {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : null;
  if (typeof raw === "string") {
    const t = raw.trim();
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
    const n = Number(t);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** true/false from a JSON boolean or "true"/"false" (any case), else null. */
export function parseBoolean(raw: unknown): boolean | null {
  if (typeof raw === "boolean") return raw;
  if (typeof raw === "string") {
    const t = raw.trim().toLowerCase();
    if (t === "true") return true;
    if (t === "false") return false;
  }
  return null;
}

/** Digits after the decimal point of a number's text, exponent included ("1.5e-3" → 4). */
export function decimalPlacesOf(text: string): number {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return 0;
  const frac = (m[2] ?? "").replace(/0+$/, "");
  const exp = m[3] === undefined ? 0 : Number(m[3]);
  return Math.max(0, frac.length - exp);
}

/** The lower boundary of the `range` bucket holding n (the last bucket is open-ended; below the first: n). */
export function enumBucket(range: readonly number[], n: number): number {
  let bucket: number | null = null;
  for (const b of range) {
    if (b <= n) bucket = b;
    else break;
  }
  return bucket ?? n;
}

/** An event's `date`: absent → now (API.md §5.1), else an ISO date text (error 66). */
export function normaliseEventTime(raw: unknown, now: number): { ok: true; t: number } | { ok: false; error: ApiErrorData } {
  if (raw === undefined || raw === null) return { ok: true, t: now };
  const ms = typeof raw === "string" ? parseAbsoluteDate(raw) : null;
  if (ms === null) {
    return { ok: false, error: { name: "INSERT_EVENT_DATE", message: `event date ${shown(raw)} is not a valid ISO-8601 date` } };
  }
  return { ok: true, t: ms };
}
