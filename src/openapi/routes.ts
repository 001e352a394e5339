// The route table of the OpenAPI document: one row per route the Hono app registers (paths in
// Hono's spelling), with who may call it, its body and its outcomes. test/api/openapi.test.ts fails
// when a registered route has no row here, or a row names a route that does not exist.

import type { KeyLevel } from "../../contract/api-keys";
import { INSERT_BODY_BYTES_MAX, QUERY_BODY_BYTES_MAX, SQL_TEXT_CHARS_MAX } from "../../contract/limits";

export type Method = "get" | "post" | "put" | "delete";

/** Query and header parameters shared by several routes (components.parameters). */
export type OptionName = "wait" | "idempotency-key" | "dimension";

export interface KeyAuth {
  /** The `allowed` argument the route passes to requireLevel (src/middleware/auth.ts); the levels are derived from it. */
  requireLevel: readonly KeyLevel[];
  /** A level requireLevel lets through but the route then refuses, and why. */
  refused?: { level: KeyLevel; why: string };
}

export interface RouteDoc {
  method: Method;
  path: string;
  tag: string;
  summary: string;
  auth: "none" | "admin" | KeyAuth;
  params?: Record<string, string>;
  options?: readonly OptionName[];
  /** A components.schemas name; `maxBytes` is what the route passes to readJson/readText. */
  body?: { schema: string; maxBytes: number; optional?: true; sql?: true };
  ok?: 200 | 201 | 202;
  /** The components.schemas name of the success answer (./responses.ts). */
  response: string;
  /** The members of the answer besides status and took, in a line. */
  returns: string;
  /** Statuses besides those implied by the auth (401/403/429, 401/503) and a body (400/413/415). */
  errors?: readonly number[];
}

const READ: KeyAuth = { requireLevel: ["read"] };
const WRITE: KeyAuth = { requireLevel: ["write"] };
const MASTER: KeyAuth = { requireLevel: [] };
const DB_ID = { id: "The database id (20 hex digits) from POST /admin/databases." };
const QUERY_BODY = (schema: string) => ({ schema, maxBytes: QUERY_BODY_BYTES_MAX });
/** Every query fans out to the shards: a shard with no answering copy is 503 / 4001. */
const QUERY = (path: string, summary: string, schema: string, response: string, returns: string): RouteDoc => ({
  method: "post",
  path,
  tag: "queries",
  summary,
  auth: READ,
  body: QUERY_BODY(schema),
  response,
  returns,
  errors: [503],
});
const EXTRACT = (path: string, summary: string, response: string, returns: string): RouteDoc => ({
  method: "post",
  path,
  tag: "data extraction",
  summary,
  auth: READ,
  body: QUERY_BODY("Extraction"),
  response,
  returns,
  errors: [503],
});

