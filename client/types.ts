// What the client sends and what the API answers, as TypeScript types: the query language of
// API.md §6, every request body and every success answer. Bodies the Worker validates with zod
// come from its schemas (src/openapi/wire-types.ts); the rest follow API.md and src/openapi/bodies.ts.
// Type-only imports: nothing of the Worker is bundled with the client.

import type { ColumnGrant, KeyLevel, KeyPermissions } from "../contract/api-keys";
import type { ColumnType, Storage } from "../contract/columns";
import type { FaultMode, ReplicaMark, ShardHealth } from "../contract/shard-rpc";
import type { Jurisdiction, LocationHint } from "../contract/placement";
import type { ColumnDefinitionBody, ColumnPatchBody, CreateDatabaseBody, FaultBody, ReshardBody, RestoreBody } from "../src/openapi/wire-types";

export type { ColumnDefinitionBody, ColumnPatchBody, ColumnGrant, ColumnType, CreateDatabaseBody, FaultBody, FaultMode, KeyLevel, KeyPermissions, ReshardBody, RestoreBody, Storage };

// ---- the success envelope (API.md §2.1) ----

/** Members every success answer carries. */
export interface Envelope {
  status: "success";
  /** Server time in seconds. */
  took: number;
}

/** Count-like answers computed without every shard are extrapolated and say so. */
export interface MaybeApproximate {
  approximate?: true;
  "missing-shards"?: number;
}

// ---- the query language (API.md §6) ----

export type Scalar = string | number | boolean;
/** [from, to] or ["today"]: dates, ISO date-times or relative tokens ("now", "-7d", "+1w"). */
export type Window = [string] | [string, string];
/** Operators match in any case; "not" starts a list that negates its operand. */
export type Operator = "and" | "or" | "not" | "AND" | "OR" | "NOT";

export interface PredicateOps {
  equals?: Scalar;
  "not-equals"?: Scalar;
  range?: [Scalar, Scalar];
  gt?: Scalar;
  gte?: Scalar;
  lt?: Scalar;
  lte?: Scalar;
  "greater-than"?: Scalar;
  "greater-than-or-equal"?: Scalar;
  "less-than"?: Scalar;
  "less-than-or-equal"?: Scalar;
  "starts-with"?: string;
  "ends-with"?: string;
  contains?: string;
  "not-contains"?: string;
  /** Event columns: only events inside the window count. */
  between?: Window;
  /** Event columns: at least this many matching events. */
  minfreq?: number;
}

/** `{"<column api-name>": {<predicates>}}`, one column per object (`entity-id` included). */
export type Predicate = { [column: string]: PredicateOps };

/** Matches when the events matching all its predicates add up to at least minfreq (API.md §6.4). */
export interface FreqGroup {
  freqgroup: Predicate[];
  minfreq: number;
}

export type QueryItem = Predicate | FreqGroup | Operator | QueryItem[];
/** A list of operands and operators; a lone predicate object reads as a one-item list. */
export type Query = QueryItem[] | Predicate;

// ---- counts, total, exists ----

export interface NamedQuery {
  "query-name": string;
  query: Query;
  dimension?: string;
  "bypass-cache"?: boolean;
}

/** POST /query/count/entity and /query/count/event: one named query or a list. */
export type NamedQueries = NamedQuery | NamedQuery[];

export interface CountAnswer extends Envelope, MaybeApproximate {
  result: Record<string, number>;
}

export interface TotalBody {
  dimensions?: string[];
  "bypass-cache"?: boolean;
}

export interface TotalAnswer extends Envelope, MaybeApproximate {
  result: { total: number };
}

export interface ExistsBody {
  ids: Array<string | number>;
  dimension?: string;
  "bypass-cache"?: boolean;
}

export interface ExistsAnswer extends Envelope {
  exists: string[];
  "not-exists": string[];
}

// ---- top values and aggregation ----

