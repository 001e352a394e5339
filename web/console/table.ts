// A result table: a header row and one row per result; numbers right-aligned and formatted.

import { formatNumber } from "./chart";
import { el } from "./dom";
import type { Table } from "./view-model";

export function renderTable(table: Table): HTMLElement {
  if (table.rows.length === 0) return el("p", { class: "empty" }, "No rows.");
  const numeric = new Set(table.columns.filter((c) => table.rows.every((r) => typeof r[c] === "number" || r[c] === null || r[c] === undefined)));
  const head = el("tr", {}, ...table.columns.map((c) => el("th", numeric.has(c) ? { scope: "col", class: "num" } : { scope: "col" }, c)));
  const body = table.rows.map((row) =>
    el(
      "tr",
      {},
      ...table.columns.map((c) => {
        const v = row[c];
        if (typeof v === "number") return el("td", { class: "num" }, formatNumber(v));
        return el("td", v === null || v === undefined ? { class: "none" } : {}, v === null || v === undefined ? "" : String(v));
      }),
    ),
  );
  return el("table", { class: "results" }, el("thead", {}, head), el("tbody", {}, ...body));
}