export const ROUTES: readonly RouteDoc[] = [
  // ---- service (no auth) ----
  {
    method: "get",
    path: "/",
    response: "ServiceAnswer",
    tag: "service",
    summary: "Describe the service and where its API and documents are.",
    auth: "none",
    returns: "service, description, api, docs, openapi",
  },
  { method: "get", path: "/openapi.json", response: "OpenApiDocument", tag: "service", summary: "This OpenAPI 3.1 document.", auth: "none", returns: "the OpenAPI document" },

  // ---- operator API (src/routes/admin.ts, src/routes/backups.ts) ----
  {
    method: "post",
    path: "/admin/databases",
    response: "DatabaseCreated",
    tag: "operator",
    summary: "Create a database with its master, write and read keys.",
    auth: "admin",
    body: QUERY_BODY("CreateDatabase"),
    ok: 201,
    returns: "database {id, name, description, shards, replicas, placement, jurisdiction, created-at}, api-keys {master, write, read} (shown once)",
  },
  {
    method: "get",
    path: "/admin/databases",
    response: "DatabaseList",
    tag: "operator",
    summary: "List every database.",
    auth: "admin",
    returns: "databases: [{id, name, description, shards, replicas, placement, jurisdiction, created-at}]",
  },
  {
    method: "delete",
    path: "/admin/databases/:id",
    response: "DatabaseDeleted",
    tag: "operator",
    summary: "Delete a database: every shard copy and its catalog.",
    auth: "admin",
    params: DB_ID,
    returns: "deleted: the id",
    errors: [404],
  },
  {
    method: "get",
    path: "/admin/databases/:id/health",
    response: "DatabaseHealth",
    tag: "operator",
    summary: "Health of every shard copy, dead letters, lagging replicas and encryption state.",
    auth: "admin",
    params: DB_ID,
    returns: "database, shards, dead-letters, replicas-behind, encryption",
    errors: [404],
  },
  {
    method: "get",
    path: "/admin/databases/:id/dead-letters",
    response: "DeadLetters",
    tag: "operator",
    summary: "Insert batches that could not be applied.",
    auth: "admin",
    params: DB_ID,
    returns: "dead-letters: [...]",
    errors: [404],
  },
  {
    method: "post",
    path: "/admin/databases/:id/faults",
    response: "FaultSet",
    tag: "operator",
    summary: "Inject a fault into one shard copy (only where ALLOW_FAULT_INJECTION is true).",
    auth: "admin",
    params: DB_ID,
    body: QUERY_BODY("Fault"),
    returns: "shard, replica, mode",
    errors: [404],
  },
  {
    method: "post",
    path: "/admin/databases/:id/keys/master/rotate",
    response: "MasterKeyReplaced",
    tag: "operator",
    summary: "Replace a lost or leaked master key; the old one stops working.",
    auth: "admin",
    params: DB_ID,
    returns: "id, level, api-key (shown once)",
    errors: [404],
  },
  {
    method: "post",
    path: "/admin/rotate-data-key-secret",
    response: "DataKeyRotation",
    tag: "operator",
    summary: "Re-wrap every database's data key with the current DATA_KEY_SECRET.",
    auth: "admin",
    returns: "secret, databases, rewrapped, already-current, without-key, failed",
    errors: [400],
  },
  {
    method: "post",
    path: "/admin/databases/:id/backup",
    response: "SnapshotTaken",
    tag: "operator",
    summary: "Take a snapshot of every shard now.",
    auth: "admin",
    params: DB_ID,
    ok: 201,
    returns: "snapshot, shards, bytes, format-version, requested-at",
    errors: [404, 503],
  },
  {
    method: "get",
    path: "/admin/databases/:id/backups",
    response: "Backups",
    tag: "operator",
    summary: "List complete snapshots: local (hourly, manual) and daily remote copies.",
    auth: "admin",
    params: DB_ID,
    returns: "backups: [...], daily: [...]",
    errors: [404],
  },
  {
    method: "post",
    path: "/admin/databases/:id/restore",
    response: "Restored",
    tag: "operator",
    summary: "Restore every shard copy from a snapshot, verified before anything changes.",
    auth: "admin",
    params: DB_ID,
    body: QUERY_BODY("Restore"),
    returns: "restored, location, shards, shard-copies, bytes, rows",
    errors: [404, 409, 422, 503],
  },
  {
    method: "post",
    path: "/admin/databases/:id/reshard",
    response: "ReshardAnswer",
    tag: "operator",
    summary: "Move the live database to another shard count; inserts and queries go on (docs/resharding.md).",
    auth: "admin",
    params: DB_ID,
    body: QUERY_BODY("Reshard"),
    ok: 202,
    returns: "reshard: {id, phase, from, to, entities-copied, ...}",
    errors: [404, 409],
  },
  {
    method: "get",
    path: "/admin/databases/:id/reshard",
    response: "ReshardStatus",
    tag: "operator",
    summary: "The database's last reshard and its progress (null: never resharded).",
    auth: "admin",
    params: DB_ID,
    returns: "reshard",
    errors: [404],
  },
  {
    method: "delete",
    path: "/admin/databases/:id/reshard",
    response: "ReshardAnswer",
    tag: "operator",
    summary: "Cancel a reshard that has not published its layout: the old shards take writes again.",
    auth: "admin",
    params: DB_ID,
    ok: 202,
    returns: "reshard",
    errors: [404, 409],
  },
  {
    method: "post",
    path: "/admin/databases/:id/noop",
    response: "NoopAnswer",
    tag: "operator",
    summary: "Call every shard with nothing to do: the platform's latency floor.",
    auth: "admin",
    params: DB_ID,
    returns: "shards: how many answered",
    errors: [404, 503],
  },

  // ---- database and columns (src/routes/columns.ts) ----
  {
    method: "get",
    path: "/v1/database",
    response: "DatabaseDescription",
    tag: "columns",
    summary: "Describe the database and its dimensions.",
    auth: MASTER,
    returns: "name, description, dimensions, created-at, updated-at",
  },
  {
    method: "get",
    path: "/v1/database/cors",
    response: "CorsSettingAnswer",
    tag: "columns",
    summary: "The origins whose browser pages may read the API's answers (none until set).",
    auth: MASTER,
    returns: "allowed-origins: [origin]",
  },
  {
    method: "put",
    path: "/v1/database/cors",
    response: "CorsSettingAnswer",
    tag: "columns",
    summary: "Replace the origins whose browser pages may read the API's answers.",
    auth: MASTER,
    body: QUERY_BODY("CorsSetting"),
    returns: "allowed-origins: [origin], normalised",
  },
  {
    method: "get",
    path: "/v1/column",
    response: "ColumnList",
    tag: "columns",
    summary: "List the columns (a custom key sees only its granted ones).",
    auth: READ,
    returns: "active: [column], inactive: [column]",
  },
  {
    method: "post",
    path: "/v1/column",
    response: "ColumnsCreated",
    tag: "columns",
    summary: "Create one column or a list of them, all or nothing.",
    auth: { requireLevel: ["write"], refused: { level: "custom", why: "custom keys cannot create columns (403 / 15)" } },
    body: QUERY_BODY("ColumnCreate"),
    returns: "api-name: the name, or the list of names",
    errors: [409],
  },
  {
    method: "put",
    path: "/v1/column/:apiName",
    response: "ColumnChanged",
    tag: "columns",
    summary: "Rename a column or change its description.",
    auth: MASTER,
    params: { apiName: "The column's api-name." },
    options: ["dimension"],
    body: QUERY_BODY("ColumnPatch"),
    returns: "api-name",
    errors: [404],
  },
  {
    method: "delete",
    path: "/v1/column/:apiName",
    response: "ColumnDeactivated",
    tag: "columns",
    summary: "Deactivate a column.",
    auth: MASTER,
    params: { apiName: "The column's api-name." },
    options: ["dimension"],
    returns: "api-name, active: false",
    errors: [400, 404],
  },

  // ---- insert (src/routes/insert.ts) ----
  {
    method: "post",
    path: "/v1/insert",
    response: "Inserted",
    tag: "insert",
    summary: "Insert or update entities; checked whole, then queued.",
    auth: WRITE,
    options: ["wait", "idempotency-key"],
    body: { schema: "Insert", maxBytes: INSERT_BODY_BYTES_MAX },
    returns: "inserted-entities, inserted-columns",
    errors: [503, 504],
  },

  // ---- queries (src/routes/query.ts, src/routes/extraction.ts) ----
  QUERY("/v1/query/count/entity", "Count the entities matching each named query.", "NamedQueries", "Counts", "result: {<query-name>: integer}"),
  {
    ...QUERY("/v1/query/count/entity/total", "Count every entity, or those of the listed dimensions.", "Total", "TotalAnswer", "result: {total: integer}"),
    body: { ...QUERY_BODY("Total"), optional: true },
  },
  {
    method: "get",
    path: "/v1/query/count/entity/total",
    response: "TotalAnswer",
    tag: "queries",
    summary: "Count every entity (the historical bodiless GET).",
    auth: READ,
    returns: "result: {total: integer}",
    errors: [503],
  },
  QUERY("/v1/query/count/event", "Count the events matching each named query within its window.", "NamedQueries", "Counts", "result: {<query-name>: integer}"),
  QUERY("/v1/query/exists/entity", "Tell which of the given entity ids exist.", "Exists", "ExistsAnswer", "exists: [id], not-exists: [id]"),
  QUERY("/v1/query/top_values", "The most frequent values of columns, per named sub-query.", "TopValues", "TopValuesAnswer", "result: {<name>: {<column>: [{value, quantity}]}}"),
  QUERY("/v1/query/aggregation", "Group by columns' top values and compute metrics or histograms.", "Aggregation", "AggregationAnswer", "result: nested groups and metrics (API.md §7.6)"),
  EXTRACT("/v1/data_extraction/result", "Fetch column values of the matching entities, a page at a time.", "ResultPage", "data: [row], page, next-page"),
  EXTRACT("/v1/data_extraction/score", "Like result, with each entity's relevance score.", "ScorePage", "data: [row with score], page, next-page"),

  // ---- saved queries (src/routes/saved.ts) ----
  {
    method: "get",
    path: "/v1/query/saved",
    response: "SavedQueries",
    tag: "saved queries",
    summary: "List the saved queries.",
    auth: MASTER,
    returns: "saved-queries: [{name, type, query, dimension?, cache-period}]",
  },
  {
    method: "post",
    path: "/v1/query/saved",
    response: "SavedQuerySaved",
    tag: "saved queries",
    summary: "Save a query under a name.",
    auth: MASTER,
    body: QUERY_BODY("SavedQuery"),
    returns: "the saved definition",
    errors: [409],
  },
  {
    method: "get",
    path: "/v1/query/saved/:name",
    response: "SavedQueryRun",
    tag: "saved queries",
    summary: "Run a saved query (cached for its cache-period).",
    auth: READ,
    params: { name: "The saved query's name." },
    returns: "type, query, result",
    errors: [400, 404, 503],
  },
  {
    method: "put",
    path: "/v1/query/saved/:name",
    response: "SavedQueryReplaced",
    tag: "saved queries",
    summary: "Replace a saved query's definition.",
    auth: MASTER,
    params: { name: "The saved query's name." },
    body: QUERY_BODY("SavedQueryReplace"),
    returns: "the definition, without name",
    errors: [404],
  },
  {
    method: "delete",
    path: "/v1/query/saved/:name",
    response: "SavedQueryDeleted",
    tag: "saved queries",
    summary: "Delete a saved query.",
    auth: MASTER,
    params: { name: "The saved query's name." },
    returns: "the deleted definition, deleted-query",
    errors: [400, 404],
  },

  // ---- delete / update (src/routes/mutations.ts): custom keys limited to their grants ----
  {
    method: "post",
    path: "/v1/delete",
    response: "DeleteAnswer",
    tag: "mutations",
    summary: "Delete the entities a query selects.",
    auth: { requireLevel: ["custom"] },
    options: ["idempotency-key"],
    body: QUERY_BODY("Delete"),
    returns: "result: {deleted: integer}",
    errors: [503],
  },
  {
    method: "post",
    path: "/v1/update",
    response: "UpdateAnswer",
    tag: "mutations",
    summary: "Set attribute values on the entities a query selects.",
    auth: { requireLevel: ["custom"] },
    options: ["idempotency-key"],
    body: QUERY_BODY("Update"),
    returns: "result: {updated: integer}",
    errors: [503],
  },

  // ---- SQL (src/routes/sql.ts): SELECT needs a read level, INSERT a write level ----
  {
    method: "post",
    path: "/v1/sql",
    response: "SqlAnswer",
    tag: "sql",
    summary: "Run one SQL statement: SELECT (read key) or INSERT (write key).",
    auth: { requireLevel: ["read", "write"] },
    options: ["wait", "idempotency-key"],
    body: { schema: "Sql", maxBytes: SQL_TEXT_CHARS_MAX * 4, sql: true },
    returns: "SELECT: result: [row], count; INSERT: inserted-entities, inserted-columns",
    errors: [503, 504],
  },

  // ---- API keys (src/routes/api-keys.ts) ----
  {
    method: "post",
    path: "/v1/keys",
    response: "KeyCreated",
    tag: "keys",
    summary: "Create a read, write or custom key (its secret is shown once).",
    auth: MASTER,
    body: QUERY_BODY("KeyDefinition"),
    ok: 201,
    returns: "id, name, level, permissions, created-at, api-key",
  },
  { method: "get", path: "/v1/keys", response: "KeyList", tag: "keys", summary: "List the keys (never their secrets).", auth: MASTER, returns: "keys: [{id, name, level, permissions, created-at}]" },
  {
    method: "delete",
    path: "/v1/keys/:id",
    response: "KeyRevoked",
    tag: "keys",
    summary: "Revoke a key.",
    auth: MASTER,
    params: { id: "The key's id, from GET /v1/keys." },
    returns: "revoked: the key",
    errors: [404, 409],
  },
  {
    method: "post",
    path: "/v1/keys/master/rotate",
    response: "KeyCreated",
    tag: "keys",
    summary: "Replace the master key presented with a new one.",
    auth: MASTER,
    returns: "id, name, level, permissions, created-at, api-key",
  },
];
