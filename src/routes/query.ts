// The query endpoints of API.md §7.1-7.6: each body is compiled once at the edge into a plan,
// fanned out to every shard in parallel, and the partial answers merged exactly.

import { Hono } from "hono";
import { requireLevel } from "../middleware/auth";
import { readJson } from "../middleware/body-limits";
import type { AppEnv } from "../app-env";
import { compileAggregation } from "../query/aggregation";
import { compileCountEntity } from "../query/count-entity";
import { compileCountEvent } from "../query/count-event";
import { compileExists } from "../query/exists";
import { compileTopValues } from "../query/top-values";
import { compileTotal } from "../query/total";
import { QUERY_BODY_BYTES_MAX } from "../../contract/limits";
import { runQuery, type Compiler } from "../query/run";

export const queries = new Hono<AppEnv>();

const ENDPOINTS: Array<[path: string, compile: Compiler, emptyBody?: unknown]> = [
  ["/query/count/entity", compileCountEntity],
  ["/query/count/entity/total", compileTotal, {}],
  ["/query/count/event", compileCountEvent],
  ["/query/exists/entity", compileExists],
  ["/query/top_values", compileTopValues],
  ["/query/aggregation", compileAggregation],
];

for (const [path, compile, empty] of ENDPOINTS) {
  queries.post(path, async (c) => {
    requireLevel(c.get("caller"), ["read"], "run queries");
    const body = await readJson(c, QUERY_BODY_BYTES_MAX, empty);
    return runQuery(c, body, compile);
  });
}
// API.md §7.2 HIST: count entity total used to be a GET without a body.
queries.get("/query/count/entity/total", async (c) => {
  requireLevel(c.get("caller"), ["read"], "run queries");
  return runQuery(c, {}, compileTotal);
});
