// How stored values are shown: the JSON API shows every value as a string (API.md §7.5-7.8),
// dates as YYYY-MM-DD, datetimes as the text they were inserted with (lower-cased), event times as
// YYYY-MM-DDTHH:MM:SSZ. Shared by the engine (top values, groups) and the edge (formatting).

import type { ColumnType } from "./columns";
import type { Scalar } from "./plan";

/** "2016-01-01" for an epoch-ms instant (UTC). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** "2016-01-01T00:00:00Z" for an epoch-ms instant (UTC), milliseconds dropped. */
export function isoDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + "Z";
}

/** The string the JSON API shows for a stored value of a column of type `type`. */
export function displayValue(type: ColumnType, value: Scalar, text?: string): string {
  if (type === "datetime") return text ?? (typeof value === "number" ? isoDateTime(value) : String(value));
  if (type === "date") return typeof value === "number" ? isoDate(value) : String(value);
  return typeof value === "string" ? value : String(value);
}
