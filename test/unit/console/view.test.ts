// The console's answer → table and chart rules (web/console/results.ts, aggregation-view.ts), on
// bodies shaped as the API answers them.
import { describe, expect, it } from "vitest";
import { aggregationView } from "../../../web/console/aggregation-view";
import { resultView } from "../../../web/console/results";

const DAY = 86_400_000;
const day = (d: number): string => `2026-10-0${d}T00:00:00Z`;

describe("aggregation answers", () => {
  it("turns a count-events histogram into rows and one line, putting empty days back as 0", () => {
    const result = {
      logins: [
        { "count-events": 4, between: [day(1), day(2)] },
        { "count-events": 7, between: [day(3), day(4)] },
      ],
    };
    const v = aggregationView(result);
    expect(v.rows).toEqual([
      { series: "logins", from: day(1), to: day(2), "count-events": 4 },
      { series: "logins", from: day(3), to: day(4), "count-events": 7 },
    ]);
    expect(v.charts).toEqual([
      {
        type: "line",
        title: "logins count-events per day",
        stepMs: DAY,
        series: [
          {
            name: "logins count-events",
            points: [
              { x: Date.parse(day(1)), y: 4 },
              { x: Date.parse(day(2)), y: 0 },
              { x: Date.parse(day(3)), y: 7 },
            ],
          },
        ],
      },
    ]);
  });

  it("leaves gaps in an avg histogram: the average of nothing is not 0", () => {
    const v = aggregationView({
      price: [
        { avg: 2.5, between: [day(1), day(2)] },
        { avg: 4, between: [day(4), day(5)] },
      ],
    });
    expect(v.charts[0]).toMatchObject({ type: "line", series: [{ points: [{ y: 2.5 }, { y: 4 }] }] });
  });

  it("draws one series per group under a grouped histogram, and flattens the groups into rows", () => {
    const result = {
      plan: [
        { value: "gold", quantity: 2, logins: [{ "count-events": 3, between: [day(1), day(2)] }] },
        { value: "silver", quantity: 1, logins: [{ "count-events": 1, between: [day(1), day(2)] }] },
      ],
    };
    const v = aggregationView(result);
    expect(v.rows).toEqual([
      { plan: "gold", "plan quantity": 2, series: "logins", from: day(1), to: day(2), "count-events": 3 },
      { plan: "silver", "plan quantity": 1, series: "logins", from: day(1), to: day(2), "count-events": 1 },
    ]);
    expect(v.charts[0]).toMatchObject({ type: "line", title: "per day", series: [{ name: "plan=gold · logins count-events" }, { name: "plan=silver · logins count-events" }] });
  });

  it("charts the top level of a group-by as bars, with nested groups and metrics in the rows", () => {
    const result = {
      plan: [
        {
          value: "gold",
          quantity: 40,
          seats: [
            { value: "12", quantity: 9 },
            { value: "10", quantity: 4 },
          ],
        },
        { value: "silver", quantity: 31 },
      ],
    };
    const v = aggregationView(result);
    expect(v.rows).toEqual([
      { plan: "gold", "plan quantity": 40, seats: "12", "seats quantity": 9 },
      { plan: "gold", "plan quantity": 40, seats: "10", "seats quantity": 4 },
      { plan: "silver", "plan quantity": 31 },
    ]);
    expect(v.charts).toEqual([
      {
        type: "bar",
        title: "plan: entities per value",
        bars: [
          { label: "gold", value: 40 },
          { label: "silver", value: 31 },
        ],
      },
    ]);
    expect(aggregationView({ plan: [{ value: "gold", quantity: 2, seats: { avg: 11.5, sum: 23 } }] }).rows).toEqual([{ plan: "gold", "plan quantity": 2, "seats avg": 11.5, "seats sum": 23 }]);
  });

  it("shows plain metrics as one row and no chart; an empty answer as no rows", () => {
    expect(aggregationView({ seats: { avg: 11.5 }, price: { max: 3 } })).toEqual({ rows: [{ "seats avg": 11.5, "price max": 3 }], charts: [], notes: [] });
    expect(aggregationView({ plan: [] }).rows).toEqual([]);
  });
});

describe("other answers", () => {
  it("top values: a row per value and a bar chart per sub-query", () => {
    const v = resultView("top-values", {
      status: "success",
      result: {
        plans: {
          plan: [
            { value: "gold", quantity: 2 },
            { value: "silver", quantity: 1 },
          ],
        },
      },
    });
    expect(v.table).toEqual({
      columns: ["query", "column", "value", "quantity"],
      rows: [
        { query: "plans", column: "plan", value: "gold", quantity: 2 },
        { query: "plans", column: "plan", value: "silver", quantity: 1 },
      ],
    });
    expect(v.charts).toEqual([
      {
        type: "bar",
        title: "plans · plan",
        bars: [
          { label: "gold", value: 2 },
          { label: "silver", value: 1 },
        ],
      },
    ]);
  });

  it("counts: a row per query, bars when there are several, and the approximate flag as a note", () => {
    const v = resultView("counts", { result: { a: 3, b: 5 }, approximate: true, "missing-shards": 1 });
    expect(v.table.rows).toEqual([
      { query: "a", count: 3 },
      { query: "b", count: 5 },
    ]);
    expect(v.charts).toHaveLength(1);
    expect(v.notes).toEqual(["approximate answer: 1 shard(s) did not answer"]);
    expect(resultView("counts", { result: { a: 3 } }).charts).toEqual([]);
  });

  it("extraction: rows as given, event values as JSON, and the next-page token", () => {
    const v = resultView("extraction", {
      data: [
        { "entity-id": "u1", logins: { value: "web", date: "2026-10-01T00:00:00Z" } },
        { "entity-id": "u2", plan: "gold" },
      ],
      page: 1,
      "next-page": "tok",
    });
    expect(v.table.columns).toEqual(["entity-id", "logins", "plan"]);
    expect(v.table.rows[0]).toEqual({ "entity-id": "u1", logins: '{"value":"web","date":"2026-10-01T00:00:00Z"}' });
    expect([v.page, v.nextPage]).toEqual([1, "tok"]);
    expect(resultView("extraction", { data: [], page: 2, "next-page": null }).nextPage).toBeNull();
  });

  it("exists and total", () => {
    expect(resultView("exists", { exists: ["a"], "not-exists": ["b"] }).table.rows).toEqual([
      { id: "a", exists: true },
      { id: "b", exists: false },
    ]);
    expect(resultView("total", { result: { total: 42 } }).table.rows).toEqual([{ total: 42 }]);
  });

  it("SQL: bars of the first number column labelled by the first other column; none without numbers", () => {
    const v = resultView("sql", {
      result: [
        { plan: "gold", COUNT: 2 },
        { plan: "silver", COUNT: 1 },
      ],
      count: 2,
    });
    expect(v.charts).toEqual([
      {
        type: "bar",
        title: "COUNT by plan",
        bars: [
          { label: "gold", value: 2 },
          { label: "silver", value: 1 },
        ],
      },
    ]);
    expect(resultView("sql", { result: [{ COUNT: 7 }] }).charts).toEqual([{ type: "bar", title: "COUNT", bars: [{ label: "row 1", value: 7 }] }]);
    expect(resultView("sql", { result: [{ plan: "gold" }] }).charts).toEqual([]);
    expect(resultView("sql", { result: [] }).table).toEqual({ columns: [], rows: [] });
  });
});
