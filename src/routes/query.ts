// The query endpoints of API.md §7.1-7.6: each body is compiled once at the edge into a plan,
// fanned out to every shard in parallel, and the partial answers merged exactly.

import { Hono } from "hono";
import { refreshSchema, requireLevel } from "../auth";
import { readJson, success, type AppContext, type AppEnv } from "../http";
import { compileAggregation } from "../query/aggregation";
import type { CompiledQuery } from "../query/compiled";
import { compileCountEntity } from "../query/count-entity";
import { compileCountEvent } from "../query/count-event";
import { compileExists } from "../query/exists";
import { queryShards } from "../query/fanout";
import { compileTopValues } from "../query/top-values";
import { compileTotal } from "../query/total";
import { ApiError } from "../shared/errors";
import { QUERY_BODY_BYTES_MAX } from "../shared/limits";
import type { SchemaIndex } from "../shared/schema";

export type Compiler = (body: unknown, schema: SchemaIndex, now: number) => CompiledQuery;

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
    return success(c, await runQuery(c, body, compile));
  });
}
// API.md §7.2 HIST: count entity total used to be a GET without a body.
queries.get("/query/count/entity/total", async (c) => {
  requireLevel(c.get("caller"), ["read"], "run queries");
  return success(c, await runQuery(c, {}, compileTotal));
});

/** Compiles (looking at a fresh schema once before calling a column unknown), fans out, merges. */
export async function runQuery(c: AppContext, body: unknown, compile: Compiler): Promise<Record<string, unknown>> {
  const caller = c.get("caller");
  const now = Date.now();
  let compiled: CompiledQuery;
  try {
    compiled = compile(body, caller.schema, now);
  } catch (e) {
    if (!(e instanceof ApiError) || !SCHEMA_SENSITIVE.has(e.errorName)) throw e;
    compiled = compile(body, await refreshSchema(c.env, caller.db), now);
  }
  return execute(c, compiled);
}

const SCHEMA_SENSITIVE = new Set(["QUERY_UNKNOWN_COLUMN", "QUERY_UNKNOWN_DIMENSION"]);

export async function execute(c: AppContext, compiled: CompiledQuery): Promise<Record<string, unknown>> {
  const db = c.get("caller").schema.database;
  const result = await queryShards(c.env, db, compiled.planFor);
  return compiled.merge(result.answers, { missingShards: result.missingShards, totalShards: db.shards });
}
