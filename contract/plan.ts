// The immutable plans the Worker compiles a request into and every shard evaluates, and the partial
// answers shards send back. This file is the contract between the edge (src/query, src/sql) and the
// storage engine (engine): everything is plain, structured-cloneable data, already
// normalised (column ids resolved, strings lower-cased, dates as epoch milliseconds UTC, relative
// dates resolved once at the edge). Imports only other contract files.

import type { ColumnRef } from "./columns";

/** A normalised value: text (lower-cased), number, boolean, or epoch ms (date/datetime columns). */
export type Scalar = string | number | boolean;

/** A closed time window, both ends inclusive, epoch ms UTC. */
export interface Window {
  readonly from: number;
  readonly to: number;
}

/** A half-open bucket [from, to) for histograms, epoch ms UTC. */
export interface Bucket {
  readonly from: number;
  readonly to: number;
}

/**
 * A test on ONE stored value v of a column (an attribute value, one of a list-of-values column's
 * values, or one event's value). Text comparisons see lower-cased text on both sides; numbers and
 * times compare numerically. A test whose operand kind does not fit the column never matches
 * (the edge rejects such queries before they reach a shard).
 */
export type ValueTest =
  | { op: "eq"; value: Scalar }
  | { op: "ne"; value: Scalar }
  | { op: "in"; values: readonly Scalar[] }
  | { op: "range"; min: Scalar | null; max: Scalar | null; minInclusive: boolean; maxInclusive: boolean } // null = unbounded
  | { op: "starts-with"; value: string }
  | { op: "ends-with"; value: string }
  | { op: "contains"; value: string }
  | { op: "and"; tests: readonly ValueTest[] }
  | { op: "or"; tests: readonly ValueTest[] }
  | { op: "not"; test: ValueTest };

/** One event predicate: events of `col` whose value passes `test` (null = any) inside `window` (null = all time). */
export interface EventTerm {
  readonly col: ColumnRef;
  readonly test: ValueTest | null;
  readonly window: Window | null;
}

/**
 * An entity-level boolean expression, evaluated over the live (not deleted) entities of one dimension.
 * - and / or / not: boolean algebra; `not` is the complement within the dimension's live entities.
 * - all: every live entity of the dimension.
 * - id: the external entity id (exact, case-sensitive text) passes `test`.
 * - attr: the entity has a value of attribute column `col` that passes `test` (for list-of-values:
 *   at least one of its values). An entity with no value never matches, so `ne` means
 *   "has a value and it differs" (SQL semantics), and `not attr(eq)` also matches entities without a value.
 * - has: the entity has at least one value for `col` (attribute) or at least one event (event column).
 * - events: the entity's matching events, summed over all terms (freqgroup), number at least `minfreq`
 *   (minfreq >= 1). A single plain event predicate is one term with minfreq 1.
 */
export type Expr =
  | { op: "and"; args: readonly Expr[] }
  | { op: "or"; args: readonly Expr[] }
  | { op: "not"; arg: Expr }
  | { op: "all" }
  | { op: "id"; test: ValueTest }
  | { op: "attr"; col: ColumnRef; test: ValueTest }
  | { op: "has"; col: ColumnRef }
  | { op: "events"; terms: readonly EventTerm[]; minfreq: number };

/**
 * Score of an entity for result/score extraction (API.md §7.8), defined on the same Expr:
 * s(leaf) = 1 if true else 0; s(and) = 1 if all args true else 0; s(or) = sum of s(arg) over true args;
 * s(not) = 1 if true else 0. Only entities whose expression is true are returned (so score >= 1).
 */

export interface NamedExpr {
  readonly dimension: string;
  readonly expr: Expr;
}

// ------------------------------------------------------------------------------------------------
// Shard queries (read-only). One RPC per shard carries the whole request (all named queries).
// ------------------------------------------------------------------------------------------------

/** Distinct live entities matching each expression. Answer: counts[i] per query. */
export interface CountEntityQuery {
  readonly kind: "count-entity";
  readonly queries: readonly NamedExpr[];
}

/** Number of events (not entities) matching the terms, summed over terms. Answer: counts[i]. */
export interface CountEventQuery {
  readonly kind: "count-event";
  readonly queries: ReadonlyArray<{ dimension: string; terms: readonly EventTerm[] }>;
}

/** Live entities in the listed dimensions (null = every dimension). Answer: counts[0]. */
export interface TotalQuery {
  readonly kind: "total";
  readonly dimensions: readonly string[] | null;
}

/** Which of the ids exist (live) in the dimension. Answer: ids (subset of the input). */
export interface ExistsQuery {
  readonly kind: "exists";
  readonly dimension: string;
  readonly ids: readonly string[];
}

/**
 * For each sub-query, every value of `col` held by at least one live entity (events: with at least
 * one event in `window`) and passing `test`, with the number of distinct such entities.
 * Shards answer every value (the edge merges, then cuts to N). Answer: values[i] = [display, quantity][].
 */
export interface TopValuesQuery {
  readonly kind: "top-values";
  readonly queries: ReadonlyArray<{ dimension: string; col: ColumnRef; test: ValueTest | null; window: Window | null }>;
}

