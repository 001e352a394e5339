// POST /data_extraction/result and /score (API.md §7.7, §7.8): query, columns (≤ 10 or "all"),
// order, limit, page-token → one ExtractQuery per shard (each at its own cursor, asking for about its
// share of the page: page-rounds.ts); the merge k-way merges the shards' rows by order key and
// formats them (values as strings, score as integer).

import type { ColumnDef } from "../../contract/columns";
import { ENTITY_ID_COLUMN, columnRef, isEventType } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import { EXTRACTION_COLUMNS_MAX, EXTRACTION_LIMIT_DEFAULT, EXTRACTION_LIMIT_MAX } from "../../contract/limits";
import type { Expr, ExtractColumn, ExtractQuery, ExtractRow, ExtractedValue, OrderKey } from "../../contract/plan";
import { isoDateTime } from "../../contract/values";
import type { SchemaIndex } from "../../contract/schema";
import { isObject, readBypassCache, rejectUnknownKeys, requireObject, resolveDimension, show } from "./body";
import { parseWindow } from "./between";
import type { CompiledQuery } from "./compiled";
import { compileQuery, lookupColumn, type ExprContext } from "./expr";
import { mergePages } from "./merge/pages";
import { answersOfKind, requireComplete } from "./merge/shards";
import { firstAsk, pageFollowUp, shardPages } from "./page-rounds";
import { decodePageToken, encodePageToken, queryHash, stableJson, type PageCursor } from "./page-token";

const KEYS = ["query", "columns", "order", "limit", "page-token", "dimension", "bypass-cache"];

export function compileResult(body: unknown, schema: SchemaIndex, now: number): CompiledQuery {
  return compileExtraction(body, schema, now, false);
}

export function compileScore(body: unknown, schema: SchemaIndex, now: number): CompiledQuery {
  return compileExtraction(body, schema, now, true);
}

function compileExtraction(body: unknown, schema: SchemaIndex, now: number, score: boolean): CompiledQuery {
  const endpoint = score ? "score" : "result";
  const obj = requireObject(body, `a ${endpoint} body`);
  rejectUnknownKeys(obj, KEYS, `a ${endpoint} body`);
  const dimension = resolveDimension(obj["dimension"], schema);
  const ctx: ExprContext = { schema, dimension, now };
  // No query means every entity of the dimension (each with score 1).
  const expr: Expr = obj["query"] === undefined || obj["query"] === null ? { op: "all" } : compileQuery(obj["query"], ctx);
  const { includeId, columns } = parseColumns(obj["columns"], ctx);
  const order = parseOrder(obj["order"], ctx, score);

  // The hash covers the request without its paging members, so every page of one query shares it.
  const { "page-token": token, limit: rawLimit, ...rest } = obj;
  const hash = queryHash(stableJson([endpoint, rest]));
  let cursor: PageCursor | null = null;
  let limit: number;
  if (token !== undefined && token !== null) {
    if (rawLimit !== undefined) throw new ApiError("QUERY_LIMIT_AND_PAGE", `"limit" cannot be combined with "page-token"; the token keeps the first page's limit`);
    cursor = decodePageToken(token, hash);
    limit = cursor.limit;
  } else {
    limit = parseLimit(rawLimit);
  }
  const page = cursor?.page ?? 1;

  const offsetOf = (shard: number): number => {
    const offset = cursor === null ? 0 : cursor.offsets[shard];
    if (offset === undefined) throw new ApiError("QUERY_PAGE_TOKEN", `invalid page-token: it was issued before the database changed its shard count; start again from page 1`);
    return offset;
  };
  const plan = (offset: number, rows: number): ExtractQuery => ({ kind: "extract", dimension, expr, score, columns, order, offset, limit: rows });
  const ask = firstAsk(limit, schema.database.shards);

  return {
    planFor: (shard) => plan(offsetOf(shard), ask),
    followUp: pageFollowUp(order, limit, offsetOf, plan),
    merge(answers, ctx2) {
      const all = requireComplete(answersOfKind(answers, "extract"), ctx2, endpoint);
      if (cursor !== null && cursor.offsets.length !== all.length) {
        throw new ApiError("QUERY_PAGE_TOKEN", `invalid page-token: it was issued for ${cursor.offsets.length} shards, the database has ${all.length}`);
      }
      // Stalled only if a shard's data changed between the two rounds: the page is then short, and
      // its token continues exactly where each shard's rows stopped.
      const { rows, taken } = mergePages(shardPages(all, offsetOf), order, limit);
      const offsets = all.map((_, i) => offsetOf(i) + (taken[i] ?? 0));
      const more = all.some((a, i) => offsets[i]! < a.matched);
      return {
        data: rows.map((r) => formatRow(r, includeId, columns, score)),
        page,
        "next-page": more ? encodePageToken(hash, { page: page + 1, limit, offsets }) : null,
      };
    },
    cacheKey: JSON.stringify([endpoint, includeId, { dimension, expr, columns, order, limit }, cursor]),
    bypassCache: readBypassCache(obj),
  };
}

function parseLimit(raw: unknown): number {
  if (raw === undefined || raw === null) return EXTRACTION_LIMIT_DEFAULT;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1) {
    throw new ApiError("QUERY_LIMIT_VALUE", `limit must be a positive integer, got ${show(raw)}`);
  }
  if (raw > EXTRACTION_LIMIT_MAX) throw new ApiError("QUERY_LIMIT_TOO_BIG", `limit is ${raw}; the maximum is ${EXTRACTION_LIMIT_MAX}`, { max: EXTRACTION_LIMIT_MAX });
  return raw;
}

