// The output pane: a status line (HTTP status, time, request id), notes, the error box, the charts,
// the table, the extraction pager and the raw body. It draws what results.ts / error-report.ts made.

import type { ApiResponse } from "./api";
import { renderChart } from "./chart";
import { byId, el } from "./dom";
import type { ErrorReport } from "./error-report";
import { renderTable } from "./table";
import type { ResultView } from "./view-model";

export type Outcome =
  | { kind: "idle" }
  | { kind: "loading"; what: string }
  | { kind: "error"; report: ErrorReport; response: ApiResponse | null }
  | { kind: "result"; view: ResultView; response: ApiResponse; onNextPage: (() => void) | null };

function statusLine(res: ApiResponse | null, report: ErrorReport | null): HTMLElement {
  const parts: Array<Node | string> = [];
  if (report) parts.push(el("span", { class: "badge bad", id: "status-code" }, report.status));
  else if (res) parts.push(el("span", { class: "badge ok", id: "status-code" }, `HTTP ${res.status}`));
  if (res && res.status !== 0) {
    const took = (res.body as { took?: unknown } | null)?.took;
    parts.push(el("span", { class: "muted" }, `${Math.round(res.elapsedMs)} ms${typeof took === "number" ? ` (server ${took} s)` : ""}`));
  }
  const requestId = report?.requestId ?? res?.requestId ?? null;
  if (requestId) parts.push(el("span", { class: "muted", id: "request-id" }, "request id ", el("code", {}, requestId)));
  return el("div", { class: "status-line" }, ...parts);
}

function errorBox(report: ErrorReport): HTMLElement {
  const items = report.errors.map((e) =>
    el("li", {}, e.code === null ? "" : el("code", { class: "error-code" }, `code ${e.code}`), e.code === null ? "" : " ", el("span", { class: "error-message" }, e.message)),
  );
  return el(
    "div",
    { class: "error-box", id: "error", role: "alert" },
    el("strong", {}, report.status === "not sent" ? "Not sent" : `Request failed: ${report.status}`),
    items.length ? el("ul", {}, ...items) : "",
    report.raw ? el("pre", { class: "raw-error" }, report.raw || "(empty body)") : "",
    report.requestId ? el("p", { class: "muted" }, "Request id: ", el("code", {}, report.requestId)) : "",
  );
}

export function renderOutput(outcome: Outcome): void {
  const root = byId("output");
  root.setAttribute("aria-busy", String(outcome.kind === "loading"));
  if (outcome.kind === "loading") {
    // Keep the previous answer visible but dimmed, so a re-run does not make the page jump.
    root.classList.add("stale");
    byId("run-state").textContent = outcome.what;
    return;
  }
  root.classList.remove("stale");
  byId("run-state").textContent = "";
  root.replaceChildren();
  if (outcome.kind === "idle") {
    root.append(el("p", { class: "muted" }, "Run a query to see its answer here."));
    return;
  }
  if (outcome.kind === "error") {
    root.append(statusLine(outcome.response, outcome.report), errorBox(outcome.report));
  } else {
    const { view, response } = outcome;
    root.append(statusLine(response, null));
    for (const n of view.notes) root.append(el("p", { class: "note" }, n));
    if (view.charts.length) {
      const charts = el("div", { class: "charts", id: "charts" });
      root.append(charts);
      for (const c of view.charts) {
        const figure = el("figure", { class: `chart-box chart-${c.type}` });
        charts.append(figure);
        // Drawn at the box's own width (the padding is 10 px a side), so text keeps its size.
        figure.innerHTML = renderChart(c, figure.clientWidth - 20); // renderChart escapes every text it writes
      }
    }
    root.append(el("div", { class: "table-wrap", id: "table-wrap" }, renderTable(view.table)));
    if (view.page !== null || outcome.onNextPage) {
      const pager = el("div", { class: "pager", id: "pager" }, el("span", { class: "muted" }, `page ${view.page ?? 1} · ${view.table.rows.length} rows`));
      if (outcome.onNextPage) {
        const next = el("button", { type: "button", id: "next-page" }, "Next page →");
        next.addEventListener("click", outcome.onNextPage);
        pager.append(next);
      }
      root.append(pager);
    }
  }
  const res = outcome.response;
  if (res && res.text) root.append(el("details", { class: "raw" }, el("summary", {}, "Raw response"), el("pre", {}, prettyJson(res))));
}

function prettyJson(res: ApiResponse): string {
  return res.body === null ? res.text : JSON.stringify(res.body, null, 2);
}
