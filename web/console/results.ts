// A successful answer as the console shows it: per endpoint kind, the rows of its table and the
// charts that fit it (counts and top values as bars, histograms as lines, SQL rows with a number
// column as bars). Pure: it sees only the parsed body.

import { aggregationView } from "./aggregation-view";
import type { ResultKind } from "./endpoints";
import { tableOf, type BarChart, type Chart, type ResultView } from "./view-model";

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function view(rows: Json[], charts: Chart[] = [], extra: Partial<ResultView> = {}): ResultView {
  return { table: tableOf(rows), charts, nextPage: null, page: null, notes: [], ...extra };
}

function barsOf(title: string, entries: Array<[string, unknown]>): BarChart[] {
  const bars = entries.flatMap(([label, v]) => (typeof v === "number" ? [{ label, value: v }] : []));
  return bars.length > 0 ? [{ type: "bar", title, bars }] : [];
}

function countsView(result: unknown): ResultView {
  const entries = isRecord(result) ? Object.entries(result) : [];
  return view(
    entries.map(([query, count]) => ({ query, count })),
    entries.length > 1 ? barsOf("Counts per query", entries) : [],
  );
}

function topValuesView(result: unknown): ResultView {
  const rows: Json[] = [];
  const charts: Chart[] = [];
  for (const [query, byColumn] of isRecord(result) ? Object.entries(result) : []) {
    for (const [column, list] of isRecord(byColumn) ? Object.entries(byColumn) : []) {
      const items = Array.isArray(list) ? list.filter(isRecord) : [];
      for (const item of items) rows.push({ query, column, value: item["value"], quantity: item["quantity"] });
      charts.push(
        ...barsOf(
          `${query} · ${column}`,
          items.map((i) => [String(i["value"]), i["quantity"]]),
        ),
      );
    }
  }
  return view(rows, charts);
}

function existsView(body: Json): ResultView {
  const ids = (k: string): unknown[] => (Array.isArray(body[k]) ? (body[k] as unknown[]) : []);
  return view([...ids("exists").map((id) => ({ id, exists: true })), ...ids("not-exists").map((id) => ({ id, exists: false }))]);
}

function extractionView(body: Json): ResultView {
  const data = Array.isArray(body["data"]) ? body["data"].filter(isRecord) : [];
  const next = body["next-page"];
  return view(data, [], { nextPage: typeof next === "string" && next !== "" ? next : null, page: typeof body["page"] === "number" ? body["page"] : null });
}

/** SQL rows: bars of the first all-number column, labelled by the first column that is not one. */
export function sqlView(result: unknown): ResultView {
  const rows = Array.isArray(result) ? result.filter(isRecord) : [];
  const v = view(rows);
  const numeric = v.table.columns.find((c) => rows.every((r) => typeof r[c] === "number"));
  if (rows.length === 0 || numeric === undefined) return v;
  const label = v.table.columns.find((c) => c !== numeric && rows.some((r) => typeof r[c] !== "number"));
  const entries: Array<[string, unknown]> = rows.map((r, i) => [label === undefined ? `row ${i + 1}` : String(r[label] ?? "(none)"), r[numeric]]);
  return { ...v, charts: barsOf(label === undefined ? numeric : `${numeric} by ${label}`, entries) };
}

export function resultView(kind: ResultKind | "sql", body: unknown): ResultView {
  const b = isRecord(body) ? body : {};
  let v: ResultView;
  switch (kind) {
    case "counts":
      v = countsView(b["result"]);
      break;
    case "total":
      v = view(isRecord(b["result"]) ? [b["result"]] : []);
      break;
    case "exists":
      v = existsView(b);
      break;
    case "top-values":
      v = topValuesView(b["result"]);
      break;
    case "aggregation": {
      const a = aggregationView(b["result"]);
      v = view(a.rows, a.charts, { notes: a.notes });
      break;
    }
    case "extraction":
      v = extractionView(b);
      break;
    case "sql":
      v = sqlView(b["result"]);
      break;
  }
  if (b["approximate"] === true) v.notes.unshift(`approximate answer: ${String(b["missing-shards"] ?? "some")} shard(s) did not answer`);
  return v;
}
