// POST /query/aggregation (API.md §7.6): `filter` + ≤ AGGREGATION_LEVELS_MAX levels (groups
// `{col: N, equals?, between?}`, then metrics `{col: metric, between?, interval?}` only at the end),
// and the response tree with SlicingDice's shapes and number types (see json.ts for floats).

import type { ColumnDef } from "../../contract/columns";
import { ENTITY_ID_COLUMN, columnRef, isEventType, isIntegerType, valueKindOf } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import { AGGREGATION_GROUP_N_MAX, AGGREGATION_LEVELS_MAX } from "../../contract/limits";
import type { AggNode, AggregationQuery, Bucket, GroupLevel, MetricName, MetricPartial, MetricSpec, Window } from "../../contract/plan";
import { isoDateTime } from "../../contract/values";
import type { SchemaIndex } from "../../contract/schema";
import { isObject, positiveInt, readBypassCache, rejectUnknownKeys, requireObject, resolveDimension, show, type JsonObject } from "./body";
import { isBucketList, parseBuckets, parseWindow } from "./between";
import type { CompiledQuery } from "./compiled";
import { compileQuery, lookupColumn, type ExprContext } from "./expr";
import { intervalBuckets, parseInterval } from "./histogram";
import { mergeAggNodes } from "./merge/agg-tree";
import { emptyPartial, metricValue, type MetricNumber } from "./merge/metrics";
import { rankValues } from "./merge/values";
import { answersOfKind, approximation, scaleCount, type Approximation } from "./merge/shards";
import { queryOperand } from "./operands";

const METRICS: readonly MetricName[] = ["min", "max", "avg", "sum", "count-events"];
const MODIFIERS = ["equals", "between", "interval"];

interface GroupSpec {
  column: string;
  n: number;
}
interface MetricOut {
  column: string;
  metric: MetricName;
  /** The column's number type and decimal places: the shown metric follows them (merge/metrics.ts). */
  number: MetricNumber;
  buckets: Bucket[] | null;
}

export function compileAggregation(body: unknown, schema: SchemaIndex, now: number): CompiledQuery {
  const obj = requireObject(body, "an aggregation body");
  rejectUnknownKeys(obj, ["filter", "query", "dimension", "bypass-cache"], "an aggregation body", "QUERY_AGGREGATION_INVALID_PARAMETER");
  const dimension = resolveDimension(obj["dimension"], schema);
  const ctx: ExprContext = { schema, dimension, now };
  const filter = obj["filter"] === undefined || obj["filter"] === null ? null : compileQuery(obj["filter"], ctx);

  const levels = obj["query"];
  if (levels === undefined) throw new ApiError("QUERY_MISSING", `an aggregation needs "query", a list of levels`);
  if (!Array.isArray(levels) || levels.length === 0) {
    throw new ApiError("QUERY_BAD_AGGREGATION", `"query" must be a non-empty list of levels such as [{"column": 5}], got ${show(levels)}`);
  }
  if (levels.length > AGGREGATION_LEVELS_MAX) {
    throw new ApiError("QUERY_LEVEL_LIMIT", `${levels.length} aggregation levels; the maximum is ${AGGREGATION_LEVELS_MAX}`, { max: AGGREGATION_LEVELS_MAX });
  }

  const groups: GroupLevel[] = [];
  const groupSpecs: GroupSpec[] = [];
  const metrics: MetricSpec[] = [];
  const metricOuts: MetricOut[] = [];
  levels.forEach((raw, i) => {
    if (!isObject(raw)) throw new ApiError("QUERY_BAD_AGGREGATION", `aggregation level ${i + 1} must be an object, got ${show(raw)}`);
    const { column, col, value } = levelColumn(raw, i, ctx);
    if (typeof value === "number") {
      if (metrics.length > 0) {
        throw new ApiError("QUERY_METRIC_LEVEL", `level ${i + 1} groups by "${column}" after a metric level; metrics must come last`);
      }
      groups.push(groupLevel(raw, column, col, ctx));
      groupSpecs.push({ column, n: positiveInt(value, `the number of values of "${column}"`, AGGREGATION_GROUP_N_MAX, "QUERY_INTEGER") });
    } else if (typeof value === "string") {
      const { spec, out } = metricLevel(raw, column, col, value, ctx);
      const clash = metricOuts.find((m) => m.column === column && (m.buckets !== null || out.buckets !== null || m.metric === out.metric));
      if (clash) throw new ApiError("QUERY_BAD_AGGREGATION", `"${column}" appears twice with ${clash.metric}/${out.metric}; their answers would collide`);
      metrics.push(spec);
      metricOuts.push(out);
    } else {
      throw new ApiError("QUERY_BAD_AGGREGATION", `level ${i + 1}: "${column}" must be a number of values or a metric name, got ${show(value)}`);
    }
  });

  const plan: AggregationQuery = { kind: "aggregation", dimension, filter, groups, metrics };
  return {
    planFor: () => plan,
    merge(answers, mctx) {
      const all = answersOfKind(answers, "aggregation");
      const approx = approximation(all, mctx, "aggregation");
      const root = mergeAggNodes(all.flatMap((a) => (a ? [a.root] : [])));
      return { result: render(root, 0, groupSpecs, metricOuts, approx), ...approx.flag };
    },
    cacheKey: JSON.stringify(["aggregation", groupSpecs, metricOuts.map((m) => [m.column, m.metric]), plan]),
    bypassCache: readBypassCache(obj),
  };
}

