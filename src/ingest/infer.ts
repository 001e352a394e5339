// The column type an insert with auto-create ["column"] gives an unknown column (API.md §3.4):
// integers → integer, other numbers → decimal, booleans → boolean, date-only text → date,
// ISO datetime text → datetime, other text → string, {value, date} objects (or lists) → *-event.

import type { ColumnType } from "../../contract/columns";
import { isDateOnly, parseAbsoluteDate } from "./dates";

/** The inferred type, or null when the value gives no type (an empty list, null, a nested object). */
export function inferColumnType(raw: unknown): ColumnType | null {
  if (Array.isArray(raw)) {
    let type: ColumnType | null = null;
    for (const item of raw) type = unify(type, inferEventType(item));
    return type;
  }
  if (isEventObject(raw)) return inferEventType(raw);
  if (typeof raw === "boolean") return "boolean";
  if (typeof raw === "number") return Number.isInteger(raw) ? "integer" : "decimal";
  if (typeof raw === "string") {
    if (isDateOnly(raw)) return "date";
    if (/^\d{4}-\d{2}-\d{2}[tT ]\d{2}:\d{2}/.test(raw) && parseAbsoluteDate(raw) !== null) return "datetime";
    return "string";
  }
  return null;
}

function isEventObject(raw: unknown): raw is { value: unknown } {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) && "value" in raw;
}

function inferEventType(raw: unknown): ColumnType | null {
  if (!isEventObject(raw)) return null;
  const v = raw.value;
  if (typeof v === "number") return Number.isInteger(v) ? "integer-event" : "decimal-event";
  if (typeof v === "string") return "string-event";
  return null;
}

/** Two inferences of the same new column: integers widen to decimals; anything else must agree. */
export function unify(a: ColumnType | null, b: ColumnType | null): ColumnType | null {
  if (a === null) return b;
  if (b === null || a === b) return a;
  if ((a === "integer" && b === "decimal") || (a === "decimal" && b === "integer")) return "decimal";
  if ((a === "integer-event" && b === "decimal-event") || (a === "decimal-event" && b === "integer-event")) return "decimal-event";
  return null;
}
