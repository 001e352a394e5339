// A hand-written SVG grouped bar chart (no dependency): per query, one bar per peer variant showing
// peer median / our median on a log scale, with a line at 1x (parity) and the 5x / 1.5x targets marked.

const PALETTE = ["#1f77b4", "#6baed6", "#d62728", "#ff9896", "#2ca02c", "#98df8a", "#9467bd", "#c5b0d5"];
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function ratioChart(ratios: Array<{ query: string; engine: string; ratio: number }>, queries: string[], engines: string[], title: string): string {
  const W = 1100;
  const H = 460;
  const left = 60;
  const right = 20;
  const top = 50;
  const bottom = 110;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const values = ratios.map((r) => r.ratio).filter((x) => x > 0);
  const lo = Math.min(0.5, ...values);
  const hi = Math.max(10, ...values);
  const l0 = Math.floor(Math.log10(lo));
  const l1 = Math.ceil(Math.log10(hi));
  const y = (v: number) => top + plotH - ((Math.log10(Math.max(v, 10 ** l0)) - l0) / (l1 - l0)) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  for (let e = l0; e <= l1; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v < 10 ** l0 || v > 10 ** l1) continue;
      const yy = y(v).toFixed(1);
      out.push(`<line x1="${left}" x2="${W - right}" y1="${yy}" y2="${yy}" stroke="${m === 1 ? "#ccc" : "#eee"}"/>`);
      out.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${v >= 1 ? v : v.toFixed(-e)}x</text>`);
    }
  }
  for (const [v, label, color] of [
    [1, "parity", "#000"],
    [1.5, "1.5x target (agg)", "#e69500"],
    [5, "5x target (count/event/score)", "#c00"],
  ] as const) {
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${left}" x2="${W - right}" y1="${yy}" y2="${yy}" stroke="${color}" stroke-dasharray="${v === 1 ? "" : "5,4"}"/>`);
    out.push(`<text x="${W - right - 4}" y="${Number(yy) - 4}" text-anchor="end" fill="${color}">${label}</text>`);
  }
  const groupW = plotW / queries.length;
  const barW = (groupW * 0.8) / Math.max(1, engines.length);
  queries.forEach((q, qi) => {
    const x0 = left + qi * groupW + groupW * 0.1;
    engines.forEach((e, ei) => {
      const r = ratios.find((x) => x.query === q && x.engine === e);
      if (r === undefined) return;
      const base = y(10 ** l0);
      const yy = y(r.ratio);
      out.push(
        `<rect x="${(x0 + ei * barW).toFixed(1)}" y="${yy.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(base - yy).toFixed(1)}" fill="${PALETTE[ei % PALETTE.length]}"><title>${esc(`${q} ${e}: ${r.ratio}x`)}</title></rect>`,
      );
    });
    const cx = left + qi * groupW + groupW / 2;
    out.push(`<text x="${cx.toFixed(1)}" y="${top + plotH + 14}" text-anchor="end" transform="rotate(-35 ${cx.toFixed(1)} ${top + plotH + 14})">${esc(q)}</text>`);
  });
  engines.forEach((e, ei) => {
    const lx = left + (ei % 4) * 200;
    const ly = H - 28 + Math.floor(ei / 4) * 16;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="10" fill="${PALETTE[ei % PALETTE.length]}"/><text x="${lx + 16}" y="${ly}">${esc(e)} / ours</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