function levelColumn(level: JsonObject, i: number, ctx: ExprContext): { column: string; col: ColumnDef; value: unknown } {
  const columns = Object.keys(level).filter((k) => !MODIFIERS.includes(k));
  if (columns.length !== 1) {
    throw new ApiError(
      "QUERY_BAD_AGGREGATION",
      columns.length === 0 ? `aggregation level ${i + 1} names no column` : `aggregation level ${i + 1} names several columns (${columns.join(", ")}); use one per level`,
    );
  }
  const column = columns[0]!;
  if (column === ENTITY_ID_COLUMN) throw new ApiError("QUERY_COLUMN_USAGE", `entity-id cannot be aggregated`);
  return { column, col: lookupColumn(column, ctx), value: level[column] };
}

function groupLevel(level: JsonObject, column: string, col: ColumnDef, ctx: ExprContext): GroupLevel {
  if (level["interval"] !== undefined) throw new ApiError("QUERY_PARAMETER_USAGE", `interval applies to metric levels, not to the group level "${column}"`);
  let test: GroupLevel["test"] = null;
  if (level["equals"] !== undefined) {
    const raw = level["equals"];
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.length === 0) throw new ApiError("QUERY_BAD_AGGREGATION", `"equals" of level "${column}" is an empty list`);
    test = { op: "in", values: list.map((v) => queryOperand(col, v, "equals", ctx.now, true)) };
  }
  let window: Window | null = null;
  if (level["between"] !== undefined) {
    if (!isEventType(col.type)) throw new ApiError("QUERY_EVENT_USAGE", `between works only on event columns; "${column}" is ${col.type}`);
    if (isBucketList(level["between"])) throw new ApiError("QUERY_BAD_AGGREGATION", `bucket lists apply to metric levels, not to the group level "${column}"`);
    window = parseWindow(level["between"], ctx.now, `aggregation level "${column}"`);
  }
  return { col: columnRef(col), test, window };
}

