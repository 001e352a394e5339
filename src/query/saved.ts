// Saved queries (API.md §7.9): validating a definition (name, type, query, cache-period) by compiling
// it once, the echo bodies, and compiling a stored definition into its endpoint's CompiledQuery
// (count types answer `{"query": n}`, keyed by the literal "query", API.md §10 item 14).

import { ApiError } from "../../contract/errors";
import { SAVED_QUERY_NAME_CHARS_MAX } from "../../contract/limits";
import type { SchemaIndex } from "../../contract/schema";
import { isObject, rejectUnknownKeys, requireObject, resolveDimension, show } from "./body";
import type { CompiledQuery } from "./compiled";
import { compileAggregation } from "./aggregation";
import { compileCountEntity } from "./count-entity";
import { compileCountEvent } from "./count-event";
import { compileTopValues } from "./top-values";
import { compileTotal } from "./total";

export const SAVED_QUERY_TYPES = ["count/entity", "count/event", "count/entity/total", "aggregation", "top_values"] as const;
export type SavedQueryType = (typeof SAVED_QUERY_TYPES)[number];

/** Default `cache-period` (seconds) when a definition gives none: the README samples use 60. */
export const SAVED_QUERY_CACHE_PERIOD_DEFAULT = 60;

export interface SavedQuery {
  name: string;
  type: SavedQueryType;
  /** As the client sent it: the boolean list (count types) or the endpoint's body (aggregation, top_values). */
  query: unknown;
  dimension?: string;
  "cache-period": number;
}

export function validateSavedQueryName(name: unknown): string {
  if (name === undefined || name === null || name === "") throw new ApiError("QUERY_SAVED_MISSING_NAME", `a saved query needs a "name"`);
  if (typeof name !== "string" || !/^[A-Za-z0-9-]+$/.test(name) || name.length > SAVED_QUERY_NAME_CHARS_MAX) {
    throw new ApiError("QUERY_SAVED_NAME", `saved query name ${show(name)} must be 1-${SAVED_QUERY_NAME_CHARS_MAX} characters of A-Z, a-z, 0-9 and "-"`);
  }
  return name;
}

/**
 * A definition from POST (name in the body) or PUT (`pathName`; a body name must match it), checked
 * by compiling it against the current schema; an invalid query is error 116 quoting the inner error.
 */
export function parseSavedQuery(body: unknown, schema: SchemaIndex, now: number, pathName?: string): SavedQuery {
  const obj = requireObject(body, "a saved query body");
  rejectUnknownKeys(obj, ["name", "type", "query", "dimension", "cache-period"], "a saved query body");
  let name: string;
  if (pathName !== undefined) {
    name = validateSavedQueryName(pathName);
    if (obj["name"] !== undefined && obj["name"] !== name) {
      throw new ApiError("QUERY_SAVED_NAME", `a saved query cannot be renamed: body name ${show(obj["name"])} differs from "${name}"`);
    }
  } else name = validateSavedQueryName(obj["name"]);

  const type = obj["type"];
  if (typeof type !== "string" || !(SAVED_QUERY_TYPES as readonly string[]).includes(type)) {
    throw new ApiError("QUERY_SAVED_TYPE", `saved query type must be one of ${SAVED_QUERY_TYPES.join(", ")}, got ${show(type)}`);
  }
  if (obj["query"] === undefined && type !== "count/entity/total") throw new ApiError("QUERY_MISSING", `saved query "${name}" needs a "query"`);

  let cachePeriod = SAVED_QUERY_CACHE_PERIOD_DEFAULT;
  if (obj["cache-period"] !== undefined) {
    const c = obj["cache-period"];
    if (typeof c !== "number" || !Number.isSafeInteger(c) || c < 0) {
      throw new ApiError("QUERY_SAVED_CACHE_PERIOD", `cache-period must be a non-negative integer number of seconds, got ${show(c)}`);
    }
    cachePeriod = c;
  }
  const def: SavedQuery = { name, type: type as SavedQueryType, query: obj["query"], "cache-period": cachePeriod };
  if (obj["dimension"] !== undefined) def.dimension = resolveDimension(obj["dimension"], schema);
  try {
    compileSavedQuery(def, schema, now);
  } catch (err) {
    if (err instanceof ApiError) {
      throw new ApiError("QUERY_SAVED_QUERY", `saved query "${name}" is not a valid ${type} query: ${err.message}`, { code: err.code });
    }
    throw err;
  }
  return def;
}

/** The definition as POST/PUT/GET-list/DELETE show it (PUT echoes it without the name). */
export function savedQueryEcho(def: SavedQuery, withName = true): Record<string, unknown> {
  const out: Record<string, unknown> = withName ? { name: def.name } : {};
  out["type"] = def.type;
  out["query"] = def.query;
  if (def.dimension !== undefined) out["dimension"] = def.dimension;
  out["cache-period"] = def["cache-period"];
  return out;
}

/**
 * A stored definition as its endpoint's CompiledQuery; the merge answers
 * `{"type", "query", "result"}` (+ the approximation flag), result keyed by "query" for count types.
 */
export function compileSavedQuery(def: SavedQuery, schema: SchemaIndex, now: number): CompiledQuery {
  const inner = innerQuery(def, schema, now);
  return {
    planFor: (shard) => inner.planFor(shard),
    merge: (answers, ctx) => ({ type: def.type, query: def.query, ...inner.merge(answers, ctx) }),
    cacheKey: JSON.stringify(["saved", def.type, inner.cacheKey]),
  };
}

function innerQuery(def: SavedQuery, schema: SchemaIndex, now: number): CompiledQuery {
  const withDimension = (body: Record<string, unknown>) => (def.dimension !== undefined && body["dimension"] === undefined ? { ...body, dimension: def.dimension } : body);
  switch (def.type) {
    case "count/entity":
      return compileCountEntity(withDimension({ "query-name": "query", query: def.query }), schema, now);
    case "count/event":
      return compileCountEvent(withDimension({ "query-name": "query", query: def.query }), schema, now);
    case "count/entity/total": {
      const q = def.query;
      // Accept {"dimensions": [...]}, a bare list of dimensions, or nothing (whole database).
      const body = Array.isArray(q) ? { dimensions: q } : isObject(q) ? q : def.dimension !== undefined ? { dimensions: [def.dimension] } : {};
      return compileTotal(body, schema, now);
    }
    case "aggregation": {
      const q = def.query;
      const body = Array.isArray(q) ? { query: q } : requireObject(q, "an aggregation saved query");
      return compileAggregation(withDimension(body), schema, now);
    }
    case "top_values":
      return compileTopValues(withDimension(requireObject(def.query, "a top values saved query")), schema, now);
  }
}