export interface TopValuesFilters {
  contains?: Scalar | Scalar[];
  "not-contains"?: Scalar | Scalar[];
  "starts-with"?: Scalar | Scalar[];
  "ends-with"?: Scalar | Scalar[];
  "not-equals"?: Scalar | Scalar[];
  equals?: Scalar | Scalar[];
  between?: Window;
  dimension?: string;
  "bypass-cache"?: boolean;
}

/** Exactly one column member whose value is N (how many values to return), plus filters. */
export type TopValuesQuery = TopValuesFilters & { [column: string]: number | Scalar | Scalar[] | undefined };

/** 1 to 5 named sub-queries, plus an optional dimension and bypass-cache for all of them. */
export type TopValuesBody = { [name: string]: TopValuesQuery | string | boolean | undefined; dimension?: string; "bypass-cache"?: boolean };

export interface ValueQuantity {
  value: string;
  quantity: number;
}

export interface TopValuesAnswer extends Envelope, MaybeApproximate {
  /** name → column → its most frequent values. */
  result: Record<string, Record<string, ValueQuantity[]>>;
}

export type Metric = "min" | "max" | "avg" | "sum" | "count-events";

/** One level: a column member (N to group by its top N values, or a metric) plus modifiers. */
export type AggregationLevel = { equals?: Scalar[]; between?: Window | Window[]; interval?: string } & { [column: string]: number | Metric | Scalar[] | Window | Window[] | string | undefined };

export interface AggregationBody {
  filter?: Query;
  query: AggregationLevel[];
  dimension?: string;
  "bypass-cache"?: boolean;
}

/** A group bucket; the next level's results sit under that level's column name. */
export type AggregationGroup = ValueQuantity & { [nextColumn: string]: unknown };

export interface AggregationAnswer extends Envelope, MaybeApproximate {
  /** Nested groups (lists of buckets) and metrics (API.md §7.6). */
  result: Record<string, AggregationGroup[] | Record<string, unknown> | Array<Record<string, unknown>>>;
}

// ---- data extraction ----

export interface EventValue {
  value: string;
  date: string;
}

export interface ExtractionBody {
  query?: Query;
  /** "all" (entity-id and every attribute column) or ≤ 10 api-names and event windows `{"<event column>": [from, to]}`. */
  columns?: "all" | Array<string | Record<string, Window>>;
  order?: Array<Record<string, "asc" | "desc">>;
  /** Not combined with page-token: the token keeps the first page's limit. */
  limit?: number;
  "page-token"?: string;
  dimension?: string;
  "bypass-cache"?: boolean;
}

/** Values are strings (numbers too); a requested column without a value is absent; score rows have `score`. */
export type ExtractionRow = { "entity-id"?: string; score?: number } & { [column: string]: string | number | EventValue | EventValue[] | undefined };

export interface ExtractionAnswer extends Envelope {
  data: ExtractionRow[];
  page: number;
  /** The page-token of the next page, or null after the last one. */
  "next-page": string | null;
}

// ---- insert ----

export interface EventInput {
  value: Scalar;
  /** ISO date or date-time; the server's time when absent. */
  date?: string;
}

export type InsertValue = Scalar | EventInput | Array<Scalar | EventInput>;

/** An entity's values: column api-name → value, plus the dimension it belongs to. */
export type EntityValues = { dimension?: string } & { [column: string]: InsertValue | undefined };

export type AutoCreate = Array<"dimension" | "column" | "table">;

/** Entity id → its values, plus what the insert may create when missing. */
export type InsertBody = { [entity: string]: EntityValues | AutoCreate | undefined; "auto-create"?: AutoCreate };

export interface InsertOptions {
  /** ?wait=true: answer once every shard primary applied the data. */
  wait?: boolean;
  /** The same key and body sent again is applied once (the shards skip record ids they applied). */
  idempotencyKey?: string;
}

export interface InsertAnswer extends Envelope {
  "inserted-entities": number;
  "inserted-columns": number;
}

