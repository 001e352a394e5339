// Response-body schemas of the OpenAPI document: one closed JSON Schema per success answer (every
// member listed, nothing else allowed), so test/api/openapi-responses.test.ts, which validates real
// answers against them, fails when an answer gains, loses or retypes a member the document does not say.

import { JURISDICTIONS, LOCATION_HINTS } from "../../contract/placement";
import { SAVED_QUERY_TYPES } from "../query/saved";
import { FAULT_MODES } from "../../contract/shard-rpc";
import type { JsonSchema } from "./bodies";

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const str: JsonSchema = { type: "string" };
const int: JsonSchema = { type: "integer" };
const count: JsonSchema = { type: "integer", minimum: 0 };
const strings: JsonSchema = { type: "array", items: str };
const nullable = (type: string): JsonSchema => ({ type: [type, "null"] });
const list = (items: JsonSchema): JsonSchema => ({ type: "array", items });

/** A closed object: every member in `properties`, those of `required` always there. */
function closed(properties: Record<string, JsonSchema>, required: readonly string[] = Object.keys(properties), description?: string): JsonSchema {
  return { type: "object", ...(description ? { description } : {}), required: [...required], properties, additionalProperties: false };
}

/** A success envelope (API.md §2.1): status, took and the operation's own members. */
function answer(properties: Record<string, JsonSchema>, required: readonly string[] = Object.keys(properties), description?: string): JsonSchema {
  return closed({ status: { const: "success" }, took: { type: "number", minimum: 0, description: "Seconds spent answering." }, ...properties }, ["status", "took", ...required], description);
}

/** Added to count-like answers when no copy of some shards answered: the counts are extrapolated. */
const APPROXIMATION: Record<string, JsonSchema> = {
  approximate: { const: true, description: "Present only when some shards did not answer and the numbers are extrapolated." },
  "missing-shards": { type: "integer", minimum: 1, description: "How many shards did not answer." },
};

const SHARD_COPY_HEALTH = closed({
  shard: count,
  copy: count,
  entities: count,
  appliedRecords: count,
  outboxBacklog: count,
  lastError: nullable("string"),
  errors: count,
  lastBackupAt: nullable("string"),
  fault: { enum: [...FAULT_MODES] },
  behind: nullable("string"),
  restoring: nullable("string"),
  resharding: { ...nullable("string"), description: "A reshard's hold: frozen while copied (writes wait), or retired (inserts forwarded to the new layout)." },
  jurisdiction: { ...nullable("string"), description: "The jurisdiction the object really lives in, as the runtime reports it." },
});

const LAYOUT = closed({ epoch: count, shards: { type: "integer", minimum: 1 } });
/** A reshard's progress (durable-objects/reshard/job.ts progressOf). */
const RESHARD_PROGRESS = closed(
  {
    id: str,
    phase: { enum: ["freezing", "copying", "publishing", "retiring", "done", "cancelling", "cancelled"] },
    from: LAYOUT,
    to: LAYOUT,
    "entities-copied": count,
    entities: count,
    "sources-done": count,
    "started-at": str,
    "updated-at": str,
    "finished-at": nullable("string"),
    "last-error": nullable("string"),
  },
  undefined,
  "The database's last reshard: the phase it is in and how many entities of the old layout are copied.",
);

const KEY_PROPERTIES: Record<string, JsonSchema> = {
  id: str,
  name: str,
  level: { enum: ["master", "write", "read", "custom"] },
  permissions: { oneOf: [{ type: "null" }, ref("KeyPermissions")], description: "A custom key's grants; null for the other levels." },
  "created-at": str,
};

const SAVED_PROPERTIES: Record<string, JsonSchema> = {
  name: str,
  type: { enum: [...SAVED_QUERY_TYPES] },
  query: { type: ["array", "object"], description: "As saved: the boolean list, or the endpoint's whole body for aggregation and top_values; absent from a count/entity/total saved without one." },
  dimension: str,
  "cache-period": count,
};
// "query" is optional only because count/entity/total may be saved without one (src/query/saved.ts).
const SAVED_REQUIRED = ["name", "type", "cache-period"];
const SAVED_REPLACED_REQUIRED = ["type", "cache-period"];

/** GET /v1/query/saved/{name}: the endpoint's result, by the saved query's type. */
function savedRun(types: readonly string[], result: JsonSchema): JsonSchema {
  return answer({ type: { enum: [...types] }, query: SAVED_PROPERTIES["query"]!, result, ...APPROXIMATION }, ["type", "result"]);
}

/** An extraction cell: a value as text, an event {value, date}, or a list of either. */
const EVENT = closed({ value: str, date: nullable("string") });
const CELL: JsonSchema = { anyOf: [str, EVENT, list({ anyOf: [str, EVENT] })] };

/** A SQL cell: native JSON types (API.md §7.12.2), a list for list-of-values columns. */
const SQL_CELL: JsonSchema = { anyOf: [{ type: ["string", "number", "boolean", "null"] }, list({ type: ["string", "number", "boolean", "null"] })] };

