// The JSON endpoints the console's editor can call, each with the kind of answer it gives (which
// decides the table and chart) and an example body written with the database's own columns.

import type { QueryPath } from "./api";
import { DEFAULT_DIMENSION, type ExampleColumns } from "./schema";

export type ResultKind = "counts" | "total" | "exists" | "top-values" | "aggregation" | "extraction";

export interface Endpoint {
  id: string;
  label: string;
  path: QueryPath;
  kind: ResultKind;
  example(c: ExampleColumns): unknown;
}

const LAST_30_DAYS = ["now", "-30d"];

/** `"dimension"` only when the example's columns are not in the default dimension. */
function inDimension(c: ExampleColumns): Record<string, string> {
  return c.dimension === DEFAULT_DIMENSION ? {} : { dimension: c.dimension };
}

function textOr(c: ExampleColumns): string {
  return c.text ?? c.any ?? "column";
}

function condition(c: ExampleColumns): unknown {
  return c.event && !c.text ? { [c.event]: { equals: "value", between: LAST_30_DAYS } } : { [textOr(c)]: { equals: "value" } };
}

export const ENDPOINTS: readonly Endpoint[] = [
  {
    id: "count-entity",
    label: "Count entities",
    path: "/query/count/entity",
    kind: "counts",
    example: (c) => [
      { "query-name": "matching", query: [condition(c)], ...inDimension(c) },
      { "query-name": "not-matching", query: [["not", condition(c)]], ...inDimension(c) },
    ],
  },
  {
    id: "count-entity-total",
    label: "Count entities (total)",
    path: "/query/count/entity/total",
    kind: "total",
    example: (c) => (c.dimension === DEFAULT_DIMENSION ? {} : { dimensions: [c.dimension] }),
  },
  {
    id: "count-event",
    label: "Count events",
    path: "/query/count/event",
    kind: "counts",
    example: (c) => [{ "query-name": "last-30-days", query: [{ [c.event ?? "event-column"]: { equals: "value", between: LAST_30_DAYS } }], ...inDimension(c) }],
  },
  {
    id: "top-values",
    label: "Top values",
    path: "/query/top_values",
    kind: "top-values",
    example: (c) => ({ top: { [textOr(c)]: 10 }, ...inDimension(c) }),
  },
  {
    id: "aggregation",
    label: "Aggregation / histogram",
    path: "/query/aggregation",
    kind: "aggregation",
    example: (c) => {
      // A time series when there is an event column: events per day over the last 30 days.
      if (c.event) return { query: [{ [c.event]: "count-events", between: LAST_30_DAYS, interval: "days" }], ...inDimension(c) };
      if (c.numeric) return { query: [{ [textOr(c)]: 5 }, { [c.numeric]: "avg" }], ...inDimension(c) };
      return { query: [{ [textOr(c)]: 5 }], ...inDimension(c) };
    },
  },
  {
    id: "result",
    label: "Data extraction: result",
    path: "/data_extraction/result",
    kind: "extraction",
    example: (c) => ({ columns: ["entity-id", ...(c.text ? [c.text] : c.any ? [c.any] : [])], order: [{ "entity-id": "asc" }], limit: 20, ...inDimension(c) }),
  },
  {
    id: "score",
    label: "Data extraction: score",
    path: "/data_extraction/score",
    kind: "extraction",
    example: (c) => ({ query: [condition(c), "or", { "entity-id": { equals: "some-id" } }], columns: ["entity-id", textOr(c)], limit: 20, ...inDimension(c) }),
  },
  {
    id: "exists",
    label: "Exists",
    path: "/query/exists/entity",
    kind: "exists",
    example: (c) => ({ ids: ["some-id", "another-id"], ...inDimension(c) }),
  },
];

export function endpointById(id: string): Endpoint {
  return ENDPOINTS.find((e) => e.id === id) ?? ENDPOINTS[0]!;
}

/** api-names may hold dashes: SQL needs those in [brackets]. */
function sqlName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `[${name.replace(/]/g, "]]")}]`;
}

export function exampleSql(c: ExampleColumns): string {
  const col = c.text ?? c.any;
  const from = sqlName(c.dimension);
  return col ? `SELECT ${sqlName(col)}, COUNT(*) FROM ${from} GROUP BY ${sqlName(col)}` : `SELECT COUNT(*) FROM ${from}`;
}
