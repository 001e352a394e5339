// Date handling shared by insert normalisation and query compilation (API.md §5.1, §6.3):
// absolute ISO dates (date-only = 00:00 UTC, offsets converted to UTC, lower-case t/z accepted,
// milliseconds dropped), relative tokens (now, today, [+-]<n><unit>) and `between` windows.
// Pure (only contract/limits.ts), so the Worker, the SQL compiler and the benchmark can all use it.

import { DAY_MS } from "../../contract/limits";

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?)?$/i;

/** Epoch ms (UTC) of an absolute date/datetime text, or null when it is not a valid one. */
export function parseAbsoluteDate(text: string): number | null {
  const fast = parseUtcSeconds(text);
  if (fast !== undefined) return fast;
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, , sign, oh, om] = m;
  const year = Number(y),
    month = Number(mo),
    day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (sign !== undefined) {
    const offH = Number(oh),
      offM = Number(om);
    if (offH > 23 || offM > 59) return null;
    const offset = (offH * 60 + offM) * 60_000;
    ms -= sign === "+" ? offset : -offset; // 03:00+03:00 is 00:00Z
  }
  return ms;
}

/**
 * The common insert shape "YYYY-MM-DDTHH:MM:SSZ" read character by character: event timestamps are
 * most of an insert's values, and this is several times cheaper than the pattern. Same answers as
 * the pattern path (null when out of range); undefined when the text has another shape.
 */
function parseUtcSeconds(t: string): number | null | undefined {
  if (t.length !== 20) return undefined;
  const sep = t.charCodeAt(10);
  const zone = t.charCodeAt(19);
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58) return undefined;
  if ((sep !== 84 && sep !== 116 && sep !== 32) || (zone !== 90 && zone !== 122)) return undefined; // T t ' ', Z z
  const year = digits(t, 0, 4),
    month = digits(t, 5, 2),
    day = digits(t, 8, 2);
  const hour = digits(t, 11, 2),
    minute = digits(t, 14, 2),
    second = digits(t, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (year < 100) return undefined; // Date.UTC reads years 0-99 as 1900-1999; leave that to the pattern path
  return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The decimal number of `n` digits at `at`, or -1 when one of them is not a digit. */
function digits(t: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** True when the text is a date without a time ("2017-07-17"): auto-create makes such columns `date`. */
export function isDateOnly(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && parseAbsoluteDate(text) !== null;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!;
}

export type TimeUnit = "sec" | "min" | "hr" | "d" | "w" | "m" | "y";

/** A relative offset such as -30sec, +1w, -1m (month), -1y. */
export interface RelativeOffset {
  amount: number; // signed
  unit: TimeUnit;
}

const UNIT_ALIASES: Record<string, TimeUnit> = {
  s: "sec",
  sec: "sec",
  secs: "sec",
  second: "sec",
  seconds: "sec",
  min: "min",
  mins: "min",
  minute: "min",
  minutes: "min",
  h: "hr",
  hr: "hr",
  hrs: "hr",
  hour: "hr",
  hours: "hr",
  d: "d",
  day: "d",
  days: "d",
  w: "w",
  wk: "w",
  week: "w",
  weeks: "w",
  m: "m",
  mo: "m",
  mon: "m",
  month: "m",
  months: "m",
  y: "y",
  yr: "y",
  yrs: "y",
  year: "y",
  years: "y",
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
    case "sec":
      return ms + off.amount * 1000;
    case "min":
      return ms + off.amount * 60_000;
    case "hr":
      return ms + off.amount * 3_600_000;
    case "d":
      return ms + off.amount * DAY_MS;
    case "w":
      return ms + off.amount * 7 * DAY_MS;
    case "m":
      return addMonths(ms, off.amount);
    case "y":
      return addMonths(ms, off.amount * 12);
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

export type DateBound = { kind: "instant"; ms: number } | { kind: "offset"; offset: RelativeOffset };

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
  const x = anchor(a, b),
    y = anchor(b, a);
  return { from: Math.min(x, y), to: Math.max(x, y) };
}
