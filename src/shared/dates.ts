// Date handling shared by insert normalisation and query compilation (API.md §5.1, §6.3):
// absolute ISO dates (date-only = 00:00 UTC, offsets converted to UTC, lower-case t/z accepted,
// milliseconds dropped), relative tokens (now, today, [+-]<n><unit>) and `between` windows.
// Imports nothing, so the engine, the Worker and the benchmark can all use it.

const DAY_MS = 86_400_000;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?)?$/i;

/** Epoch ms (UTC) of an absolute date/datetime text, or null when it is not a valid one. */
export function parseAbsoluteDate(text: string): number | null {
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, , sign, oh, om] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (sign !== undefined) {
    const offH = Number(oh), offM = Number(om);
    if (offH > 23 || offM > 59) return null;
    const offset = (offH * 60 + offM) * 60_000;
    ms -= sign === "+" ? offset : -offset; // 03:00+03:00 is 00:00Z
  }
  return ms;
}

/** True when the text is a date without a time ("2017-07-17"): auto-create makes such columns `date`. */
export function isDateOnly(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && parseAbsoluteDate(text) !== null;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export type TimeUnit = "sec" | "min" | "hr" | "d" | "w" | "m" | "y";

/** A relative offset such as -30sec, +1w, -1m (month), -1y. */
export interface RelativeOffset {
  amount: number; // signed
  unit: TimeUnit;
}

const UNIT_ALIASES: Record<string, TimeUnit> = {
  s: "sec", sec: "sec", secs: "sec", second: "sec", seconds: "sec",
  min: "min", mins: "min", minute: "min", minutes: "min",
  h: "hr", hr: "hr", hrs: "hr", hour: "hr", hours: "hr",
  d: "d", day: "d", days: "d",
  w: "w", wk: "w", week: "w", weeks: "w",
  m: "m", mo: "m", mon: "m", month: "m", months: "m",
  y: "y", yr: "y", yrs: "y", year: "y", years: "y",
};

/** Parses `[+-]<int><unit>`; null when the text is not a relative offset. */
export function parseRelativeOffset(text: string): RelativeOffset | null {
  const m = /^([+-])\s*(\d{1,6})\s*([a-z]+)$/i.exec(text.trim());
  if (!m) return null;
  const unit = UNIT_ALIASES[m[3]!.toLowerCase()];
  if (!unit) return null;
  const n = Number(m[2]);
  return { amount: m[1] === "-" ? -n : n, unit };
}

/** Applies an offset to an instant with calendar arithmetic for months and years (UTC). */
export function applyOffset(ms: number, off: RelativeOffset): number {
  switch (off.unit) {
    case "sec": return ms + off.amount * 1000;
    case "min": return ms + off.amount * 60_000;
    case "hr": return ms + off.amount * 3_600_000;
    case "d": return ms + off.amount * DAY_MS;
    case "w": return ms + off.amount * 7 * DAY_MS;
    case "m": return addMonths(ms, off.amount);
    case "y": return addMonths(ms, off.amount * 12);
  }
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const target = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(target / 12);
  const month = ((target % 12) + 12) % 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month + 1));
  return Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export type DateBound =
  | { kind: "instant"; ms: number }
  | { kind: "offset"; offset: RelativeOffset };

/** One bound of a window: "now", "today" (start of the current UTC day), an absolute date, or an offset. */
export function parseBound(text: string, now: number): DateBound | null {
  const t = text.trim().toLowerCase();
  if (t === "now") return { kind: "instant", ms: now };
  if (t === "today") return { kind: "instant", ms: startOfUtcDay(now) };
  const off = parseRelativeOffset(t);
  if (off) return { kind: "offset", offset: off };
  const abs = parseAbsoluteDate(text);
  return abs === null ? null : { kind: "instant", ms: abs };
}

export type WindowError = { error: "date" | "relative" | "shape"; text: string };

/**
 * Resolves a `between` list into an inclusive window [from, to] (API.md §6.3, §8 items 3-4):
 * ["today"] is the current UTC day; [X, offset] applies the offset to X; two offsets are both
 * relative to now; bounds may come in either order.
 */
export function resolveWindow(bounds: readonly unknown[], now: number): { from: number; to: number } | WindowError {
  if (bounds.length === 1 && typeof bounds[0] === "string" && bounds[0].trim().toLowerCase() === "today") {
    const start = startOfUtcDay(now);
    return { from: start, to: start + DAY_MS - 1 };
  }
  if (bounds.length !== 2) return { error: "shape", text: JSON.stringify(bounds) };
  const parsed: DateBound[] = [];
  for (const b of bounds) {
    if (typeof b !== "string") return { error: "date", text: JSON.stringify(b) };
    const p = parseBound(b, now);
    if (!p) return { error: parseRelativeOffset(b) === null && /^[+-]/.test(b.trim()) ? "relative" : "date", text: b };
    parsed.push(p);
  }
  const [a, b] = parsed as [DateBound, DateBound];
  const anchor = (x: DateBound, other: DateBound): number => {
    if (x.kind === "instant") return x.ms;
    const base = other.kind === "instant" ? other.ms : now;
    return applyOffset(base, x.offset);
  };
  const x = anchor(a, b), y = anchor(b, a);
  return { from: Math.min(x, y), to: Math.max(x, y) };
}
