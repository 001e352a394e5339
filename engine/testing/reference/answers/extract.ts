// Answer of an extraction (result/score) query: matching entities in `order`, one page of rows with
// their order keys, optional score and typed column values, plus the shard's total match count.

import type { ColumnRef, ColumnType } from "../../../../contract/columns";
import { isEventType } from "../../../../contract/columns";
import type { ExtractColumn, ExtractQuery, ExtractRow, ExtractedValue, OrderKey, Scalar, ShardAnswer, Window } from "../../../../contract/plan";
import { isoDate, isoDateTime } from "../../../../contract/values";
import type { AttrValue, DimensionView } from "../data";
import { ExprEvaluator, inWindow } from "../evaluate";
import { compareScalars, compareStrings } from "../value-test";
import type { ViewSource } from "./source";

interface Candidate {
  eid: number;
  id: string;
  score: number;
  sort: Array<Scalar | null>;
}

export function extract(src: ViewSource, q: ExtractQuery): ShardAnswer {
  const view = src.view(q.dimension);
  const evaluator = new ExprEvaluator(view);
  const matched = evaluator.matches(q.expr);
  const candidates: Candidate[] = [];
  for (const eid of matched) {
    const id = view.entities.get(eid);
    if (id === undefined) continue; // matches() only yields live entities; kept for the type checker
    const score = evaluator.score(q.expr, eid);
    candidates.push({ eid, id, score, sort: q.order.map((k) => sortValue(view, eid, id, score, k)) });
  }
  candidates.sort((a, b) => compareCandidates(q.order, a, b));
  const rows = candidates.slice(q.offset, q.offset + q.limit).map((c): ExtractRow => {
    const row: ExtractRow = { id: c.id, sort: c.sort, values: extractValues(view, c.eid, q.columns) };
    if (q.score) row.score = c.score;
    return row;
  });
  return { kind: "extract", matched: candidates.length, rows };
}

/** Missing values sort last in either direction; full ties fall back to entity id ascending. */
function compareCandidates(order: readonly OrderKey[], a: Candidate, b: Candidate): number {
  for (let i = 0; i < order.length; i++) {
    const x = a.sort[i] ?? null;
    const y = b.sort[i] ?? null;
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
      continue;
    }
    const c = compareScalars(x, y);
    if (c !== 0) return order[i]?.dir === "desc" ? -c : c;
  }
  return compareStrings(a.id, b.id);
}

/**
 * The value an order key sorts an entity by. A column with several values (list-of-values, events)
 * sorts by its smallest value ascending and its largest descending, so "first" always means the
 * entity's best value in that direction. Dates and datetimes sort by their instant.
 */
function sortValue(view: DimensionView, eid: number, id: string, score: number, key: OrderKey): Scalar | null {
  if (key.by === "entity-id") return id;
  if (key.by === "score") return score;
  const values: readonly { value: Scalar }[] = (isEventType(key.col.type) ? view.events(key.col.id) : view.attr(key.col.id)).get(eid) ?? [];
  let best: Scalar | null = null;
  for (const { value } of values) {
    if (best === null) best = value;
    else {
      const c = compareScalars(value, best);
      if (key.dir === "asc" ? c < 0 : c > 0) best = value;
    }
  }
  return best;
}

function extractValues(view: DimensionView, eid: number, columns: readonly ExtractColumn[]): Record<string, ExtractedValue> {
  const out: Record<string, ExtractedValue> = {};
  for (const c of columns) {
    const v = c.kind === "attr" ? attrValue(view, eid, c.col) : eventsValue(view, eid, c.col.id, c.window);
    if (v !== undefined) out[c.key] = v;
  }
  return out;
}

/** Latest-value: the value; list-of-values: every value, ascending by stored value. */
function attrValue(view: DimensionView, eid: number, col: ColumnRef): ExtractedValue | undefined {
  const values = view.attr(col.id).get(eid);
  if (values === undefined || values.length === 0) return undefined;
  if (col.storage === "latest-value") return typedValue(col.type, values[values.length - 1]!);
  return [...values].sort((a, b) => compareScalars(a.value, b.value)).map((v) => typedValue(col.type, v));
}

/**
 * Dates as "YYYY-MM-DD", datetimes as their stored text (a datetime written without text shows its
 * instant as "YYYY-MM-DDTHH:MM:SSZ", like displayValue), everything else as stored.
 */
export function typedValue(type: ColumnType, v: AttrValue): Scalar {
  if (type === "date" && typeof v.value === "number") return isoDate(v.value);
  if (type === "datetime") return v.text ?? (typeof v.value === "number" ? isoDateTime(v.value) : v.value);
  return v.value;
}

/** Events in the window by time, equal times by value, so the order does not depend on insertion. */
function eventsValue(view: DimensionView, eid: number, colId: number, window: Window | null): ExtractedValue | undefined {
  const events = (view.events(colId).get(eid) ?? []).filter((e) => inWindow(e.t, window));
  if (events.length === 0) return undefined;
  return events.sort((a, b) => a.t - b.t || compareScalars(a.value, b.value)).map((e) => ({ value: e.value, t: e.t }));
}
