// POST /query/top_values (API.md §7.5): ≤ TOP_VALUES_QUERIES_MAX named sub-queries, each one column
// key with N plus list filters; shards answer every value uncut, the merge adds per-value entity
// counts across shards, then sorts (quantity desc, value asc) and cuts to N.

import { ENTITY_ID_COLUMN, columnRef, isEventType } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import { TOP_VALUES_FILTER_VALUES_MAX, TOP_VALUES_N_MAX, TOP_VALUES_QUERIES_MAX } from "../../contract/limits";
import type { TopValuesQuery, ValueTest, Window } from "../../contract/plan";
import type { SchemaIndex } from "../../contract/schema";
import { isObject, positiveInt, readBypassCache, requireObject, resolveDimension, show, type JsonObject } from "./body";
import { parseWindow } from "./between";
import type { CompiledQuery } from "./compiled";
import { lookupColumn } from "./expr";
import { mergeValueCounts, rankValues } from "./merge/values";
import { answersOfKind, approximation, scaleCount } from "./merge/shards";
import { queryOperand } from "./operands";
import { allOf, valueTest } from "./predicates";

const FILTERS = ["contains", "not-contains", "starts-with", "ends-with", "not-equals", "equals", "between"] as const;
type Filter = (typeof FILTERS)[number];

interface SubQuery {
  name: string;
  column: string;
  n: number;
}

export function compileTopValues(body: unknown, schema: SchemaIndex, now: number): CompiledQuery {
  const obj = requireObject(body, "a top values body");
  // Top-level "dimension" (a string) and "bypass-cache" (a boolean) are options; every object member is a sub-query.
  const topDimension = typeof obj["dimension"] === "string" ? obj["dimension"] : undefined;
  const names = Object.keys(obj).filter((k) => !((k === "dimension" && typeof obj[k] === "string") || (k === "bypass-cache" && typeof obj[k] === "boolean")));
  if (names.length === 0) throw new ApiError("QUERY_INVALID_FORMAT", `a top values request needs at least one named query such as {"name": {"column": 5}}`);
  if (names.length > TOP_VALUES_QUERIES_MAX) {
    throw new ApiError("QUERY_TOO_MANY_QUERIES", `${names.length} named queries in one top values request; the maximum is ${TOP_VALUES_QUERIES_MAX}`, { max: TOP_VALUES_QUERIES_MAX });
  }
  const subs: SubQuery[] = [];
  let bypassCache = readBypassCache(obj);
  const queries: TopValuesQuery["queries"] = names.map((name) => {
    const sub = obj[name];
    if (!isObject(sub)) throw new ApiError("QUERY_INVALID_FORMAT", `top values query "${name}" must be an object like {"column": 5}, got ${show(sub)}`);
    // API.md §7: bypass-cache may also sit inside each named query, as in count queries.
    bypassCache ||= readBypassCache(sub);
    const { spec, q } = compileSub(name, sub, topDimension, schema, now);
    subs.push(spec);
    return q;
  });
  const plan: TopValuesQuery = { kind: "top-values", queries };
  return {
    planFor: () => plan,
    merge(answers, ctx) {
      const all = answersOfKind(answers, "top-values");
      const approx = approximation(all, ctx, "top values");
      // fromEntries defines own members: a query named "__proto__" must not set the result's prototype.
      const result = Object.fromEntries(
        subs.map((s, i) => {
          const merged = mergeValueCounts(all.flatMap((a) => (a ? [a.values[i] ?? []] : [])));
          const items = [...merged].map(([value, q]) => ({ value, quantity: scaleCount(q, approx) }));
          return [s.name, { [s.column]: rankValues(items, s.n) }];
        }),
      );
      return { result, ...approx.flag };
    },
    cacheKey: JSON.stringify(["top-values", subs, plan]),
    bypassCache,
  };
}

function compileSub(name: string, sub: JsonObject, topDimension: string | undefined, schema: SchemaIndex, now: number) {
  const dimension = resolveDimension(sub["dimension"] ?? topDimension, schema);
  const ctx = { schema, dimension, now };
  const columns = Object.keys(sub).filter((k) => k !== "dimension" && k !== "bypass-cache" && !(FILTERS as readonly string[]).includes(k));
  if (columns.length === 0) throw new ApiError("QUERY_INVALID_FORMAT", `top values query "${name}" needs one column key with the number of values, like {"column": 5}`);
  if (columns.length > 1) {
    throw new ApiError("QUERY_COLUMN_LIMIT", `top values query "${name}" names several columns (${columns.join(", ")}); use one per named query`);
  }
  const column = columns[0]!;
  if (column === ENTITY_ID_COLUMN) throw new ApiError("QUERY_COLUMN_USAGE", `top values of entity-id are not available (every id is held by one entity)`);
  const col = lookupColumn(column, ctx);
  const n = positiveInt(sub[column], `the number of values of "${column}" in top values query "${name}"`, TOP_VALUES_N_MAX, "QUERY_INTEGER");

  const tests: ValueTest[] = [];
  let window: Window | null = null;
  for (const f of FILTERS) {
    const raw = sub[f];
    if (raw === undefined) continue;
    if (f === "between") {
      if (!isEventType(col.type)) throw new ApiError("QUERY_EVENT_USAGE", `between works only on event columns; "${column}" is ${col.type}`);
      window = parseWindow(raw, now, `top values query "${name}"`);
      continue;
    }
    const values = filterList(raw, f, name);
    if (f === "equals" || f === "not-equals") {
      const inTest: ValueTest = { op: "in", values: values.map((v) => queryOperand(col, v, f, now, true)) };
      tests.push(f === "equals" ? inTest : { op: "not", test: inTest });
    } else {
      tests.push(valueTest({ kind: "column", col }, f, values, now));
    }
  }
  return {
    spec: { name, column, n },
    q: { dimension, col: columnRef(col), test: allOf(tests), window },
  };
}

function filterList(raw: unknown, f: Filter, name: string): unknown[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new ApiError("QUERY_TOP_VALUES_EMPTY", `"${f}" in top values query "${name}" is an empty list`);
  if (list.length > TOP_VALUES_FILTER_VALUES_MAX) {
    throw new ApiError("QUERY_INVALID_FORMAT", `"${f}" in top values query "${name}" has ${list.length} values; the maximum is ${TOP_VALUES_FILTER_VALUES_MAX}`, { max: TOP_VALUES_FILTER_VALUES_MAX });
  }
  return list;
}
