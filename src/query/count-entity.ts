// POST /query/count/entity (API.md §7.1): each named query → one Expr; the result is exactly one
// integer per query-name, the sum of the shards' distinct-entity counts (extrapolated when shards miss).

import type { CountEntityQuery, NamedExpr } from "../../contract/plan";
import type { SchemaIndex } from "../../contract/schema";
import type { CompiledQuery } from "./compiled";
import { compileQuery } from "./expr";
import { answersOfKind, mergeNamedCounts } from "./merge/shards";
import { readNamedQueries } from "./named";

export function compileCountEntity(body: unknown, schema: SchemaIndex, now: number): CompiledQuery {
  const { items, bypassCache } = readNamedQueries(body, schema, "count entity");
  const queries: NamedExpr[] = items.map((it) => ({
    dimension: it.dimension,
    expr: compileQuery(it.query, { schema, dimension: it.dimension, now }),
  }));
  return countEntityPlan(
    items.map((i) => i.name),
    queries,
    bypassCache,
  );
}

/** The compiled form of already-compiled named expressions (also used by saved queries). */
export function countEntityPlan(names: string[], queries: NamedExpr[], bypassCache: boolean): CompiledQuery {
  const plan: CountEntityQuery = { kind: "count-entity", queries };
  return {
    planFor: () => plan,
    merge(answers, ctx) {
      const counts = answersOfKind(answers, "count-entity");
      return mergeNamedCounts(names, counts, ctx, "count entity");
    },
    cacheKey: JSON.stringify(["count-entity", names, plan]),
    bypassCache,
  };
}
