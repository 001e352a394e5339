// The sidebar: the database (when the key may describe it), then each dimension's columns with
// their types. A click on a column hands its api-name to the editor.

import { el } from "./dom";
import type { ErrorReport } from "./error-report";
import type { Schema } from "./schema";

export interface SchemaPanelState {
  schema: Schema | null;
  /** Why GET /v1/database gave nothing (e.g. not a master key); shown as a note, not an error. */
  databaseNote: string | null;
  /** GET /v1/column failed: the columns cannot be listed. */
  columnsError: ErrorReport | null;
  loading: boolean;
}

export function renderSchemaPanel(root: HTMLElement, state: SchemaPanelState, onPick: (apiName: string) => void): void {
  root.replaceChildren();
  if (state.loading) {
    root.append(el("p", { class: "muted loading" }, "Loading the schema…"));
    return;
  }
  if (!state.schema && !state.columnsError) {
    root.append(el("p", { class: "muted" }, "Paste an API key above to browse its database."));
    return;
  }
  const db = state.schema?.database;
  if (db) root.append(el("div", { class: "db", id: "db-name" }, el("strong", {}, db.name), db.description ? el("p", { class: "muted" }, db.description) : ""));
  if (state.databaseNote) root.append(el("p", { class: "note", id: "db-note" }, state.databaseNote));
  if (state.columnsError) {
    const first = state.columnsError.errors[0];
    root.append(el("p", { class: "note error-text", id: "columns-error" }, `Columns unavailable: ${state.columnsError.status}${first ? ` — ${first.message}` : ""}`));
    return;
  }
  const schema = state.schema!;
  for (const dimension of schema.dimensions) {
    const cols = schema.columns.filter((c) => c.dimension === dimension);
    const list = el(
      "ul",
      { class: "columns" },
      ...cols.map((c) => {
        const button = el(
          "button",
          { type: "button", class: "column", "data-api-name": c.apiName, title: `${c.name} — click to insert "${c.apiName}"` },
          el("span", { class: "api-name" }, c.apiName),
          el("span", { class: `type type-${c.type.replace(/[^a-z]/g, "")}` }, c.type),
        );
        button.addEventListener("click", () => onPick(c.apiName));
        return el("li", {}, button);
      }),
    );
    root.append(
      el(
        "section",
        { class: "dimension", "data-dimension": dimension },
        el("h3", {}, dimension, el("span", { class: "count" }, String(cols.length))),
        cols.length ? list : el("p", { class: "muted" }, "no columns"),
      ),
    );
  }
}
