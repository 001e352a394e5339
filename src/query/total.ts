// POST /query/count/entity/total (API.md §7.2): `{}` counts the whole database, `{"dimensions": [...]}`
// (HIST key `tables`) the listed ones. An unknown dimension is error 128, like everywhere else, so a
// typo is not silently answered with 0.

import { ApiError } from "../../contract/errors";
import type { TotalQuery } from "../../contract/plan";
import type { SchemaIndex } from "../../contract/schema";
import { checkDimension, readBypassCache, rejectUnknownKeys, requireObject, show } from "./body";
import type { CompiledQuery } from "./compiled";
import { answersOfKind, approximation, scaleCount } from "./merge/shards";

export function compileTotal(body: unknown, schema: SchemaIndex, _now: number): CompiledQuery {
  const obj = body === undefined || body === null ? {} : requireObject(body, "a count entity total body");
  rejectUnknownKeys(obj, ["dimensions", "tables", "bypass-cache"], "a count entity total body");
  const raw = obj["dimensions"] ?? obj["tables"];
  let dimensions: string[] | null = null;
  if (raw !== undefined) {
    if (!Array.isArray(raw) || raw.length === 0 || raw.some((d) => typeof d !== "string" || d === "")) {
      throw new ApiError("QUERY_INVALID_FORMAT", `dimensions must be a non-empty list of dimension names, got ${show(raw)}`);
    }
    dimensions = [...new Set(raw as string[])];
    for (const d of dimensions) checkDimension(d, schema);
  }
  return totalPlan(dimensions, readBypassCache(obj));
}

export function totalPlan(dimensions: string[] | null, bypassCache: boolean): CompiledQuery {
  const plan: TotalQuery = { kind: "total", dimensions };
  return {
    planFor: () => plan,
    merge(answers, ctx) {
      const counts = answersOfKind(answers, "total");
      const approx = approximation(counts, ctx, "count entity total");
      const sum = counts.reduce((acc, a) => acc + (a?.counts[0] ?? 0), 0);
      return { result: { total: scaleCount(sum, approx) }, ...approx.flag };
    },
    cacheKey: JSON.stringify(["total", plan]),
    bypassCache,
  };
}
