// Insert-style value normalisation per column type (shared by update's `set` and the insert path).

import { describe, expect, it } from "vitest";
import { decimalPlacesOf, enumBucket, normaliseEventTime, normaliseValue } from "../../src/ingest/normalise";
import type { ColumnDef, ColumnType } from "../../contract/columns";
import { STRING_VALUE_CHARS_MAX } from "../../contract/limits";

const col = (type: ColumnType, extra: Partial<ColumnDef> = {}): ColumnDef => ({
  id: 1,
  name: "c",
  apiName: "c",
  type,
  dimension: "default",
  storage: "latest-value",
  active: true,
  createdAt: "",
  ...extra,
});
const ok = (type: ColumnType, raw: unknown, extra: Partial<ColumnDef> = {}) => {
  const r = normaliseValue(col(type, extra), raw);
  if (!r.ok) throw new Error(r.error.message);
  return r.text === undefined ? r.value : { value: r.value, text: r.text };
};
const code = (type: ColumnType, raw: unknown, extra: Partial<ColumnDef> = {}) => {
  const r = normaliseValue(col(type, extra), raw);
  return r.ok ? "ok" : r.error.name;
};

describe("normaliseValue", () => {
  it("lower-cases text and checks its length", () => {
    expect(ok("string", "Toyota Corolla")).toBe("toyota corolla");
    expect(ok("string-event", "Web")).toBe("web");
    expect(ok("unique-id", "ABC")).toBe("abc");
    expect(ok("string", 5)).toBe("5");
    expect(code("string", "")).toBe("INSERT_EMPTY_STRING");
    expect(code("string", "x".repeat(STRING_VALUE_CHARS_MAX + 1))).toBe("INSERT_VALUE_TOO_LONG");
    expect(code("string", { a: 1 })).toBe("INSERT_VALUE_TYPE");
  });
  it("reads integers from JSON integers and integer strings, safe range only", () => {
    expect(ok("integer", 1000001)).toBe(1000001);
    expect(ok("integer-event", "-42")).toBe(-42);
    expect(code("integer", 1.5)).toBe("INSERT_VALUE_TYPE");
    expect(code("integer", 2 ** 60)).toBe("INSERT_VALUE_TYPE");
    expect(code("integer", "abc")).toBe("INSERT_NOT_NUMBER");
    expect(code("integer", true)).toBe("INSERT_NOT_NUMBER");
  });
  it("checks decimal places when the column sets them", () => {
    expect(ok("decimal", 1000001.123, { decimalPlaces: 3 })).toBe(1000001.123);
    expect(ok("decimal-event", "15.45", { decimalPlaces: 2 })).toBe(15.45);
    expect(ok("decimal", 7.654321)).toBe(7.654321);
    expect(code("decimal", 1.2345, { decimalPlaces: 3 })).toBe("INSERT_DECIMAL_PLACES");
    expect(code("decimal", "x", { decimalPlaces: 3 })).toBe("INSERT_NOT_NUMBER");
  });
  it("reads booleans from JSON and text", () => {
    expect(ok("boolean", true)).toBe(true);
    expect(ok("boolean", "FALSE")).toBe(false);
    expect(code("boolean", "yes")).toBe("INSERT_VALUE_TYPE");
  });
  it("stores dates as their UTC day and datetimes as instant plus lower-cased text", () => {
    expect(ok("date", "2016-01-01")).toBe(Date.parse("2016-01-01T00:00:00Z"));
    expect(ok("date", "2016-01-01T22:00:00-03:00")).toBe(Date.parse("2016-01-02T00:00:00Z"));
    expect(ok("datetime", "2018-02-02T00:00:31Z")).toEqual({ value: Date.parse("2018-02-02T00:00:31Z"), text: "2018-02-02t00:00:31z" });
    expect(code("date", "2016-02-30")).toBe("INSERT_DATE_FORMAT");
    expect(code("datetime", 12345)).toBe("INSERT_DATE_FORMAT");
  });
  it("buckets enumerated values by their range", () => {
    const range = [0, 100, 5000, 1000000, 2000000];
    expect(ok("enumerated", 1000001, { range })).toBe(1000000);
    expect(ok("enumerated", 3000000, { range })).toBe(2000000);
    expect(code("enumerated", -1, { range })).toBe("COLUMN_RANGE");
    expect(enumBucket(range, 100)).toBe(100);
  });
});

describe("helpers", () => {
  it("counts decimal places, exponents included", () => {
    expect(decimalPlacesOf("1000001.123")).toBe(3);
    expect(decimalPlacesOf("1.500")).toBe(1);
    expect(decimalPlacesOf("1.5e-3")).toBe(4);
    expect(decimalPlacesOf("12e3")).toBe(0);
  });
  it("stamps events without date with now and rejects bad dates", () => {
    expect(normaliseEventTime(undefined, 42)).toEqual({ ok: true, t: 42 });
    expect(normaliseEventTime("2016-01-01T00:00:00+03:00", 0)).toEqual({ ok: true, t: Date.parse("2015-12-31T21:00:00Z") });
    expect(normaliseEventTime("soon", 0)).toMatchObject({ ok: false, error: { name: "INSERT_EVENT_DATE" } });
  });
});