/**
 * `columns`: a list of ≤ EXTRACTION_COLUMNS_MAX api-names (entity-id included) or event windows
 * `{"col": [from, to]}`, or "all" = entity-id plus every active attribute column of the dimension
 * (event columns are left out of "all": their full history is unbounded). Absent = entity-id only.
 */
function parseColumns(raw: unknown, ctx: ExprContext): { includeId: boolean; columns: ExtractColumn[] } {
  if (raw === undefined || raw === null) return { includeId: true, columns: [] };
  if (typeof raw === "string" && raw.toLowerCase() === "all") {
    const cols = ctx.schema.activeColumns(ctx.dimension).filter((c) => !isEventType(c.type));
    return { includeId: true, columns: cols.map((c) => ({ kind: "attr", key: c.apiName, col: columnRef(c) })) };
  }
  if (!Array.isArray(raw)) throw new ApiError("QUERY_INVALID_FORMAT", `columns must be a list of column names or "all", got ${show(raw)}`);
  if (raw.length > EXTRACTION_COLUMNS_MAX) {
    throw new ApiError("QUERY_EXTRACTION_COLUMNS", `${raw.length} columns requested; the maximum is ${EXTRACTION_COLUMNS_MAX} (or "all")`, { max: EXTRACTION_COLUMNS_MAX });
  }
  let includeId = false;
  const columns: ExtractColumn[] = [];
  const add = (c: ExtractColumn) => {
    if (!columns.some((x) => x.key === c.key)) columns.push(c);
  };
  for (const item of raw) {
    if (item === ENTITY_ID_COLUMN) includeId = true;
    else if (typeof item === "string") {
      const col = lookupColumn(item, ctx);
      add(isEventType(col.type) ? { kind: "events", key: item, col: columnRef(col), window: null } : { kind: "attr", key: item, col: columnRef(col) });
    } else if (isObject(item) && Object.keys(item).length === 1) {
      const name = Object.keys(item)[0]!;
      const col: ColumnDef = lookupColumn(name, ctx);
      if (!isEventType(col.type)) throw new ApiError("QUERY_EVENT_USAGE", `a time window applies only to event columns; "${name}" is ${col.type}`);
      add({ kind: "events", key: name, col: columnRef(col), window: parseWindow(item[name], ctx.now, `column "${name}"`) });
    } else {
      throw new ApiError("QUERY_INVALID_FORMAT", `a requested column must be a name or {"event-column": [from, to]}, got ${show(item)}`);
    }
  }
  return { includeId, columns };
}

/** `order`: [{key: "asc"|"desc"}, ...]; default entity-id ascending (result) or score descending (score). */
function parseOrder(raw: unknown, ctx: ExprContext, score: boolean): OrderKey[] {
  if (raw === undefined || raw === null) return score ? [{ by: "score", dir: "desc" }] : [{ by: "entity-id", dir: "asc" }];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((item): OrderKey => {
    if (!isObject(item) || Object.keys(item).length !== 1) {
      throw new ApiError("QUERY_INVALID_FORMAT", `order items must look like {"column": "asc"}, got ${show(item)}`);
    }
    const name = Object.keys(item)[0]!;
    const dirRaw = item[name];
    const dir = typeof dirRaw === "string" ? dirRaw.toLowerCase() : "";
    if (dir !== "asc" && dir !== "desc") throw new ApiError("QUERY_INVALID_FORMAT", `order of "${name}" must be "asc" or "desc", got ${show(dirRaw)}`);
    if (name === ENTITY_ID_COLUMN) return { by: "entity-id", dir };
    if (name === "score") {
      if (!score) throw new ApiError("QUERY_PARAMETER_USAGE", `order by score is available in /data_extraction/score only`);
      return { by: "score", dir };
    }
    return { by: "column", col: columnRef(lookupColumn(name, ctx)), dir };
  });
}

/** One answer row: requested values as strings, missing ones omitted, entity-id only when requested. */
function formatRow(row: ExtractRow, includeId: boolean, columns: ExtractColumn[], score: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (includeId) out[ENTITY_ID_COLUMN] = row.id;
  for (const c of columns) {
    const v = row.values[c.key];
    if (v === undefined) continue;
    const shown = c.kind === "events" ? formatEvents(v) : formatAttr(v);
    if (shown !== undefined) out[c.key] = shown;
  }
  if (score) out["score"] = row.score ?? 0;
  return out;
}

function formatAttr(v: ExtractedValue): unknown {
  if (!Array.isArray(v)) return String(v);
  if (v.length === 0) return undefined;
  return v.map((x) => (typeof x === "object" ? String(x.value) : String(x)));
}

/**
 * Events as {value, date}; identical events collapse, and a single distinct event is returned as one
 * object rather than a list (API.md §8 item 16).
 */
function formatEvents(v: ExtractedValue): unknown {
  if (!Array.isArray(v)) return { value: String(v), date: null };
  const seen = new Set<string>();
  const out: Array<{ value: string; date: string }> = [];
  for (const e of v) {
    if (typeof e !== "object") continue;
    const item = { value: String(e.value), date: isoDateTime(e.t) };
    const key = `${item.value}\u0000${item.date}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(item);
    }
  }
  if (out.length === 0) return undefined;
  return out.length === 1 ? out[0] : out;
}