// ---- database and columns ----

export interface DatabaseAnswer extends Envelope {
  name: string;
  description: string;
  dimensions: string[];
  "created-at": string;
  "updated-at": string;
}

/** GET and PUT /v1/database/cors. */
export interface CorsSettingAnswer extends Envelope {
  "allowed-origins": string[];
}

/** A column as GET /column lists it. */
export interface Column {
  name: string;
  "api-name": string;
  type: ColumnType;
  category: "general";
  storage: Storage;
  dimension: string;
  description?: string;
  cardinality?: "high" | "low";
  "decimal-places"?: number;
  range?: number[];
}

export interface ColumnsAnswer extends Envelope {
  active: Column[];
  inactive: Column[];
}

export interface CreateColumnAnswer extends Envelope {
  "api-name": string;
}

export interface CreateColumnsAnswer extends Envelope {
  "api-name": string[];
}

export interface ColumnChangedAnswer extends Envelope {
  "api-name": string;
}

export interface ColumnDeactivatedAnswer extends Envelope {
  "api-name": string;
  active: false;
}

// ---- saved queries ----

/** The endpoints a saved query may stand for (src/query/saved.ts; test/unit/client keeps them equal). */
export type SavedQueryType = "count/entity" | "count/event" | "count/entity/total" | "aggregation" | "top_values";

export interface SavedQueryBody {
  name: string;
  type: SavedQueryType;
  /** The boolean list for count types, the whole body for aggregation and top_values; optional for count/entity/total. */
  query?: Query | AggregationBody | TopValuesBody | TotalBody;
  dimension?: string;
  /** Seconds an answer stays in the result cache. */
  "cache-period"?: number;
}

export type SavedQueryReplaceBody = Omit<SavedQueryBody, "name"> & { name?: string };

export interface SavedQueryDefinition {
  name: string;
  type: SavedQueryType;
  query: unknown;
  dimension?: string;
  "cache-period": number;
}

export type SavedQueryAnswer = Envelope & SavedQueryDefinition;
export type SavedQueryReplacedAnswer = Envelope & Omit<SavedQueryDefinition, "name">;
export type SavedQueryDeletedAnswer = Envelope & SavedQueryDefinition & { "deleted-query": string };

export interface SavedQueriesAnswer extends Envelope {
  "saved-queries": SavedQueryDefinition[];
}

export interface SavedQueryRunAnswer extends Envelope, MaybeApproximate {
  type: SavedQueryType;
  query: unknown;
  result: unknown;
}

// ---- delete, update, SQL ----

export interface DeleteBody {
  query: Query;
  dimension?: string;
}

export interface UpdateBody {
  query: Query;
  /** Column api-name → new value (attribute latest-value columns only). */
  set: Record<string, Scalar>;
  dimension?: string;
}

export interface MutationOptions {
  /** A retried delete or update with the same key is applied once. */
  idempotencyKey?: string;
}

export interface DeleteAnswer extends Envelope {
  result: { deleted: number };
}

export interface UpdateAnswer extends Envelope {
  result: { updated: number };
}

export interface SqlSelectAnswer extends Envelope, MaybeApproximate {
  /** Native JSON types, unlike the JSON endpoints. */
  result: Array<Record<string, unknown>>;
  count: number;
}

/** SELECT answers rows; INSERT answers like POST /insert. */
export type SqlAnswer = SqlSelectAnswer | InsertAnswer;

// ---- API keys ----

export interface KeyDefinition {
  name: string;
  /** A database has one master key: rotate it instead. */
  level: Exclude<KeyLevel, "master">;
  /** Custom keys only. */
  permissions?: Partial<KeyPermissions>;
}

export interface Key {
  id: string;
  name: string;
  level: KeyLevel;
  permissions: KeyPermissions | null;
  "created-at": string;
}

/** A new key: its secret is shown this once. */
export type CreatedKeyAnswer = Envelope & Key & { "api-key": string };

