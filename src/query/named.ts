// The request shape shared by count entity and count event (API.md §7.1, §7.3): one named query
// object or a list of at most NAMED_QUERIES_MAX, each with query-name, query, dimension, bypass-cache.

import { ApiError } from "../../contract/errors";
import { NAMED_QUERIES_MAX } from "../../contract/limits";
import type { SchemaIndex } from "../../contract/schema";
import { isObject, readBypassCache, rejectUnknownKeys, resolveDimension, show } from "./body";

export interface NamedQueryInput {
  name: string;
  query: unknown;
  dimension: string;
}

const NAMED_KEYS = ["query-name", "query", "dimension", "bypass-cache"] as const;

export function readNamedQueries(body: unknown, schema: SchemaIndex, endpoint: string): { items: NamedQueryInput[]; bypassCache: boolean } {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) throw new ApiError("QUERY_INVALID_FORMAT", `a ${endpoint} request needs at least one named query`);
  if (list.length > NAMED_QUERIES_MAX) {
    throw new ApiError("QUERY_TOO_MANY_QUERIES", `${list.length} named queries in one ${endpoint} request; the maximum is ${NAMED_QUERIES_MAX}`, { max: NAMED_QUERIES_MAX });
  }
  let bypassCache = false;
  const seen = new Set<string>();
  const items = list.map((item, i): NamedQueryInput => {
    if (!isObject(item)) throw new ApiError("QUERY_INVALID_FORMAT", `${endpoint} query ${i + 1} must be an object with query-name and query, got ${show(item)}`);
    rejectUnknownKeys(item, NAMED_KEYS, `${endpoint} query ${i + 1}`);
    const name = item["query-name"];
    if (typeof name !== "string" || name === "") {
      throw new ApiError("QUERY_INVALID_FORMAT", `${endpoint} query ${i + 1} needs a non-empty string "query-name", got ${show(name)}`);
    }
    // The result is keyed by name, so two queries with one name would silently lose one answer.
    if (seen.has(name)) throw new ApiError("QUERY_INVALID_FORMAT", `query-name "${name}" is used twice in one request`);
    seen.add(name);
    if (item["query"] === undefined) throw new ApiError("QUERY_MISSING", `${endpoint} query "${name}" has no "query" member`);
    bypassCache ||= readBypassCache(item);
    return { name, query: item["query"], dimension: resolveDimension(item["dimension"], schema) };
  });
  return { items, bypassCache };
}
