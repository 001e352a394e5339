// Shape checks shared by every endpoint compiler: plain objects, unknown members, the dimension a
// request targets, integers within limits. Each failure is a SlicingDice ApiError naming the member.

import { DEFAULT_DIMENSION } from "../../contract/columns";
import { ApiError, type ErrorName } from "../../contract/errors";
import type { SchemaIndex } from "../../contract/schema";

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Short JSON text of a value for error messages (long values are cut). */
export function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function requireObject(v: unknown, what: string): JsonObject {
  if (!isObject(v)) throw new ApiError("QUERY_INVALID_FORMAT", `${what} must be a JSON object, got ${show(v)}`);
  return v;
}

/**
 * Rejects members outside `allowed` (code 119; aggregation bodies 120, API.md §2.4), so a typo is an
 * error rather than silently ignored.
 */
export function rejectUnknownKeys(obj: JsonObject, allowed: readonly string[], where: string, error: ErrorName = "QUERY_INVALID_PARAMETER"): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new ApiError(error, `unknown member "${k}" in ${where}; allowed: ${allowed.join(", ")}`);
    }
  }
}

/**
 * The dimension a query runs on: the member's value, `default` when absent (API.md §3.3). `default`
 * always exists (every database has it, even before its first insert); others must be in the schema.
 */
export function resolveDimension(raw: unknown, schema: SchemaIndex): string {
  if (raw === undefined || raw === null) return DEFAULT_DIMENSION;
  if (typeof raw !== "string" || raw.trim() === "") {
    throw new ApiError("QUERY_INVALID_FORMAT", `dimension must be a non-empty string, got ${show(raw)}`);
  }
  checkDimension(raw, schema);
  return raw;
}

export function checkDimension(dimension: string, schema: SchemaIndex): void {
  if (dimension !== DEFAULT_DIMENSION && !schema.hasDimension(dimension)) {
    throw new ApiError("QUERY_UNKNOWN_DIMENSION", `dimension "${dimension}" does not exist in this database`);
  }
}

export function readBypassCache(obj: JsonObject): boolean {
  const v = obj["bypass-cache"];
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw new ApiError("QUERY_INVALID_FORMAT", `bypass-cache must be true or false, got ${show(v)}`);
  return v;
}

/** A JSON integer in [1, max]; `error` for a non-integer or out-of-range value. */
export function positiveInt(raw: unknown, what: string, max: number, error: ErrorName): number {
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1) {
    throw new ApiError(error, `${what} must be a positive integer, got ${show(raw)}`);
  }
  if (raw > max) throw new ApiError(error, `${what} is ${raw}; the maximum is ${max}`, { max });
  return raw;
}