function metricLevel(level: JsonObject, column: string, col: ColumnDef, raw: string, ctx: ExprContext): { spec: MetricSpec; out: MetricOut } {
  const metric = METRICS.find((m) => m === raw.toLowerCase());
  if (!metric) throw new ApiError("QUERY_INVALID_METRIC", `unknown metric "${raw}" on "${column}"; use min, max, avg, sum or count-events`);
  const event = isEventType(col.type);
  if (metric === "count-events") {
    if (!event) throw new ApiError("QUERY_EVENT_USAGE", `count-events works only on event columns; "${column}" is ${col.type}`);
  } else if (valueKindOf(col.type) !== "number") {
    throw new ApiError("QUERY_METRIC_TYPE", `${metric} needs a numeric column; "${column}" is ${col.type}`);
  }
  if (level["equals"] !== undefined) throw new ApiError("QUERY_PARAMETER_USAGE", `equals applies to group levels, not to the metric on "${column}"`);
  const between = level["between"];
  const intervalRaw = level["interval"];
  let window: Window | null = null;
  let buckets: Bucket[] | null = null;
  if (between !== undefined) {
    if (!event) throw new ApiError("QUERY_EVENT_USAGE", `between works only on event columns; "${column}" is ${col.type}`);
    if (isBucketList(between)) {
      if (intervalRaw !== undefined) throw new ApiError("QUERY_BAD_AGGREGATION", `use either interval or a list of buckets on "${column}", not both`);
      buckets = parseBuckets(between, ctx.now, `aggregation level "${column}"`);
      window = { from: Math.min(...buckets.map((b) => b.from)), to: Math.max(...buckets.map((b) => b.to)) };
    } else {
      window = parseWindow(between, ctx.now, `aggregation level "${column}"`);
    }
  } else if (metric === "count-events") {
    throw new ApiError("QUERY_EVENT_USAGE", `count-events on "${column}" needs a "between" window`);
  }
  if (intervalRaw !== undefined) {
    const unit = parseInterval(intervalRaw);
    if (unit === null) throw new ApiError("QUERY_BAD_AGGREGATION", `interval must be hours, days, weeks or months, got ${show(intervalRaw)}`);
    if (window === null) throw new ApiError("QUERY_BAD_AGGREGATION", `interval on "${column}" needs a "between" window`);
    buckets = intervalBuckets(window, unit);
  }
  return {
    spec: { col: columnRef(col), metric, window, buckets },
    out: { column, metric, number: { integer: isIntegerType(col.type), decimalPlaces: col.decimalPlaces }, buckets },
  };
}

/** The response members of one node at `depth`: a group list, or the metrics (at the innermost level). */
function render(node: AggNode, depth: number, groups: GroupSpec[], metrics: MetricOut[], approx: Approximation): Record<string, unknown> {
  const nested = depth > 0;
  const group = groups[depth];
  if (group !== undefined) {
    const items = node.children.map(([value, child]) => ({ value, quantity: scaleCount(child.quantity, approx), child }));
    const list = rankValues(items, group.n).map(({ value, quantity, child }) => ({ value, quantity, ...render(child, depth + 1, groups, metrics, approx) }));
    // A bucket with nothing below it omits the key (API.md §7.6); an empty top level is [].
    return nested && list.length === 0 ? {} : { [group.column]: list };
  }
  const out: Record<string, unknown> = {};
  metrics.forEach((m, i) => {
    const slot = node.metrics[i];
    if (m.buckets !== null) {
      const entries = (Array.isArray(slot) ? slot : []).flatMap(([b, p]) => {
        const bucket = m.buckets![b];
        return bucket ? [{ [m.metric]: metricValue(m.metric, p, m.number, approx), between: [isoDateTime(bucket.from), isoDateTime(bucket.to)] }] : [];
      });
      if (!nested || entries.length > 0) out[m.column] = entries;
      return;
    }
    const p: MetricPartial = slot !== undefined && !Array.isArray(slot) ? slot : emptyPartial();
    if (nested && p.count === 0) return;
    const prev = out[m.column];
    out[m.column] = { ...(isObject(prev) ? prev : {}), [m.metric]: metricValue(m.metric, p, m.number, approx) };
  });
  return out;
}