export interface KeysAnswer extends Envelope {
  keys: Key[];
}

export interface KeyRevokedAnswer extends Envelope {
  revoked: Key;
}

// ---- service ----

/** GET /: not an envelope. */
export interface ServiceAnswer {
  service: string;
  description: string;
  api: string;
  docs: string;
  openapi: string;
}

// ---- operator API (Authorization: Bearer <ADMIN_TOKEN>) ----

export interface Database {
  id: string;
  name: string;
  description: string;
  shards: number;
  /** The routing epoch of the shard layout: 0 at creation, one more with each reshard. */
  epoch: number;
  replicas: number;
  /** Location hint of copy i of every shard: placement[i % length]; null: where the first caller is. */
  placement: LocationHint[] | null;
  jurisdiction: Jurisdiction | null;
  "created-at": string;
}

export interface CreatedDatabaseAnswer extends Envelope {
  database: Database;
  /** Shown once. */
  "api-keys": { master: string; write: string; read: string };
}

export interface DatabasesAnswer extends Envelope {
  databases: Database[];
}

export interface DatabaseDeletedAnswer extends Envelope {
  deleted: string;
}

export interface HealthAnswer extends Envelope {
  database: Database;
  shards: Array<ShardHealth | { shard: number; copy: number; error: string }>;
  "dead-letters": number;
  "replicas-behind": ReplicaMark[];
  /** Copies a query would not use now, and why. */
  "refusing-queries": Array<{ shard: number; copy: number; reason: string }>;
  /** Copies with a restore staged: they refuse writes until it commits or is aborted. */
  restoring: Array<{ shard: number; copy: number; restore: string }>;
  encryption: string;
  /** Acknowledged insert messages the durable intake still holds (not yet applied by their primary). */
  intake: { pending: number; "dead-lettered": number; "oldest-accepted-at": string | null };
  /** The last reshard, null when never resharded. */
  reshard: ReshardProgress | null;
}

export interface ReshardProgress {
  id: string;
  phase: "freezing" | "copying" | "publishing" | "retiring" | "done" | "cancelling" | "cancelled";
  from: { epoch: number; shards: number };
  to: { epoch: number; shards: number };
  "entities-copied": number;
  entities: number;
  "sources-done": number;
  "started-at": string;
  "updated-at": string;
  "finished-at": string | null;
  "last-error": string | null;
}

export interface ReshardAnswer extends Envelope {
  reshard: ReshardProgress;
}

export interface ReshardStatusAnswer extends Envelope {
  reshard: ReshardProgress | null;
}

export interface DeadLetter {
  at: string;
  recordId: string;
  shard: number;
  error: string;
}

export interface DeadLettersAnswer extends Envelope {
  "dead-letters": DeadLetter[];
}

export interface FaultAnswer extends Envelope {
  shard: number;
  replica: number;
  mode: FaultMode;
}

export interface MasterRotatedAnswer extends Envelope {
  id: string;
  level: "master";
  "api-key": string;
}

export interface DataKeyRotationAnswer extends Envelope {
  secret: string;
  databases: number;
  rewrapped: number;
  "already-current": number;
  "without-key": number;
  failed: Array<{ database: string; error: string }>;
}

export interface BackupAnswer extends Envelope {
  snapshot: string;
  shards: number;
  bytes: number;
  "format-version": number;
  "requested-at": string;
}

export interface Snapshot {
  snapshot: string;
  kind: string;
  location: "local" | "remote";
  "requested-at": string;
  "completed-at": string | null;
  shards: number;
  bytes: number;
  "format-version": number;
}

export interface BackupsAnswer extends Envelope {
  backups: Snapshot[];
  daily: Snapshot[];
}

export interface RestoreAnswer extends Envelope {
  restored: string;
  location: "local" | "remote";
  shards: number;
  "shard-copies": number;
  bytes: number;
  rows: number;
}

export interface NoopAnswer extends Envelope {
  shards: number;
}