/** A group-by level: entities split by their values of `col` (passing `test`; events in `window`). */
export interface GroupLevel {
  readonly col: ColumnRef;
  readonly test: ValueTest | null;
  readonly window: Window | null;
}

export type MetricName = "min" | "max" | "sum" | "avg" | "count-events";

/**
 * A metric over the values of `col` held by the entities of a bucket: for attribute columns every
 * stored value of those entities; for event columns every event in `window`. With `buckets`, one
 * partial per non-empty bucket (events by event time; attribute columns are not bucketed).
 */
export interface MetricSpec {
  readonly col: ColumnRef;
  readonly metric: MetricName;
  readonly window: Window | null;
  readonly buckets: readonly Bucket[] | null;
}

/**
 * Filter the dimension's live entities by `filter` (null = all), split them level by level
 * (each later level inside each bucket of the previous one), and compute `metrics` in every
 * innermost bucket (at the root when there are no groups). Answer: the full tree, uncut.
 */
export interface AggregationQuery {
  readonly kind: "aggregation";
  readonly dimension: string;
  readonly filter: Expr | null;
  readonly groups: readonly GroupLevel[];
  readonly metrics: readonly MetricSpec[];
}

/** What an extraction returns per entity. `key` is the name used in the answer row. */
export type ExtractColumn = { kind: "attr"; key: string; col: ColumnRef } | { kind: "events"; key: string; col: ColumnRef; window: Window | null };

export type OrderKey = { by: "entity-id"; dir: "asc" | "desc" } | { by: "score"; dir: "asc" | "desc" } | { by: "column"; col: ColumnRef; dir: "asc" | "desc" };

/**
 * Matching entities sorted by `order` (missing values sort last, ties broken by entity id ascending
 * as strings), rows [offset, offset + limit) of that order. With `score`, each row carries its score.
 * Answer: rows plus `matched`, the total number of matching entities in this shard.
 */
export interface ExtractQuery {
  readonly kind: "extract";
  readonly dimension: string;
  readonly expr: Expr;
  readonly score: boolean;
  readonly columns: readonly ExtractColumn[];
  readonly order: readonly OrderKey[];
  readonly offset: number;
  readonly limit: number;
}

export type ShardQuery = CountEntityQuery | CountEventQuery | TotalQuery | ExistsQuery | TopValuesQuery | AggregationQuery | ExtractQuery;

// ------------------------------------------------------------------------------------------------
// Answers
// ------------------------------------------------------------------------------------------------

/** Partial metric state; merges by adding count/sum/events and taking min/max. min/max null when count = 0. */
export interface MetricPartial {
  count: number; // values seen (attribute values or events)
  sum: number;
  min: number | null;
  max: number | null;
}

/** One aggregation bucket: distinct entities, metric partials (innermost level only), children by display value. */
export interface AggNode {
  quantity: number;
  metrics: Array<MetricPartial | Array<[bucketIndex: number, partial: MetricPartial]>>; // per MetricSpec; bucketed specs list non-empty buckets
  children: Array<[value: string, node: AggNode]>;
}

/** An extracted value: typed (text, number, boolean; dates as "YYYY-MM-DD", datetimes as their stored text). */
export type ExtractedValue = Scalar | Scalar[] | Array<{ value: Scalar; t: number }>;

export interface ExtractRow {
  id: string;
  score?: number;
  sort: Array<Scalar | null>; // the row's order-key values, for the edge's merge
  values: Record<string, ExtractedValue>; // only columns the entity has a value for
}

export type ShardAnswer =
  | { kind: "count-entity"; counts: number[] }
  | { kind: "count-event"; counts: number[] }
  | { kind: "total"; counts: number[] }
  | { kind: "exists"; ids: string[] }
  /** Per named query, every value with entities, in no particular order: the edge adds the shards' counts, then ranks and cuts. */
  | { kind: "top-values"; values: Array<Array<[value: string, quantity: number]>> }
  | { kind: "aggregation"; root: AggNode }
  | { kind: "extract"; matched: number; rows: ExtractRow[] };

// ------------------------------------------------------------------------------------------------
// Writes
// ------------------------------------------------------------------------------------------------

/** One attribute value to store. `text` keeps a datetime's original text (lower-cased) for extraction. */
export interface AttrWrite {
  col: ColumnRef;
  value: Scalar;
  text?: string;
}

export interface EventWrite {
  col: ColumnRef;
  value: Scalar;
  t: number; // epoch ms UTC
}

/** Upsert of one entity: latest-value columns overwrite, list-of-values add, events append. */
export interface EntityWrite {
  dimension: string;
  id: string;
  attrs: AttrWrite[];
  events: EventWrite[];
}

/** Data changes a shard applies in order (inserts from the queue; delete/update from the API). */
export type Mutation = { kind: "write"; entities: EntityWrite[] } | { kind: "delete"; dimension: string; expr: Expr } | { kind: "update"; dimension: string; expr: Expr; set: AttrWrite[] };
