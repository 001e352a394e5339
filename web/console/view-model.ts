// The shapes a response is shown as: one table and any number of charts (pure data, drawn by
// table.ts and chart.ts), plus the extraction pager and notes such as "approximate".

export type Cell = string | number | boolean | null;

export interface Table {
  columns: string[];
  rows: Array<Record<string, Cell>>;
}

export interface Bar {
  label: string;
  value: number;
}

export interface BarChart {
  type: "bar";
  title: string;
  bars: Bar[];
}

export interface Series {
  name: string;
  /** x: epoch milliseconds (bucket start). */
  points: Array<{ x: number; y: number }>;
}

export interface LineChart {
  type: "line";
  title: string;
  series: Series[];
  /** Bucket length in ms when every bucket has the same one (ticks show the time of day below a day). */
  stepMs: number | null;
}

export type Chart = BarChart | LineChart;

export interface ResultView {
  table: Table;
  charts: Chart[];
  /** The extraction's `next-page` token, when there is a next page. */
  nextPage: string | null;
  page: number | null;
  notes: string[];
}

/** A table from plain row objects: columns in order of first appearance; nested values as JSON. */
export function tableOf(rows: Array<Record<string, unknown>>): Table {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (seen.has(k)) continue;
      seen.add(k);
      columns.push(k);
    }
  }
  return { columns, rows: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cellOf(v)]))) };
}

export function cellOf(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return JSON.stringify(v);
}
