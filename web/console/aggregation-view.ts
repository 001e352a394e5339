// An aggregation answer (API.md §7.6) as rows and charts. The answer is a tree: a group level is a
// list of {value, quantity, <next level>}, a metric is {metric: n}, a histogram is a list of
// {metric: n, between: [from, to]}. Rows flatten the tree (one per leaf); every histogram becomes a
// line series named by the group values above it; a tree without histograms charts its top groups.

import type { BarChart, Chart, LineChart, Series } from "./view-model";

type Json = Record<string, unknown>;

interface Point {
  x: number;
  y: number;
  lengthMs: number;
}

interface Walk {
  rows: Json[];
  series: Map<string, { metric: string; points: Point[] }>;
}

const SERIES_MAX = 8;
const UNIT_NAMES: Record<number, string> = { 3_600_000: "hour", 86_400_000: "day", 604_800_000: "week" };

function isRecord(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isHistogramEntry(v: unknown): v is Json {
  return isRecord(v) && Array.isArray(v["between"]);
}

function walk(node: Json, prefix: Json, path: string[], out: Walk): void {
  const metricCells: Json = {};
  let emitted = false;
  for (const [column, value] of Object.entries(node)) {
    if (Array.isArray(value) && value.some(isHistogramEntry)) {
      for (const entry of value.filter(isHistogramEntry)) {
        const between = entry["between"] as unknown[];
        const metric = Object.keys(entry).find((k) => k !== "between") ?? "value";
        const y = entry[metric];
        const from = String(between[0]);
        const to = String(between[1]);
        out.rows.push({ ...prefix, series: column, from, to, [metric]: y });
        emitted = true;
        const x = Date.parse(from);
        if (typeof y !== "number" || Number.isNaN(x)) continue;
        const name = [...path, `${column} ${metric}`].join(" · ");
        const s = out.series.get(name) ?? { metric, points: [] };
        s.points.push({ x, y, lengthMs: Date.parse(to) - x });
        out.series.set(name, s);
      }
    } else if (Array.isArray(value)) {
      for (const item of value.filter(isRecord)) {
        const { value: v, quantity, ...rest } = item;
        const row = { ...prefix, [column]: v, [`${column} quantity`]: quantity };
        if (Object.keys(rest).length === 0) out.rows.push(row);
        else walk(rest, row, [...path, `${column}=${String(v)}`], out);
        emitted = true;
      }
    } else if (isRecord(value)) {
      for (const [metric, n] of Object.entries(value)) metricCells[`${column} ${metric}`] = n;
    }
  }
  if (Object.keys(metricCells).length > 0 || !emitted) out.rows.push({ ...prefix, ...metricCells });
}

/** Counts and sums of an empty bucket are 0, so a regular series gets its missing buckets back
 * (the API lists only non-empty ones); min/max/avg of nothing are unknown and stay gaps. */
function filled(metric: string, points: Point[]): { points: Array<{ x: number; y: number }>; stepMs: number | null } {
  const sorted = [...points].sort((a, b) => a.x - b.x);
  const step = sorted[0]?.lengthMs ?? 0;
  const regular = step > 0 && sorted.every((p) => p.lengthMs === step && (p.x - sorted[0]!.x) % step === 0);
  if (!regular) return { points: sorted.map(({ x, y }) => ({ x, y })), stepMs: null };
  if (metric !== "count-events" && metric !== "sum") return { points: sorted.map(({ x, y }) => ({ x, y })), stepMs: step };
  const byX = new Map(sorted.map((p) => [p.x, p.y]));
  const out: Array<{ x: number; y: number }> = [];
  for (let x = sorted[0]!.x; x <= sorted[sorted.length - 1]!.x; x += step) out.push({ x, y: byX.get(x) ?? 0 });
  return { points: out, stepMs: step };
}

export function aggregationView(result: unknown): { rows: Json[]; charts: Chart[]; notes: string[] } {
  const out: Walk = { rows: [], series: new Map() };
  if (!isRecord(result)) return { rows: [], charts: [], notes: [] };
  walk(result, {}, [], out);
  const rows = out.rows.filter((r) => Object.keys(r).length > 0);
  const charts: Chart[] = [];
  const notes: string[] = [];
  if (out.series.size > 0) {
    const entries = [...out.series.entries()];
    if (entries.length > SERIES_MAX) notes.push(`the chart shows the first ${SERIES_MAX} of ${entries.length} series`);
    let stepMs: number | null = null;
    const series: Series[] = entries.slice(0, SERIES_MAX).map(([name, s]) => {
      const f = filled(s.metric, s.points);
      stepMs ??= f.stepMs;
      return { name, points: f.points };
    });
    const unit = stepMs === null ? "interval" : (UNIT_NAMES[stepMs] ?? "interval");
    const title = series.length === 1 ? `${series[0]!.name} per ${unit}` : `per ${unit}`;
    const line: LineChart = { type: "line", title, series, stepMs };
    charts.push(line);
  } else {
    const [column, top] = Object.entries(result).find(([, v]) => Array.isArray(v)) ?? [];
    if (column !== undefined && Array.isArray(top) && top.length > 0) {
      const bars = top.filter(isRecord).flatMap((g) => (typeof g["quantity"] === "number" ? [{ label: String(g["value"]), value: g["quantity"] }] : []));
      const bar: BarChart = { type: "bar", title: `${column}: entities per value`, bars };
      if (bars.length > 0) charts.push(bar);
    }
  }
  return { rows, charts, notes };
}
