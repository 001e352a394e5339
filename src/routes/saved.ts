// Saved queries (API.md §7.9): create, list, replace and delete (master key); GET executes one
// (read key), answered from the result cache for the query's own cache-period.

import { Hono } from "hono";
import { refreshSchema, requireLevel } from "../auth";
import { catalogOf } from "../bindings";
import { readJson, success, type AppContext, type AppEnv } from "../http";
import { compileSavedQuery, parseSavedQuery, savedQueryEcho, validateSavedQueryName, type SavedQuery } from "../query/saved";
import { ApiError, ERRORS } from "../shared/errors";
import type { RpcResult } from "../shared/rpc";
import { QUERY_BODY_BYTES_MAX } from "../shared/limits";
import type { SchemaIndex } from "../shared/schema";
import { answer, compileWithFreshSchema, requestCacheKey } from "./query";

export const saved = new Hono<AppEnv>();

saved.get("/query/saved", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "list saved queries");
  const list = (await catalogOf(c.env, caller.db).listSaved()) as unknown as SavedQuery[];
  return success(c, { "saved-queries": list.map((q) => savedQueryEcho(q)) });
});

saved.post("/query/saved", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "create saved queries");
  const body = await readJson(c, QUERY_BODY_BYTES_MAX);
  const def = await parseWithFreshSchema(c, (schema) => parseSavedQuery(body, schema, Date.now()));
  const result = await catalogOf(c.env, caller.db).putSaved({ ...def }, "create");
  if (!result.ok) throw ApiError.from(result.error);
  return success(c, savedQueryEcho(def));
});

saved.get("/query/saved/:name", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, ["read"], "run saved queries");
  const def = await loadSaved(c.env, caller.db, c.req.param("name"));
  // Like the query routes: a column another isolate just created is looked up once more before 85.
  const { compiled, schema } = await compileWithFreshSchema(c, (s) => compileSavedQuery(def, s, Date.now()));
  if (schema !== caller.schema) c.set("caller", { ...caller, schema });
  return answer(c, { ...compiled, cacheKey: requestCacheKey(`/v1/query/saved/${def.name}`, def) }, def["cache-period"] * 1000);
});

saved.put("/query/saved/:name", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "replace saved queries");
  const body = await readJson(c, QUERY_BODY_BYTES_MAX);
  const def = await parseWithFreshSchema(c, (schema) => parseSavedQuery(body, schema, Date.now(), c.req.param("name")));
  const result = await catalogOf(c.env, caller.db).putSaved({ ...def }, "replace");
  if (!result.ok) throw ApiError.from(result.error);
  return success(c, savedQueryEcho(def, false));
});

saved.delete("/query/saved/:name", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "delete saved queries");
  const name = validateSavedQueryName(c.req.param("name"));
  // The stub's RPC typing loses the result union's narrowing; the catalog answers an RpcResult.
  const result = (await catalogOf(c.env, caller.db).deleteSaved(name)) as RpcResult<SavedQuery>;
  if (!result.ok) throw ApiError.from(result.error);
  const deleted = result.value;
  return success(c, { ...savedQueryEcho(deleted), "deleted-query": name });
});

/**
 * Validates a definition against the caller's cached schema; when it names a column or dimension
 * that schema does not know (116 quoting 85/128, or 128 for the definition's own dimension), looks at
 * the catalog once more, since another isolate may have just created it (as compileWithFreshSchema).
 */
async function parseWithFreshSchema(c: AppContext, parse: (schema: SchemaIndex) => SavedQuery): Promise<SavedQuery> {
  const caller = c.get("caller");
  try {
    return parse(caller.schema);
  } catch (e) {
    if (!(e instanceof ApiError) || !schemaSensitive(e)) throw e;
    const schema = await refreshSchema(c.env, caller.db);
    c.set("caller", { ...caller, schema });
    return parse(schema);
  }
}

/** Codes a fresher schema could cure, as a definition's error quotes them (116 wrapping them). */
const SCHEMA_SENSITIVE_CODES: readonly number[] = [ERRORS.QUERY_UNKNOWN_COLUMN.code, ERRORS.QUERY_UNKNOWN_DIMENSION.code];

function schemaSensitive(e: ApiError): boolean {
  if (e.errorName === "QUERY_UNKNOWN_DIMENSION") return true;
  const inner = (e.moreInfo as { code?: unknown } | undefined)?.code;
  return e.errorName === "QUERY_SAVED_QUERY" && typeof inner === "number" && SCHEMA_SENSITIVE_CODES.includes(inner);
}

async function loadSaved(env: Env, db: string, name: string): Promise<SavedQuery> {
  validateSavedQueryName(name);
  const def = await catalogOf(env, db).getSaved(name);
  if (!def) throw new ApiError("QUERY_SAVED_NOT_FOUND", `no saved query named '${name}'`);
  return def as unknown as SavedQuery;
}
