// POST /query/count/event (API.md §7.3): each named query is ONE event predicate object with a
// required `between` and no boolean operators; the result counts events (not entities) per name.

import { ENTITY_ID_COLUMN, isEventType } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import type { CountEventQuery } from "../../contract/plan";
import type { SchemaIndex } from "../../contract/schema";
import { isObject, show } from "./body";
import type { CompiledQuery } from "./compiled";
import { compileEventTerm, lookupColumn, splitPredicateObject, type ExprContext } from "./expr";
import { answersOfKind, mergeNamedCounts } from "./merge/shards";
import { readNamedQueries } from "./named";

export function compileCountEvent(body: unknown, schema: SchemaIndex, now: number): CompiledQuery {
  const { items, bypassCache } = readNamedQueries(body, schema, "count event");
  const queries: CountEventQuery["queries"] = items.map((it) => {
    const ctx: ExprContext = { schema, dimension: it.dimension, now };
    return { dimension: it.dimension, terms: [eventTerm(it.query, it.name, ctx)] };
  });
  const plan: CountEventQuery = { kind: "count-event", queries };
  const names = items.map((i) => i.name);
  return {
    planFor: () => plan,
    merge(answers, ctx) {
      const counts = answersOfKind(answers, "count-event");
      return mergeNamedCounts(names, counts, ctx, "count event");
    },
    cacheKey: JSON.stringify(["count-event", names, plan]),
    bypassCache,
  };
}

function eventTerm(raw: unknown, name: string, ctx: ExprContext) {
  // [obj], [[obj]] and a bare obj all name one predicate object.
  let item = raw;
  while (Array.isArray(item) && item.length === 1) item = item[0];
  if (Array.isArray(item)) {
    throw new ApiError("QUERY_COUNT_EVENT", `count event query "${name}" must be one event predicate object; boolean operators are not allowed`);
  }
  if (!isObject(item) || "freqgroup" in item) {
    throw new ApiError("QUERY_COUNT_EVENT", `count event query "${name}" must be one event predicate object, got ${show(item)}`);
  }
  const { name: column, preds } = splitPredicateObject(item);
  if (column === ENTITY_ID_COLUMN) throw new ApiError("QUERY_COUNT_EVENT", `count event query "${name}" must name an event column, not entity-id`);
  const col = lookupColumn(column, ctx);
  if (!isEventType(col.type)) {
    throw new ApiError("QUERY_COUNT_EVENT", `count event query "${name}" must name an event column; "${column}" is ${col.type}`);
  }
  const { term, hasWindow } = compileEventTerm(col, preds, ctx, { minfreq: false });
  if (!hasWindow) throw new ApiError("QUERY_COUNT_EVENT", `count event query "${name}" needs a "between" window on "${column}"`);
  return term;
}
