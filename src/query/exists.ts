// POST /query/exists/entity (API.md §7.4): which of ≤ EXISTS_IDS_MAX ids are live in the dimension.
// Every shard is asked (routing is the insert path's business), so a missing shard is an error: a
// "not-exists" we cannot vouch for would be wrong.

import { ApiError } from "../../contract/errors";
import { EXISTS_IDS_MAX } from "../../contract/limits";
import type { ExistsQuery } from "../../contract/plan";
import type { SchemaIndex } from "../../contract/schema";
import { readBypassCache, rejectUnknownKeys, requireObject, resolveDimension, show } from "./body";
import type { CompiledQuery } from "./compiled";
import { answersOfKind, requireComplete } from "./merge/shards";

export function compileExists(body: unknown, schema: SchemaIndex, _now: number): CompiledQuery {
  const obj = requireObject(body, "an exists body");
  rejectUnknownKeys(obj, ["ids", "dimension", "table", "bypass-cache"], "an exists body");
  const raw = obj["ids"];
  if (raw === undefined) throw new ApiError("QUERY_EXISTS_MISSING_IDS", `an exists query needs "ids", a list of entity ids`);
  if (!Array.isArray(raw)) throw new ApiError("QUERY_INVALID_FORMAT", `"ids" must be a list of entity ids, got ${show(raw)}`);
  if (raw.length === 0) throw new ApiError("QUERY_EXISTS_EMPTY", `"ids" is empty; give at least one entity id`);
  if (raw.length > EXISTS_IDS_MAX) {
    throw new ApiError("QUERY_EXISTS_LIMIT", `${raw.length} ids in one exists query; the maximum is ${EXISTS_IDS_MAX}`, { max: EXISTS_IDS_MAX });
  }
  const ids = [
    ...new Set(
      raw.map((id) => {
        if (typeof id === "string" && id !== "") return id;
        if (typeof id === "number" && Number.isFinite(id)) return String(id);
        throw new ApiError("QUERY_INVALID_FORMAT", `entity ids must be non-empty strings, got ${show(id)}`);
      }),
    ),
  ];
  const plan: ExistsQuery = { kind: "exists", dimension: resolveDimension(obj["dimension"] ?? obj["table"], schema), ids };
  return {
    planFor: () => plan,
    merge(answers, ctx) {
      const all = requireComplete(answersOfKind(answers, "exists"), ctx, "exists");
      const found = new Set(all.flatMap((a) => a.ids));
      return { exists: ids.filter((id) => found.has(id)), "not-exists": ids.filter((id) => !found.has(id)) };
    },
    cacheKey: JSON.stringify(["exists", plan]),
    bypassCache: readBypassCache(obj),
  };
}
