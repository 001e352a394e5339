// One request builder per route of the API (src/openapi/routes.ts): method, route, concrete path,
// query string, headers and body, typed with the answer it gets. Pure data, no I/O, so the same
// requests can be sent by SlicedClient, inspected by tests, or sent raw by the console.

import type * as T from "./types";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** Which credential a route takes: an API key (raw, API.md §1.3), the operator's bearer token, or none. */
export type Credential = "key" | "admin" | "none";

export interface HttpRequest<Answer> {
  method: HttpMethod;
  /** The route as the Worker registers it (Hono's spelling), e.g. `/v1/query/saved/:name`. */
  route: string;
  /** The path sent, parameters filled in and encoded. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: { json: unknown } | { sql: string };
  credential: Credential;
  /** Never set: carries the answer's type from the builder to the sender. */
  readonly answer?: Answer;
}

const enc = encodeURIComponent;

function req<Answer>(method: HttpMethod, route: string, credential: Credential, extra: Partial<Pick<HttpRequest<Answer>, "path" | "query" | "headers" | "body">> = {}): HttpRequest<Answer> {
  return { method, route, path: extra.path ?? route, credential, ...extra };
}

const json = (value: unknown) => ({ json: value });

function insertExtras(options: T.InsertOptions | T.MutationOptions = {}): { query?: Record<string, string>; headers?: Record<string, string> } {
  const out: { query?: Record<string, string>; headers?: Record<string, string> } = {};
  if ("wait" in options && options.wait) out.query = { wait: "true" };
  if (options.idempotencyKey !== undefined) out.headers = { "idempotency-key": options.idempotencyKey };
  return out;
}

const dimensionQuery = (dimension: string | undefined) => (dimension === undefined ? {} : { query: { dimension } });

/** Requests that take an API key (paths under /v1), plus the two public documents. */
export const keyRequests = {
  // ---- service ----
  service: () => req<T.ServiceAnswer>("GET", "/", "none"),
  openapi: () => req<Record<string, unknown>>("GET", "/openapi.json", "none"),

  // ---- database and columns ----
  database: () => req<T.DatabaseAnswer>("GET", "/v1/database", "key"),
  /** Browser origins allowed to read answers (master key); empty by default. */
  corsOrigins: () => req<T.CorsSettingAnswer>("GET", "/v1/database/cors", "key"),
  setCorsOrigins: (origins: string[]) => req<T.CorsSettingAnswer>("PUT", "/v1/database/cors", "key", { body: json({ "allowed-origins": origins }) }),
  columns: () => req<T.ColumnsAnswer>("GET", "/v1/column", "key"),
  createColumn: (def: T.ColumnDefinitionBody) => req<T.CreateColumnAnswer>("POST", "/v1/column", "key", { body: json(def) }),
  /** All or nothing; at most COLUMNS_PER_REQUEST_MAX (100) per request. */
  createColumns: (defs: T.ColumnDefinitionBody[]) => req<T.CreateColumnsAnswer>("POST", "/v1/column", "key", { body: json(defs) }),
  updateColumn: (apiName: string, patch: T.ColumnPatchBody, dimension?: string) =>
    req<T.ColumnChangedAnswer>("PUT", "/v1/column/:apiName", "key", { path: `/v1/column/${enc(apiName)}`, body: json(patch), ...dimensionQuery(dimension) }),
  deactivateColumn: (apiName: string, dimension?: string) =>
    req<T.ColumnDeactivatedAnswer>("DELETE", "/v1/column/:apiName", "key", { path: `/v1/column/${enc(apiName)}`, ...dimensionQuery(dimension) }),

  // ---- insert ----
  insert: (body: T.InsertBody, options?: T.InsertOptions) => req<T.InsertAnswer>("POST", "/v1/insert", "key", { body: json(body), ...insertExtras(options) }),

  // ---- queries ----
  countEntity: (queries: T.NamedQueries) => req<T.CountAnswer>("POST", "/v1/query/count/entity", "key", { body: json(queries) }),
  total: (body: T.TotalBody = {}) => req<T.TotalAnswer>("POST", "/v1/query/count/entity/total", "key", { body: json(body) }),
  countEvent: (queries: T.NamedQueries) => req<T.CountAnswer>("POST", "/v1/query/count/event", "key", { body: json(queries) }),
  exists: (body: T.ExistsBody) => req<T.ExistsAnswer>("POST", "/v1/query/exists/entity", "key", { body: json(body) }),
  topValues: (body: T.TopValuesBody) => req<T.TopValuesAnswer>("POST", "/v1/query/top_values", "key", { body: json(body) }),
  aggregation: (body: T.AggregationBody) => req<T.AggregationAnswer>("POST", "/v1/query/aggregation", "key", { body: json(body) }),
  result: (body: T.ExtractionBody) => req<T.ExtractionAnswer>("POST", "/v1/data_extraction/result", "key", { body: json(body) }),
  score: (body: T.ExtractionBody) => req<T.ExtractionAnswer>("POST", "/v1/data_extraction/score", "key", { body: json(body) }),

  // ---- saved queries ----
  savedQueries: () => req<T.SavedQueriesAnswer>("GET", "/v1/query/saved", "key"),
  createSavedQuery: (body: T.SavedQueryBody) => req<T.SavedQueryAnswer>("POST", "/v1/query/saved", "key", { body: json(body) }),
  runSavedQuery: (name: string) => req<T.SavedQueryRunAnswer>("GET", "/v1/query/saved/:name", "key", { path: `/v1/query/saved/${enc(name)}` }),
  replaceSavedQuery: (name: string, body: T.SavedQueryReplaceBody) =>
    req<T.SavedQueryReplacedAnswer>("PUT", "/v1/query/saved/:name", "key", { path: `/v1/query/saved/${enc(name)}`, body: json(body) }),
  deleteSavedQuery: (name: string) => req<T.SavedQueryDeletedAnswer>("DELETE", "/v1/query/saved/:name", "key", { path: `/v1/query/saved/${enc(name)}` }),

  // ---- delete, update, SQL ----
  deleteEntities: (body: T.DeleteBody, options?: T.MutationOptions) => req<T.DeleteAnswer>("POST", "/v1/delete", "key", { body: json(body), ...insertExtras(options) }),
  updateEntities: (body: T.UpdateBody, options?: T.MutationOptions) => req<T.UpdateAnswer>("POST", "/v1/update", "key", { body: json(body), ...insertExtras(options) }),
  /** One SELECT (read key) or INSERT (write key); `options` apply to INSERT. */
  sql: (statement: string, options?: T.InsertOptions) => req<T.SqlAnswer>("POST", "/v1/sql", "key", { body: { sql: statement }, ...insertExtras(options) }),

  // ---- API keys (master key) ----
  createKey: (def: T.KeyDefinition) => req<T.CreatedKeyAnswer>("POST", "/v1/keys", "key", { body: json(def) }),
  keys: () => req<T.KeysAnswer>("GET", "/v1/keys", "key"),
  revokeKey: (id: string) => req<T.KeyRevokedAnswer>("DELETE", "/v1/keys/:id", "key", { path: `/v1/keys/${enc(id)}` }),
  rotateMasterKey: () => req<T.CreatedKeyAnswer>("POST", "/v1/keys/master/rotate", "key"),
} as const;

