// What the console sends and how it reports failures: example bodies written with the schema's
// columns (web/console/endpoints.ts, schema.ts) and the error report (error-report.ts).
import { describe, expect, it } from "vitest";
import type { ApiResponse } from "../../../web/console/api";
import { ENDPOINTS, exampleSql } from "../../../web/console/endpoints";
import { errorReport } from "../../../web/console/error-report";
import { buildSchema, exampleColumns } from "../../../web/console/schema";

const columns = {
  active: [
    { name: "Plan", "api-name": "plan", type: "string", dimension: "default" },
    { name: "Logins", "api-name": "logins", type: "string-event", dimension: "default" },
    { name: "Order total", "api-name": "order-total", type: "decimal", dimension: "orders" },
  ],
  inactive: [],
};

const response = (status: number, body: unknown, requestId: string | null = null): ApiResponse => ({
  status,
  statusText: status === 200 ? "OK" : "Bad Request",
  body,
  text: JSON.stringify(body),
  requestId,
  elapsedMs: 1,
});

describe("schema and examples", () => {
  it("takes the dimensions from the database when the key may read it, else from the columns", () => {
    expect(buildSchema({ name: "shop", dimensions: ["default", "users"] }, columns).dimensions).toEqual(["default", "users", "orders"]);
    const readKey = buildSchema(null, columns);
    expect(readKey.database).toBeNull();
    expect(readKey.dimensions).toEqual(["default", "orders"]);
    expect(buildSchema(null, null)).toEqual({ database: null, dimensions: ["default"], columns: [] });
  });

  it("writes every example with the database's columns", () => {
    const cols = exampleColumns(buildSchema(null, columns));
    expect(cols).toEqual({ dimension: "default", text: "plan", event: "logins", numeric: null, any: "plan" });
    const bodies = Object.fromEntries(ENDPOINTS.map((e) => [e.id, e.example(cols)]));
    expect(bodies["top-values"]).toEqual({ top: { plan: 10 } });
    expect(bodies["aggregation"]).toEqual({ query: [{ logins: "count-events", between: ["now", "-30d"], interval: "days" }] });
    expect(JSON.stringify(bodies["count-event"])).toContain('"logins"');
    expect(exampleSql(cols)).toBe("SELECT plan, COUNT(*) FROM default GROUP BY plan");
    const orders = exampleColumns(buildSchema(null, { active: [columns.active[2]] }));
    expect(ENDPOINTS.find((e) => e.id === "top-values")!.example(orders)).toEqual({ top: { "order-total": 10 }, dimension: "orders" });
    expect(exampleSql(orders)).toBe("SELECT [order-total], COUNT(*) FROM orders GROUP BY [order-total]");
  });
});

describe("error report", () => {
  it("is null for a success", () => {
    expect(errorReport(response(200, { status: "success", result: {} }))).toBeNull();
  });

  it("lists every code and message of the envelope, with the status and request id", () => {
    const r = errorReport(
      response(
        400,
        {
          errors: [
            { code: 85, message: "column x" },
            { code: 86, message: "two operands" },
          ],
        },
        "req-1",
      ),
    );
    expect(r).toEqual({
      status: "HTTP 400 Bad Request",
      errors: [
        { code: 85, message: "column x" },
        { code: 86, message: "two operands" },
      ],
      requestId: "req-1",
      raw: null,
    });
  });

  it("keeps the text of a failure that is not an envelope, and says when nothing answered", () => {
    const html = { ...response(502, null), statusText: "Bad Gateway", text: "<html>bad gateway</html>" };
    expect(errorReport(html)).toMatchObject({ status: "HTTP 502 Bad Gateway", errors: [], raw: "<html>bad gateway</html>" });
    expect(errorReport({ ...response(0, null), statusText: "network error: Failed to fetch", text: "" })).toMatchObject({ status: "network error: Failed to fetch" });
  });
});