/** Every named success schema the operations refer to (components.schemas). */
export function responseSchemas(): Record<string, JsonSchema> {
  return {
    // ---- service ----
    ServiceAnswer: closed({ service: str, description: str, api: str, docs: str, console: str, openapi: str }),
    OpenApiDocument: { type: "object", required: ["openapi", "info", "paths", "components"], properties: { openapi: { const: "3.1.0" } }, description: "This document." },

    // ---- operator API ----
    Database: closed({
      id: { type: "string", pattern: "^[0-9a-f]{20}$" },
      name: str,
      description: str,
      shards: { type: "integer", minimum: 1 },
      epoch: { ...count, description: "The routing epoch of the shard layout: 0 at creation, one more with each reshard." },
      replicas: count,
      placement: { type: ["array", "null"], items: { enum: [...LOCATION_HINTS] }, description: "Location hint of copy i of every shard: placement[i % length]; null: where the first caller is." },
      jurisdiction: { type: ["string", "null"], enum: [...JURISDICTIONS, null], description: "Where every copy's data stays; null: no restriction." },
      "created-at": str,
    }),
    DatabaseCreated: answer({ database: ref("Database"), "api-keys": closed({ master: str, write: str, read: str }, undefined, "Shown once: only their hashes are kept.") }),
    DatabaseList: answer({ databases: list(ref("Database")) }),
    DatabaseDeleted: answer({ deleted: str }),
    DatabaseHealth: answer({
      database: ref("Database"),
      shards: list({ oneOf: [SHARD_COPY_HEALTH, closed({ shard: count, copy: count, error: str }, undefined, "A copy that did not answer.")] }),
      "dead-letters": count,
      "replicas-behind": list(closed({ shard: count, copy: count, since: int, through: int, at: str })),
      "refusing-queries": list(closed({ shard: count, copy: count, reason: str }, undefined, "A copy a query would not use now, and why.")),
      restoring: list(closed({ shard: count, copy: count, restore: str }, undefined, "A copy with a restore staged: it refuses writes until it commits or is aborted.")),
      encryption: { type: "string", description: '"on", "pending: …" or "off: …".' },
      intake: closed(
        { pending: count, "dead-lettered": count, "oldest-accepted-at": nullable("string") },
        undefined,
        "Acknowledged insert messages the durable intake still holds because their primary has not applied them yet (0 when the queue kept up).",
      ),
      reshard: { oneOf: [{ type: "null" }, RESHARD_PROGRESS] },
    }),
    ReshardAnswer: answer({ reshard: RESHARD_PROGRESS }),
    ReshardStatus: answer({ reshard: { oneOf: [{ type: "null" }, RESHARD_PROGRESS] } }),
    DeadLetters: answer({ "dead-letters": list(closed({ at: str, recordId: str, shard: count, error: str })) }),
    FaultSet: answer({ shard: count, replica: count, mode: { enum: [...FAULT_MODES] } }),
    MasterKeyReplaced: answer({ id: str, level: { const: "master" }, "api-key": str }),
    DataKeyRotation: answer({
      secret: { type: "string", description: "Fingerprint of the secret every data key is now wrapped by." },
      databases: count,
      rewrapped: count,
      "already-current": count,
      "without-key": count,
      failed: list(closed({ database: str, error: str })),
    }),
    SnapshotTaken: answer({ snapshot: str, shards: count, bytes: count, "format-version": int, "requested-at": str }),
    Backups: answer({ backups: list(ref("SnapshotListing")), daily: list(ref("SnapshotListing")) }),
    SnapshotListing: closed({
      snapshot: str,
      kind: { enum: ["hourly", "manual"] },
      location: { enum: ["local", "remote"] },
      "requested-at": str,
      "completed-at": nullable("string"),
      shards: count,
      bytes: count,
      "format-version": int,
    }),
    Restored: answer({ restored: str, location: { enum: ["local", "remote"] }, shards: count, "shard-copies": count, bytes: count, rows: count }),
    NoopAnswer: answer({ shards: count }),

    // ---- database, settings and columns ----
    DatabaseDescription: answer({ name: str, description: str, dimensions: strings, "created-at": str, "updated-at": str }),
    CorsSettingAnswer: answer({ "allowed-origins": { ...strings, description: 'Origins (scheme://host[:port]) or "*"; empty: no browser page may read answers.' } }),
    ColumnInfo: closed(
      {
        name: str,
        "api-name": str,
        type: str,
        category: { const: "general" },
        storage: { enum: ["latest-value", "list-of-values"] },
        dimension: str,
        description: str,
        cardinality: { enum: ["high", "low"] },
        "decimal-places": count,
        range: list({ type: "number" }),
      },
      ["name", "api-name", "type", "category", "storage", "dimension"],
    ),
    ColumnList: answer({ active: list(ref("ColumnInfo")), inactive: list(ref("ColumnInfo")) }),
    ColumnsCreated: answer({ "api-name": { oneOf: [str, strings], description: "The name, or the list of names when a list was sent." } }),
    ColumnChanged: answer({ "api-name": str }),
    ColumnDeactivated: answer({ "api-name": str, active: { const: false } }),

    // ---- insert ----
    Inserted: answer({ "inserted-entities": count, "inserted-columns": { ...count, description: "(entity, column) pairs written." } }),

    // ---- queries ----
    Counts: answer({ result: { type: "object", additionalProperties: count, description: "query-name → count." }, ...APPROXIMATION }, ["result"]),
    TotalAnswer: answer({ result: closed({ total: count }), ...APPROXIMATION }, ["result"]),
    ExistsAnswer: answer({ exists: strings, "not-exists": strings }),
    TopValuesAnswer: answer({ result: ref("TopValuesResult"), ...APPROXIMATION }, ["result"]),
    TopValuesResult: {
      type: "object",
      description: "name → {column → [{value, quantity}]}, most frequent first.",
      additionalProperties: { type: "object", minProperties: 1, maxProperties: 1, additionalProperties: list(closed({ value: str, quantity: count })) },
    },
    AggregationAnswer: answer({ result: ref("AggregationMembers"), ...APPROXIMATION }, ["result"]),
    AggregationMembers: {
      type: "object",
      description: "Column api-name → its groups (a list), its metrics, or its histogram (API.md §7.6).",
      additionalProperties: { anyOf: [list({ anyOf: [ref("AggregationGroup"), ref("HistogramBucket")] }), ref("AggregationMetrics")] },
    },
    AggregationGroup: {
      type: "object",
      required: ["value", "quantity"],
      properties: { value: str, quantity: count },
      additionalProperties: { anyOf: [list({ anyOf: [ref("AggregationGroup"), ref("HistogramBucket")] }), ref("AggregationMetrics")] },
      description: "One value of a group level and its entities; the next level's column holds what is inside.",
    },
    AggregationMetrics: {
      type: "object",
      minProperties: 1,
      propertyNames: { enum: ["min", "max", "avg", "sum", "count-events"] },
      additionalProperties: { type: ["number", "null"] },
      description: "Averages are rounded to 6 decimal places, sums of decimal columns to the column's decimal places.",
    },
    HistogramBucket: {
      type: "object",
      required: ["between"],
      minProperties: 2,
      maxProperties: 2,
      properties: { between: { type: "array", prefixItems: [str, str], minItems: 2, maxItems: 2 } },
      propertyNames: { enum: ["between", "min", "max", "avg", "sum", "count-events"] },
      additionalProperties: { type: ["number", "null"] },
    },
    ResultPage: answer({
      data: list({ type: "object", properties: { "entity-id": str }, additionalProperties: CELL }),
      page: { type: "integer", minimum: 1 },
      "next-page": { type: ["string", "null"], description: "Send it back as page-token for the next page; null on the last." },
    }),
    ScorePage: answer({
      data: list({ type: "object", required: ["score"], properties: { "entity-id": str, score: count }, additionalProperties: CELL }),
      page: { type: "integer", minimum: 1 },
      "next-page": { type: ["string", "null"], description: "Send it back as page-token for the next page; null on the last." },
    }),

    // ---- saved queries ----
    SavedQueries: answer({ "saved-queries": list(closed(SAVED_PROPERTIES, SAVED_REQUIRED)) }),
    SavedQuerySaved: answer(SAVED_PROPERTIES, SAVED_REQUIRED),
    SavedQueryReplaced: answer({ type: SAVED_PROPERTIES["type"]!, query: SAVED_PROPERTIES["query"]!, dimension: str, "cache-period": count }, SAVED_REPLACED_REQUIRED),
    SavedQueryDeleted: answer({ ...SAVED_PROPERTIES, "deleted-query": str }, [...SAVED_REQUIRED, "deleted-query"]),
    SavedQueryRun: {
      description: 'The answer of the query\'s endpoint, with its type and query; count types key their count by "query".',
      oneOf: [
        savedRun(["count/entity", "count/event"], closed({ query: count })),
        savedRun(["count/entity/total"], closed({ total: count })),
        savedRun(["top_values"], ref("TopValuesResult")),
        savedRun(["aggregation"], ref("AggregationMembers")),
      ],
    },

    // ---- delete / update ----
    DeleteAnswer: answer({ result: closed({ deleted: count }) }),
    UpdateAnswer: answer({ result: closed({ updated: count }) }),

    // ---- SQL ----
    SqlAnswer: {
      description: "SELECT: rows and their count; INSERT: the insert answer.",
      oneOf: [answer({ result: list({ type: "object", additionalProperties: SQL_CELL }), count, ...APPROXIMATION }, ["result", "count"]), ref("Inserted")],
    },

    // ---- API keys ----
    KeyPermissions: closed({ query: ref("ColumnGrants"), insert: ref("ColumnGrants") }),
    ColumnGrants: { type: "object", additionalProperties: { anyOf: [{ const: "*" }, strings] }, description: 'Dimension → "*" or its column api-names.' },
    KeyInfo: closed(KEY_PROPERTIES),
    KeyCreated: answer({ ...KEY_PROPERTIES, "api-key": { type: "string", description: "The secret, shown once." } }),
    KeyList: answer({ keys: list(ref("KeyInfo")) }),
    KeyRevoked: answer({ revoked: ref("KeyInfo") }),
  };
}