const db = (id: string, rest = "") => `/admin/databases/${enc(id)}${rest}`;

/** The operator API: `Authorization: Bearer <ADMIN_TOKEN>`. */
export const adminRequests = {
  createDatabase: (body: T.CreateDatabaseBody) => req<T.CreatedDatabaseAnswer>("POST", "/admin/databases", "admin", { body: json(body) }),
  databases: () => req<T.DatabasesAnswer>("GET", "/admin/databases", "admin"),
  deleteDatabase: (id: string) => req<T.DatabaseDeletedAnswer>("DELETE", "/admin/databases/:id", "admin", { path: db(id) }),
  health: (id: string) => req<T.HealthAnswer>("GET", "/admin/databases/:id/health", "admin", { path: db(id, "/health") }),
  deadLetters: (id: string) => req<T.DeadLettersAnswer>("GET", "/admin/databases/:id/dead-letters", "admin", { path: db(id, "/dead-letters") }),
  /** Only where ALLOW_FAULT_INJECTION is "true". */
  fault: (id: string, body: T.FaultBody) => req<T.FaultAnswer>("POST", "/admin/databases/:id/faults", "admin", { path: db(id, "/faults"), body: json(body) }),
  rotateMasterKey: (id: string) => req<T.MasterRotatedAnswer>("POST", "/admin/databases/:id/keys/master/rotate", "admin", { path: db(id, "/keys/master/rotate") }),
  rotateDataKeySecret: () => req<T.DataKeyRotationAnswer>("POST", "/admin/rotate-data-key-secret", "admin"),
  backup: (id: string) => req<T.BackupAnswer>("POST", "/admin/databases/:id/backup", "admin", { path: db(id, "/backup") }),
  backups: (id: string) => req<T.BackupsAnswer>("GET", "/admin/databases/:id/backups", "admin", { path: db(id, "/backups") }),
  restore: (id: string, body: T.RestoreBody) => req<T.RestoreAnswer>("POST", "/admin/databases/:id/restore", "admin", { path: db(id, "/restore"), body: json(body) }),
  reshard: (id: string, body: T.ReshardBody) => req<T.ReshardAnswer>("POST", "/admin/databases/:id/reshard", "admin", { path: db(id, "/reshard"), body: json(body) }),
  reshardStatus: (id: string) => req<T.ReshardStatusAnswer>("GET", "/admin/databases/:id/reshard", "admin", { path: db(id, "/reshard") }),
  cancelReshard: (id: string) => req<T.ReshardAnswer>("DELETE", "/admin/databases/:id/reshard", "admin", { path: db(id, "/reshard") }),
  noop: (id: string) => req<T.NoopAnswer>("POST", "/admin/databases/:id/noop", "admin", { path: db(id, "/noop") }),
} as const;
