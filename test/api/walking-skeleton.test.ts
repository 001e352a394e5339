import { describe, expect, it } from "vitest";
import { call, createDatabase, firstError } from "../helpers/api";

describe("walking skeleton", () => {
  it("creates a database, a column, inserts and waits", async () => {
    const db = await createDatabase({ shards: 3 });
    const col = await call("POST", "/v1/column/", { key: db.master, body: { name: "Plan", "api-name": "plan", type: "string", cardinality: "low" } });
    expect(col.status, col.text).toBe(200);
    expect(col.body).toMatchObject({ status: "success", "api-name": "plan" });
    const ins = await call("POST", "/v1/insert?wait=true", { key: db.write, body: { u1: { plan: "Gold" }, u2: { plan: "silver" } } });
    expect(ins.status, ins.text).toBe(200);
    expect(ins.body).toMatchObject({ status: "success", "inserted-entities": 2, "inserted-columns": 2 });
    const bad = await call("POST", "/v1/insert", { key: db.write, body: { u1: { nope: "x" } } });
    expect(bad.status).toBe(400);
    expect(firstError(bad).code).toBe(67);
  });
});
