// Charts drawn as SVG markup (no chart library): horizontal bars for values per label, lines for
// series over time. Pure string building, so the geometry is unit-tested in Node; the page only
// inserts the markup. Every text is escaped.

import type { BarChart, Chart, LineChart } from "./view-model";

/** Series colours in order; the first is the bar colour (the browser test looks for it). */
export const CHART_PALETTE = ["#1f6feb", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599", "#c2255c", "#5c7cfa"] as const;

/** Drawn at the width of its box (in CSS pixels), within these bounds. */
export const CHART_WIDTH_MIN = 420;
export const CHART_WIDTH_MAX = 1200;
const BARS_MAX = 40;
const LABEL_CHARS_MAX = 24;
const AXIS = "#8a94a6";
const GRID = "#e6e9ef";
const TEXT = "#344054";

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return v.toLocaleString("en-US", { maximumFractionDigits: Math.abs(v) < 1 ? 4 : 2 });
}

function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return formatNumber(v);
}

function truncate(s: string): string {
  return s.length > LABEL_CHARS_MAX ? `${s.slice(0, LABEL_CHARS_MAX - 1)}…` : s;
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** Axis ticks from a round number at or below `min` to one at or above `max`, about `count` of them. */
export function ticks(min: number, max: number, count = 5): number[] {
  if (min === max) [min, max] = min === 0 ? [0, 1] : [Math.min(0, min), Math.max(0, max)];
  const step = niceStep((max - min) / count);
  const start = Math.floor(min / step) * step;
  const out: number[] = [];
  for (let v = start; v < max + step / 2; v += step) out.push(+v.toPrecision(12));
  if (out[out.length - 1]! < max) out.push(+(out[out.length - 1]! + step).toPrecision(12));
  return out;
}

function svg(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}">` +
    `<text x="0" y="16" class="chart-title" fill="${TEXT}" font-size="14" font-weight="600">${escapeXml(title)}</text>${body}</svg>`
  );
}

function barChart(chart: BarChart, width: number): string {
  const bars = chart.bars.slice(0, BARS_MAX);
  const row = 26;
  const top = 32;
  const left = Math.min(190, Math.round(width * 0.25));
  const right = 70;
  const plotW = width - left - right;
  const max = Math.max(0, ...bars.map((b) => b.value));
  const scale = max > 0 ? plotW / max : 0;
  const height = top + bars.length * row + (chart.bars.length > BARS_MAX ? 24 : 8);
  let body = `<line x1="${left}" y1="${top - 4}" x2="${left}" y2="${top + bars.length * row}" stroke="${AXIS}"/>`;
  bars.forEach((b, i) => {
    const y = top + i * row;
    const w = Math.max(b.value > 0 ? 2 : 0, b.value * scale);
    body +=
      `<g class="bar"><title>${escapeXml(`${b.label}: ${formatNumber(b.value)}`)}</title>` +
      `<text x="${left - 8}" y="${y + 17}" text-anchor="end" fill="${TEXT}" font-size="12">${escapeXml(truncate(b.label))}</text>` +
      `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="${row - 8}" rx="3" fill="${CHART_PALETTE[0]}"/>` +
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + 17}" fill="${TEXT}" font-size="12">${escapeXml(formatNumber(b.value))}</text></g>`;
  });
  if (chart.bars.length > BARS_MAX) body += `<text x="${left}" y="${height - 6}" fill="${AXIS}" font-size="12">${chart.bars.length - BARS_MAX} more in the table</text>`;
  return svg(width, height, chart.title, body);
}

function timeLabel(ms: number, stepMs: number | null): string {
  const iso = new Date(ms).toISOString();
  return stepMs !== null && stepMs < 86_400_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

function lineChart(chart: LineChart, width: number): string {
  const height = 300;
  const m = { left: 60, right: 48, top: 34 + 18 * Math.ceil(chart.series.length / 3), bottom: 40 };
  const points = chart.series.flatMap((s) => s.points);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  if (x0 === x1) [x0, x1] = [x0 - (chart.stepMs ?? 86_400_000), x1 + (chart.stepMs ?? 86_400_000)];
  const yt = ticks(Math.min(0, ...ys), Math.max(0, ...ys));
  const [y0, y1] = [yt[0]!, yt[yt.length - 1]!];
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const px = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (y: number): number => m.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  let body = "";
  chart.series.forEach((s, i) => {
    const lx = (i % 3) * Math.round(width / 3);
    const ly = 34 + Math.floor(i / 3) * 18;
    body += `<rect x="${lx}" y="${ly - 9}" width="12" height="4" fill="${CHART_PALETTE[i % CHART_PALETTE.length]}"/><text x="${lx + 16}" y="${ly - 3}" fill="${TEXT}" font-size="12">${escapeXml(truncate(s.name))}</text>`;
  });
  for (const t of yt) {
    body += `<line x1="${m.left}" x2="${width - m.right}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="${GRID}"/>`;
    body += `<text x="${m.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end" fill="${AXIS}" font-size="11">${escapeXml(compact(t))}</text>`;
  }
  const uniqueX = [...new Set(xs)].sort((a, b) => a - b);
  const every = Math.max(1, Math.ceil(uniqueX.length / 6));
  uniqueX.forEach((x, i) => {
    if (i % every !== 0) return;
    body += `<line x1="${px(x).toFixed(1)}" x2="${px(x).toFixed(1)}" y1="${m.top + plotH}" y2="${m.top + plotH + 4}" stroke="${AXIS}"/>`;
    body += `<text x="${px(x).toFixed(1)}" y="${m.top + plotH + 18}" text-anchor="middle" fill="${AXIS}" font-size="11">${escapeXml(timeLabel(x, chart.stepMs))}</text>`;
  });
  body += `<line x1="${m.left}" x2="${width - m.right}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="${AXIS}"/>`;
  chart.series.forEach((s, i) => {
    const colour = CHART_PALETTE[i % CHART_PALETTE.length]!;
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const d = pts.map((p, j) => `${j === 0 ? "M" : "L"}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(" ");
    body += `<g class="series"><path d="${d}" fill="none" stroke="${colour}" stroke-width="2.5" stroke-linejoin="round"/>`;
    for (const p of pts)
      body += `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" fill="${colour}"><title>${escapeXml(`${s.name} ${timeLabel(p.x, chart.stepMs)}: ${formatNumber(p.y)}`)}</title></circle>`;
    body += `</g>`;
  });
  return svg(width, height, chart.title, body);
}

export function renderChart(chart: Chart, width = 680): string {
  const w = Math.round(Math.min(CHART_WIDTH_MAX, Math.max(CHART_WIDTH_MIN, width)));
  return chart.type === "bar" ? barChart(chart, w) : lineChart(chart, w);
}
