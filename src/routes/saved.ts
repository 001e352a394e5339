// Saved queries (API.md §7.9): create, list, replace and delete (master key); GET executes one
// (read key), answered from the result cache for the query's own cache-period.

import { Hono } from "hono";
import { requireLevel } from "../middleware/auth";
import { catalogOf } from "../../durable-objects/stubs";
import { readJson } from "../middleware/body-limits";
import { success } from "./respond";
import { type AppEnv } from "../app-env";
import { compileSavedQuery, parseSavedQuery, savedQueryEcho, validateSavedQueryName, type SavedQuery } from "../query/saved";
import { ApiError, ERRORS } from "../../contract/errors";
import type { RpcResult } from "../../contract/rpc-result";
import { QUERY_BODY_BYTES_MAX } from "../../contract/limits";
import { answer, compileWithFreshSchema, namesUnknownSchema, requestCacheKey } from "../query/run";

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
  const { compiled: def } = await compileWithFreshSchema(c, (schema) => parseSavedQuery(body, schema, Date.now()), definitionNamesUnknownSchema);
  const result = await catalogOf(c.env, caller.db).putSaved({ ...def }, "create");
  if (!result.ok) throw ApiError.from(result.error);
  return success(c, savedQueryEcho(def));
});

saved.get("/query/saved/:name", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, ["read"], "run saved queries");
  const def = await loadSaved(c.env, caller.db, c.req.param("name"));
  // Like the query routes: a column another isolate just created is looked up once more before 85.
  const { compiled } = await compileWithFreshSchema(c, (s) => compileSavedQuery(def, s, Date.now()));
  return answer(c, { ...compiled, cacheKey: requestCacheKey(`/v1/query/saved/${def.name}`, def) }, def["cache-period"] * 1000);
});

saved.put("/query/saved/:name", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "replace saved queries");
  const body = await readJson(c, QUERY_BODY_BYTES_MAX);
  const { compiled: def } = await compileWithFreshSchema(c, (schema) => parseSavedQuery(body, schema, Date.now(), c.req.param("name")), definitionNamesUnknownSchema);
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

/** Codes a fresher schema could cure, as a definition's error (116) quotes them. */
const SCHEMA_SENSITIVE_CODES: readonly number[] = [ERRORS.QUERY_UNKNOWN_COLUMN.code, ERRORS.QUERY_UNKNOWN_DIMENSION.code];

/** A definition names a column or dimension the schema used did not know (its own dimension: 128; inside its query: 116 quoting 85/128). */
function definitionNamesUnknownSchema(e: ApiError): boolean {
  if (namesUnknownSchema(e)) return true;
  const inner = (e.moreInfo as { code?: unknown } | undefined)?.code;
  return e.errorName === "QUERY_SAVED_QUERY" && typeof inner === "number" && SCHEMA_SENSITIVE_CODES.includes(inner);
}

async function loadSaved(env: Env, db: string, name: string): Promise<SavedQuery> {
  validateSavedQueryName(name);
  const def = await catalogOf(env, db).getSaved(name);
  if (!def) throw new ApiError("QUERY_SAVED_NOT_FOUND", `no saved query named '${name}'`);
  return def as unknown as SavedQuery;
}
