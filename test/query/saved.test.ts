// Saved queries: definition validation (codes 102/105/116/117/118), echoes, and execution of a stored
// definition through its endpoint (count types keyed by the literal "query").

import { afterAll, describe, expect, it } from "vitest";
import { compileSavedQuery, parseSavedQuery, savedQueryEcho } from "../../src/query/saved";
import { decodePageToken, encodePageToken } from "../../src/query/page-token";
import { Cluster, insertToWrites } from "./helpers/cluster";
import { expectCode } from "./helpers/errors";
import { makeSchema } from "./helpers/schema";

const NOW = Date.parse("2020-06-15T12:00:00Z");
const schema = makeSchema(
  [
    { apiName: "plan", type: "string", dimension: "customers" },
    { apiName: "seats", type: "integer", dimension: "customers" },
    { apiName: "logins", type: "string-event", dimension: "customers" },
  ],
  ["default", "customers"],
  2,
);
const cluster = new Cluster(2);
cluster.write(
  insertToWrites(
    {
      c1: { plan: "Gold", seats: 10, logins: { value: "web", date: "2020-06-15T10:00:00Z" }, dimension: "customers" },
      c2: { plan: "gold", seats: 12, dimension: "customers" },
      c3: { plan: "silver", seats: 1, logins: [{ value: "web", date: "2020-06-14T10:00:00Z" }, { value: "app" }], dimension: "customers" },
    },
    schema,
    NOW,
  ),
);
afterAll(() => cluster.close());

describe("saved query definitions", () => {
  it("validates and echoes a definition (default cache-period 60)", () => {
    const def = parseSavedQuery({ name: "gold-ny", type: "count/entity", query: [{ plan: { equals: "gold" } }], dimension: "customers" }, schema, NOW);
    expect(savedQueryEcho(def)).toEqual({ name: "gold-ny", type: "count/entity", query: [{ plan: { equals: "gold" } }], dimension: "customers", "cache-period": 60 });
    expect(savedQueryEcho(def, false)).not.toHaveProperty("name");
  });
  it("takes the name from the path on PUT", () => {
    expect(parseSavedQuery({ type: "count/entity/total", "cache-period": 0 }, schema, NOW, "all-1").name).toBe("all-1");
    expectCode(() => parseSavedQuery({ name: "other", type: "count/entity/total" }, schema, NOW, "all-1"), 118);
  });
  it("rejects bad members", () => {
    const q = [{ plan: { equals: "gold" } }];
    expectCode(() => parseSavedQuery({ type: "count/entity", query: q }, schema, NOW), 102);
    expectCode(() => parseSavedQuery({ name: "bad name!", type: "count/entity", query: q }, schema, NOW), 118);
    expectCode(() => parseSavedQuery({ name: "a", type: "result", query: q }, schema, NOW), 105);
    expectCode(() => parseSavedQuery({ name: "a", type: "count/entity", query: q, "cache-period": -1 }, schema, NOW), 117);
    expectCode(() => parseSavedQuery({ name: "a", type: "count/entity", query: q, "cache-period": "60" }, schema, NOW), 117);
    expectCode(() => parseSavedQuery({ name: "a", type: "count/entity" }, schema, NOW), 80);
    const e = expectCode(() => parseSavedQuery({ name: "a", type: "count/entity", query: [{ ghost: { equals: 1 } }], dimension: "customers" }, schema, NOW), 116, /ghost/);
    expect(e.moreInfo).toEqual({ code: 85 });
  });
});

describe("saved query execution", () => {
  it('keys count results by the literal "query"', () => {
    const def = parseSavedQuery({ name: "g", type: "count/entity", query: [{ plan: { equals: "GOLD" } }], dimension: "customers" }, schema, NOW);
    expect(cluster.run(compileSavedQuery(def, schema, NOW))).toEqual({ type: "count/entity", query: [{ plan: { equals: "GOLD" } }], result: { query: 2 } });
    const ev = parseSavedQuery({ name: "e", type: "count/event", query: [{ logins: { equals: "web", between: ["now", "-2d"] } }], dimension: "customers" }, schema, NOW);
    expect(cluster.run(compileSavedQuery(ev, schema, NOW))).toMatchObject({ result: { query: 2 } });
  });
  it("runs totals, aggregations and top values with their own result shapes", () => {
    const total = parseSavedQuery({ name: "t", type: "count/entity/total", query: { dimensions: ["customers"] } }, schema, NOW);
    expect(cluster.run(compileSavedQuery(total, schema, NOW))).toMatchObject({ result: { total: 3 } });
    const agg = parseSavedQuery({ name: "a", type: "aggregation", query: { query: [{ plan: 5 }, { seats: "sum" }] }, dimension: "customers" }, schema, NOW);
    expect(cluster.run(compileSavedQuery(agg, schema, NOW))).toMatchObject({
      result: {
        plan: [
          { value: "gold", quantity: 2, seats: { sum: 22 } },
          { value: "silver", quantity: 1, seats: { sum: 1 } },
        ],
      },
    });
    const top = parseSavedQuery({ name: "tv", type: "top_values", query: { p: { plan: 1 } }, dimension: "customers" }, schema, NOW);
    expect(cluster.run(compileSavedQuery(top, schema, NOW))).toMatchObject({ result: { p: { plan: [{ value: "gold", quantity: 2 }] } } });
  });
});

describe("page tokens", () => {
  it("round-trip and refuse tampering", () => {
    const t = encodePageToken("abc", { page: 3, limit: 10, offsets: [4, 6] });
    expect(decodePageToken(t, "abc")).toEqual({ page: 3, limit: 10, offsets: [4, 6] });
    expectCode(() => decodePageToken(t, "abd"), 113, /different query/);
    const forged = btoa(JSON.stringify({ v: 1, h: "abc", p: 2, l: 10, o: [-1] }));
    expectCode(() => decodePageToken(forged, "abc"), 113, /damaged/);
    expectCode(() => decodePageToken(42, "abc"), 113);
    expectCode(() => decodePageToken("%%%", "abc"), 113);
  });
});
