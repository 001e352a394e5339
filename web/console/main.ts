// The console page's controller: the key form, the schema sidebar, the JSON and SQL editors and
// the run loop. Every HTTP call goes through api.ts; what an answer looks like comes from
// results.ts and error-report.ts; this file only wires them to the page.

import { createApi, type ApiResponse, type ConsoleApi } from "./api";
import { byId, el } from "./dom";
import { bindIndentKey, bindRunShortcut, formatJson, insertAtCaret } from "./editor";
import { ENDPOINTS, endpointById, exampleSql, type ResultKind } from "./endpoints";
import { errorReport, localError } from "./error-report";
import { forgetKey, loadKey, saveKey } from "./key-store";
import { renderOutput } from "./output";
import { resultView } from "./results";
import { buildSchema, exampleColumns, type Schema } from "./schema";
import { renderSchemaPanel, type SchemaPanelState } from "./schema-panel";

type Mode = "json" | "sql";

const keyInput = byId<HTMLInputElement>("api-key");
const endpointSelect = byId<HTMLSelectElement>("endpoint");
const jsonEditor = byId<HTMLTextAreaElement>("json-editor");
const sqlEditor = byId<HTMLTextAreaElement>("sql-editor");
const runButton = byId<HTMLButtonElement>("run");

let api: ConsoleApi | null = null;
let schema: Schema = buildSchema(null, null);
let mode: Mode = "json";
/** The example last put in each editor: replaced by a new example only while it is unedited. */
const lastExample: Record<Mode, string> = { json: "", sql: "" };
/** Only the latest run may draw its answer. */
let runSeq = 0;

function setExample(which: Mode, force: boolean): void {
  const area = which === "json" ? jsonEditor : sqlEditor;
  if (!force && area.value.trim() !== "" && area.value !== lastExample[which]) return;
  const cols = exampleColumns(schema);
  const text = which === "json" ? JSON.stringify(endpointById(endpointSelect.value).example(cols), null, 2) : exampleSql(cols);
  area.value = lastExample[which] = text;
}

function setMode(next: Mode): void {
  mode = next;
  for (const tab of document.querySelectorAll<HTMLButtonElement>("[data-tab]")) tab.setAttribute("aria-selected", String(tab.dataset["tab"] === next));
  byId("json-pane").hidden = next !== "json";
  byId("sql-pane").hidden = next !== "sql";
  (next === "json" ? jsonEditor : sqlEditor).focus();
}

function showSchema(state: Omit<SchemaPanelState, "loading"> | null): void {
  const root = byId("schema");
  const editorFor = (): HTMLTextAreaElement => (mode === "json" ? jsonEditor : sqlEditor);
  const pick = (apiName: string): void => insertAtCaret(editorFor(), mode === "json" ? JSON.stringify(apiName) : apiName);
  renderSchemaPanel(root, state ? { ...state, loading: false } : { schema: null, databaseNote: null, columnsError: null, loading: true }, pick);
}

async function connect(key: string): Promise<void> {
  api = createApi(key);
  byId("key-state").textContent = "connecting…";
  showSchema(null);
  const [database, columns] = await Promise.all([api.database(), api.columns()]);
  const dbError = errorReport(database);
  const colError = errorReport(columns);
  byId("key-state").textContent = database.status === 401 || columns.status === 401 ? "key refused" : dbError ? "key accepted (not master)" : "master key";
  schema = buildSchema(dbError ? null : database.body, colError ? null : columns.body);
  const databaseNote = dbError ? `Database details need a master key (${dbError.status}${dbError.errors[0] ? `: ${dbError.errors[0].message}` : ""}).` : null;
  showSchema({ schema, databaseNote, columnsError: colError });
  setExample("json", false);
  setExample("sql", false);
}

async function execute(what: string, call: (a: ConsoleApi) => Promise<ApiResponse>, kind: ResultKind | "sql", nextPage: ((token: string) => void) | null): Promise<void> {
  if (!api) {
    renderOutput({ kind: "error", report: localError("Paste an API key above first."), response: null });
    return;
  }
  const seq = ++runSeq;
  runButton.disabled = true;
  runButton.textContent = "Running…";
  renderOutput({ kind: "loading", what });
  try {
    const res = await call(api);
    if (seq !== runSeq) return;
    const report = errorReport(res);
    if (report) {
      renderOutput({ kind: "error", report, response: res });
      return;
    }
    const view = resultView(kind, res.body);
    const token = view.nextPage;
    renderOutput({ kind: "result", view, response: res, onNextPage: token !== null && nextPage ? () => nextPage(token) : null });
  } finally {
    if (seq === runSeq) {
      runButton.disabled = false;
      runButton.textContent = "Run";
    }
  }
}

function runJson(body: unknown): void {
  const endpoint = endpointById(endpointSelect.value);
  // The next page repeats the body with the token; the token keeps the first page's limit (a limit
  // next to it is refused, code 112).
  const nextPage = (token: string): void => {
    const { limit: _limit, ...rest } = body as Record<string, unknown>;
    runJson({ ...rest, "page-token": token });
  };
  void execute(`${endpoint.label}…`, (a) => a.query(endpoint.path, body), endpoint.kind, endpoint.kind === "extraction" ? nextPage : null);
}

function run(): void {
  if (runButton.disabled) return;
  if (mode === "sql") {
    const statement = sqlEditor.value.trim();
    void execute("SQL…", (a) => a.sql(statement), "sql", null);
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(jsonEditor.value);
  } catch (e) {
    renderOutput({ kind: "error", report: localError(`The editor does not hold valid JSON: ${e instanceof Error ? e.message : String(e)}`), response: null });
    return;
  }
  runJson(body);
}

function boot(): void {
  for (const e of ENDPOINTS) endpointSelect.append(el("option", { value: e.id }, e.label));
  const showPath = (): void => {
    byId("endpoint-path").textContent = `POST /v1${endpointById(endpointSelect.value).path}`;
  };
  endpointSelect.addEventListener("change", () => {
    showPath();
    setExample("json", false);
  });
  showPath();
  byId("example").addEventListener("click", () => setExample(mode, true));
  byId("format").addEventListener("click", () => {
    const problem = formatJson(jsonEditor);
    if (problem) renderOutput({ kind: "error", report: localError(`The editor does not hold valid JSON: ${problem}`), response: null });
  });
  for (const tab of document.querySelectorAll<HTMLButtonElement>("[data-tab]")) tab.addEventListener("click", () => setMode(tab.dataset["tab"] === "sql" ? "sql" : "json"));
  bindIndentKey(jsonEditor);
  bindIndentKey(sqlEditor);
  bindRunShortcut(run);
  runButton.addEventListener("click", run);
  byId<HTMLFormElement>("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const key = keyInput.value.trim();
    if (!key) return;
    saveKey(key);
    void connect(key);
  });
  byId("forget").addEventListener("click", () => {
    forgetKey();
    api = null;
    keyInput.value = "";
    byId("key-state").textContent = "no key";
    schema = buildSchema(null, null);
    renderSchemaPanel(byId("schema"), { schema: null, databaseNote: null, columnsError: null, loading: false }, () => {});
  });
  setExample("json", true);
  setExample("sql", true);
  renderOutput({ kind: "idle" });
  const stored = loadKey();
  if (stored) {
    keyInput.value = stored;
    void connect(stored);
  } else {
    renderSchemaPanel(byId("schema"), { schema: null, databaseNote: null, columnsError: null, loading: false }, () => {});
  }
}

boot();
