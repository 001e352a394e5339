import { describe, expect, it } from "vitest";
import { applyOffset, isDateOnly, parseAbsoluteDate, parseRelativeOffset, resolveWindow } from "../../src/ingest/dates";

const T = (s: string) => Date.parse(s);

describe("parseAbsoluteDate", () => {
  it("reads date-only text as midnight UTC", () => expect(parseAbsoluteDate("2016-01-01")).toBe(T("2016-01-01T00:00:00Z")));
  it("converts offsets to UTC", () => {
    expect(parseAbsoluteDate("2016-01-01T03:00:00+03:00")).toBe(T("2016-01-01T00:00:00Z"));
    expect(parseAbsoluteDate("2016-01-01T00:00:00-03:00")).toBe(T("2016-01-01T03:00:00Z"));
  });
  it("accepts lower-case t and z and drops milliseconds", () => {
    expect(parseAbsoluteDate("2018-02-02t00:00:31z")).toBe(T("2018-02-02T00:00:31Z"));
    expect(parseAbsoluteDate("2018-02-02T00:00:31.789Z")).toBe(T("2018-02-02T00:00:31Z"));
  });
  it("treats a datetime without zone as UTC", () => expect(parseAbsoluteDate("2017-05-22T10:00:00")).toBe(T("2017-05-22T10:00:00Z")));
  it("rejects impossible dates and junk", () => {
    for (const bad of ["2016-02-30", "2016-13-01", "2016-01-01T24:00:00Z", "yesterday", "", "2016-1-1", "2016-01-01T10:00:00+25:00"]) {
      expect(parseAbsoluteDate(bad), bad).toBeNull();
    }
  });
  it("reads YYYY-MM-DDTHH:MM:SSZ character by character with the same answers as the pattern", () => {
    // A leading space sends the same text down the pattern path (it trims), so the two can be compared.
    let seed = 7;
    const rand = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    const two = (max: number) => String(rand(max)).padStart(2, "0");
    const shapes: string[] = ["2016-02-29T12:00:00Z", "2015-02-29T12:00:00Z", "2000-02-29t23:59:59z", "1900-02-29T00:00:00Z", "2016-04-31 00:00:00Z", "2016-0a-01T00:00:00Z"];
    for (let i = 0; i < 5000; i++) {
      const sep = "Tt ".charAt(rand(3));
      const zone = "Zz".charAt(rand(2));
      shapes.push(`${i % 10 === 0 ? String(rand(3000)).padStart(4, "0") : 1990 + rand(40)}-${two(14)}-${two(33)}${sep}${two(26)}:${two(62)}:${two(62)}${zone}`);
    }
    for (const text of shapes) expect(parseAbsoluteDate(text), text).toBe(parseAbsoluteDate(` ${text}`));
    expect(parseAbsoluteDate("2016-02-29T12:00:00Z")).toBe(T("2016-02-29T12:00:00Z"));
    expect(parseAbsoluteDate("2015-02-29T12:00:00Z")).toBeNull();
  });
  it("knows date-only text", () => {
    expect(isDateOnly("2017-07-17")).toBe(true);
    expect(isDateOnly("2017-07-17T00:00:00Z")).toBe(false);
    expect(isDateOnly("2017-02-31")).toBe(false);
  });
});

describe("relative offsets", () => {
  it("parses every unit of the examples", () => {
    expect(parseRelativeOffset("-30sec")).toEqual({ amount: -30, unit: "sec" });
    expect(parseRelativeOffset("-1min")).toEqual({ amount: -1, unit: "min" });
    expect(parseRelativeOffset("-3hr")).toEqual({ amount: -3, unit: "hr" });
    expect(parseRelativeOffset("-1d")).toEqual({ amount: -1, unit: "d" });
    expect(parseRelativeOffset("+1w")).toEqual({ amount: 1, unit: "w" });
    expect(parseRelativeOffset("-1m")).toEqual({ amount: -1, unit: "m" });
    expect(parseRelativeOffset("-1y")).toEqual({ amount: -1, unit: "y" });
    expect(parseRelativeOffset("-2 days")).toEqual({ amount: -2, unit: "d" });
    expect(parseRelativeOffset("-1fortnight")).toBeNull();
    expect(parseRelativeOffset("1d")).toBeNull();
  });
  it("moves months on the calendar", () => {
    expect(applyOffset(T("2016-03-31T12:00:00Z"), { amount: -1, unit: "m" })).toBe(T("2016-02-29T12:00:00Z"));
    expect(applyOffset(T("2016-02-29T00:00:00Z"), { amount: 1, unit: "y" })).toBe(T("2017-02-28T00:00:00Z"));
  });
});

describe("resolveWindow", () => {
  const now = T("2026-11-27T10:20:30Z");
  it("orders bounds and applies an offset to the other bound", () => {
    expect(resolveWindow(["now", "-30sec"], now)).toEqual({ from: now - 30_000, to: now });
    expect(resolveWindow(["2016-01-01T00:00:00Z", "+1w"], now)).toEqual({ from: T("2016-01-01T00:00:00Z"), to: T("2016-01-08T00:00:00Z") });
    expect(resolveWindow(["2016-01-07", "2016-01-01"], now)).toEqual({ from: T("2016-01-01T00:00:00Z"), to: T("2016-01-07T00:00:00Z") });
  });
  it("reads ['today'] as the current UTC day", () => {
    expect(resolveWindow(["today"], now)).toEqual({ from: T("2026-11-27T00:00:00Z"), to: T("2026-11-28T00:00:00Z") - 1 });
  });
  it("says what is wrong", () => {
    expect(resolveWindow(["2016-01-01"], now)).toMatchObject({ error: "shape" });
    expect(resolveWindow(["2016-01-01", "-1fortnight"], now)).toMatchObject({ error: "relative" });
    expect(resolveWindow(["2016-01-01", "soon"], now)).toMatchObject({ error: "date" });
    expect(resolveWindow(["2016-01-01", 5], now)).toMatchObject({ error: "date" });
  });
});
