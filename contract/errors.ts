// The closed table of error codes the API answers with (SlicingDice's numbers where they exist,
// API.md §2.3/§2.4; 3xxx/4xxx are ours). The HTTP status derives from the code, never chosen ad hoc.
// Imports nothing: shared by the Worker, the Durable Objects and the pure engine.

export const ERRORS = {
  // --- authentication and request shape (API.md §2.4 numbering) ---
  AUTH_MISSING_HEADER: { code: 10, status: 401, when: "no Authorization header" },
  AUTH_INVALID_KEY: { code: 12, status: 401, when: "the API key is unknown or revoked" },
  AUTH_WRONG_LEVEL: { code: 13, status: 403, when: "the key's level may not use this endpoint" },
  CUSTOM_KEY_COLUMN_CREATION: { code: 15, status: 403, when: "a custom key tried to create a column or dimension (POST /column or insert auto-create)" },
  CUSTOM_KEY_COLUMN: { code: 16, status: 403, when: "a custom key touches a column (or dimension) its permissions do not grant; the message names it" },
  CUSTOM_KEY_ROUTE: { code: 19, status: 403, when: "a custom key called an endpoint only the master key may use" },
  CONTENT_TYPE_MISSING: { code: 21, status: 415, when: "Content-Type absent on a request with a body" },
  CONTENT_TYPE_INVALID: { code: 22, status: 415, when: "Content-Type is not application/json (or application/sql for /sql)" },
  INVALID_JSON: { code: 24, status: 400, when: "the body is not valid JSON" },
  METHOD_NOT_ALLOWED: { code: 25, status: 405, when: "the route exists but not with this method" },
  UNKNOWN_ROUTE: { code: 26, status: 404, when: "no such route" },
  RATE_LIMITED: { code: 1502, status: 429, when: "too many requests for this key" },
  BODY_TOO_LARGE: { code: 1507, status: 413, when: "the body is larger than the endpoint allows" },
  // --- columns ---
  COLUMN_MISSING_PARAM: { code: 40, status: 400, when: "a required column member is missing" },
  COLUMN_TYPE: { code: 41, status: 400, when: "unknown column type" },
  COLUMN_INTEGER_PARAM: { code: 42, status: 400, when: "a column member must be an integer" },
  COLUMN_EXISTS: { code: 43, status: 409, when: "the api-name is already used in that dimension" },
  COLUMN_LIMIT: { code: 44, status: 400, when: "too many columns in the database" },
  COLUMN_DECIMAL_TYPE: { code: 47, status: 400, when: "decimal-places given for a non-decimal type" },
  COLUMN_STORAGE: { code: 48, status: 400, when: "storage is not latest-value / list-of-values" },
  COLUMN_API_NAME: { code: 49, status: 400, when: "api-name has invalid characters or is reserved" },
  COLUMN_NAME: { code: 50, status: 400, when: "name is blank or not a string" },
  COLUMN_DESCRIPTION: { code: 51, status: 400, when: "description is not a non-blank string" },
  COLUMN_DESCRIPTION_LENGTH: { code: 52, status: 400, when: "description longer than allowed" },
  COLUMN_CARDINALITY: { code: 53, status: 400, when: "cardinality is not high / low" },
  COLUMN_DECIMAL_LIMIT: { code: 54, status: 400, when: "decimal-places out of range" },
  COLUMN_RANGE: { code: 39, status: 400, when: "enumerated range missing or not ascending" },
  COLUMN_NAME_LENGTH: { code: 56, status: 400, when: "name longer than allowed" },
  COLUMN_API_NAME_LENGTH: { code: 57, status: 400, when: "api-name longer than allowed" },
  COLUMN_UNKNOWN_MEMBER: { code: 2020, status: 400, when: "a column definition has a member the API does not know" },
  COLUMN_NOT_FOUND: { code: 85, status: 404, when: "no active column with that api-name" },
  // --- insert ---
  INSERT_EMPTY_ENTITY_ID: { code: 58, status: 400, when: "an entity id is empty" },
  INSERT_DECIMAL_PLACES: { code: 60, status: 400, when: "a value has more decimals than the column allows" },
  INSERT_ENTITY_NOT_OBJECT: { code: 61, status: 400, when: "an entity's value is not an object" },
  INSERT_VALUE_TYPE: { code: 63, status: 400, when: "a value does not match its column type" },
  INSERT_ENTITY_ID_TOO_LONG: { code: 64, status: 400, when: "an entity id is longer than allowed" },
  INSERT_VALUE_TOO_LONG: { code: 65, status: 400, when: "a string value is longer than allowed" },
  INSERT_EVENT_DATE: { code: 66, status: 400, when: "an event date is not a valid ISO date" },
  INSERT_UNKNOWN_COLUMN: { code: 67, status: 400, when: "a column does not exist (and auto-create does not allow creating it)" },
  INSERT_DATE_FORMAT: { code: 70, status: 400, when: "a date/datetime value is not valid" },
  INSERT_EMPTY_STRING: { code: 71, status: 400, when: "a string value is empty" },
  INSERT_EVENT_KEY: { code: 72, status: 400, when: "an event object has a key other than value/date" },
  INSERT_NOT_NUMBER: { code: 73, status: 400, when: "a numeric column got something that is not a number" },
  INSERT_EVENT_VALUE: { code: 74, status: 400, when: "an event object lacks value" },
  INSERT_UNKNOWN_DIMENSION: { code: 2010, status: 400, when: "a dimension does not exist (and auto-create does not allow creating it)" },
  INSERT_AUTO_CREATE: { code: 2011, status: 400, when: "auto-create is not a list of 'dimension' / 'column'" },
  INSERT_ENTITIES_LIMIT: { code: 2012, status: 400, when: "too many entities in one insert" },
  INSERT_VALUES_LIMIT: { code: 2013, status: 400, when: "too many values in one insert" },
  INSERT_IDEMPOTENCY_KEY: { code: 2014, status: 400, when: "the Idempotency-Key header is empty or too long" },
  IDEMPOTENCY_KEY_REUSED: { code: 2015, status: 422, when: "the Idempotency-Key was already used by this API key for a request with another body or operation" },
  // --- queries ---
  QUERY_DATE_FORMAT: { code: 78, status: 400, when: "a date in a query is not valid" },
  QUERY_RELATIVE_INTERVAL: { code: 79, status: 400, when: "a relative date token is not valid" },
  QUERY_MISSING: { code: 80, status: 400, when: "the query member is missing" },
  QUERY_INVALID_PREDICATE: { code: 81, status: 400, when: "an unknown predicate" },
  QUERY_INVALID_OPERATOR: { code: 83, status: 400, when: "an operator other than and/or/not" },
  QUERY_OPERATOR_USAGE: { code: 84, status: 400, when: "an operator in a place it cannot be" },
  QUERY_UNKNOWN_COLUMN: { code: 85, status: 400, when: "a query names a column that does not exist in the dimension" },
  QUERY_MISSING_OPERATOR: { code: 86, status: 400, when: "two operands without an operator between them" },
  QUERY_INCOMPLETE: { code: 87, status: 400, when: "a dangling operator" },
  QUERY_COUNT_EVENT: { code: 88, status: 400, when: "a count-event query is not one event predicate with a window" },
  QUERY_INVALID_METRIC: { code: 89, status: 400, when: "unknown aggregation metric" },
  QUERY_INTEGER: { code: 90, status: 400, when: "a value must be a positive integer" },
  QUERY_COLUMN_LIMIT: { code: 91, status: 400, when: "too many columns in a query" },
  QUERY_LEVEL_LIMIT: { code: 92, status: 400, when: "too many aggregation levels" },
  QUERY_BAD_AGGREGATION: { code: 93, status: 400, when: "a malformed aggregation level" },
  QUERY_METRIC_LEVEL: { code: 95, status: 400, when: "a metric at a non-final level" },
  QUERY_EVENT_USAGE: { code: 96, status: 400, when: "an event-only parameter on a non-event column, or the reverse" },
  QUERY_METRIC_TYPE: { code: 97, status: 400, when: "a numeric metric on a non-numeric column" },
  QUERY_TEXT_ON_NUMERIC: { code: 98, status: 400, when: "contains/starts-with/ends-with on a non-text column" },
  QUERY_EXISTS_LIMIT: { code: 99, status: 400, when: "too many ids in an exists query" },
  QUERY_SAVED_MISSING_NAME: { code: 102, status: 400, when: "a saved query without a name" },
  QUERY_SAVED_EXISTS: { code: 103, status: 409, when: "a saved query with that name exists" },
  QUERY_SAVED_NOT_FOUND: { code: 104, status: 404, when: "no saved query with that name" },
  QUERY_SAVED_TYPE: { code: 105, status: 400, when: "a saved-query type that is not allowed" },
  QUERY_EXISTS_MISSING_IDS: { code: 107, status: 400, when: "an exists query without ids" },
  QUERY_INVALID_FORMAT: { code: 108, status: 400, when: "the body does not have the endpoint's shape" },
  QUERY_TOP_VALUES_EMPTY: { code: 109, status: 400, when: "a top-values filter list is empty" },
  QUERY_LIMIT_VALUE: { code: 110, status: 400, when: "limit is not a positive integer" },
  QUERY_LIMIT_TOO_BIG: { code: 111, status: 400, when: "limit above the maximum" },
  QUERY_LIMIT_AND_PAGE: { code: 112, status: 400, when: "limit combined with a page token" },
  QUERY_PAGE_TOKEN: { code: 113, status: 400, when: "the page token is not valid for this query" },
  QUERY_EXTRACTION_COLUMNS: { code: 114, status: 400, when: "too many columns requested" },
  QUERY_EXISTS_EMPTY: { code: 115, status: 400, when: "an exists query with an empty ids list" },
  QUERY_SAVED_QUERY: { code: 116, status: 400, when: "a saved query's query is not valid" },
  QUERY_SAVED_CACHE_PERIOD: { code: 117, status: 400, when: "cache-period is not a non-negative integer" },
  QUERY_SAVED_NAME: { code: 118, status: 400, when: "a saved-query name with characters outside [A-Za-z0-9-]" },
  QUERY_INVALID_PARAMETER: { code: 119, status: 400, when: "an unknown member in a query" },
  QUERY_AGGREGATION_INVALID_PARAMETER: { code: 120, status: 400, when: "an unknown member in an aggregation body" },
  QUERY_INVALID_MINFREQ: { code: 122, status: 400, when: "minfreq is not an integer of at least 1" },
  QUERY_TOO_MANY_QUERIES: { code: 123, status: 400, when: "too many named queries in one request" },
  QUERY_PARAMETER_USAGE: { code: 125, status: 400, when: "a parameter not allowed here" },
  QUERY_COLUMN_USAGE: { code: 126, status: 400, when: "a predicate not valid for the column's type" },
  QUERY_DEPTH: { code: 127, status: 400, when: "the query nests deeper than allowed" },
  QUERY_UNKNOWN_DIMENSION: { code: 128, status: 400, when: "a query names a dimension that does not exist" },
  SQL_SYNTAX: { code: 140, status: 400, when: "the SQL text is not in the supported dialect" },
  INTERNAL: { code: 130, status: 500, when: "an unexpected internal error (a bug: it is logged)" },
  // --- operator API (ours) ---
  ADMIN_NOT_CONFIGURED: { code: 3001, status: 503, when: "ADMIN_TOKEN is not set, or (outside local development) shorter than 32 characters" },
  ADMIN_UNAUTHORIZED: { code: 3002, status: 401, when: "missing or wrong admin bearer token" },
  ADMIN_INVALID: { code: 3003, status: 400, when: "an operator request with an invalid body" },
  DATABASE_NOT_FOUND: { code: 3004, status: 404, when: "no database with that id" },
  FAULTS_DISABLED: { code: 3005, status: 404, when: "fault injection is not enabled" },
  ADMIN_RATE_LIMITED: { code: 3006, status: 429, when: "too many wrong admin tokens from this client address in the last minute" },
  PLAINTEXT_NOT_ALLOWED: { code: 3007, status: 503, when: 'DATA_KEY_SECRET is not set outside local development and ALLOW_PLAINTEXT is not "true"' },
  // --- API key management (ours; src/routes/api-keys.ts) ---
  KEY_INVALID: { code: 3201, status: 400, when: "a key definition (name, level, permissions) is not valid" },
  KEY_NOT_FOUND: { code: 3202, status: 404, when: "no key with that id in this database" },
  KEY_LIMIT: { code: 3203, status: 400, when: "the database already has the maximum number of keys" },
  KEY_MASTER_REVOKE: { code: 3204, status: 409, when: "the master key cannot be revoked, only rotated" },
  // --- database settings (ours; src/routes/database-settings.ts) ---
  CORS_ORIGINS_INVALID: { code: 3301, status: 400, when: 'allowed-origins is not a list of browser origins (scheme://host[:port]) or "*"' },
  // --- backups (ours; src/backup, durable-objects/shard/snapshot.ts) ---
  BACKUP_NOT_FOUND: { code: 3101, status: 404, when: "no snapshot with that id for this database" },
  BACKUP_INCOMPLETE: { code: 3102, status: 409, when: "the snapshot has no manifest or misses a shard object; nothing was restored" },
  BACKUP_CORRUPT: { code: 3103, status: 422, when: "a snapshot object fails its SHA-256, size or format check; nothing was restored" },
  BACKUP_INCOMPATIBLE: { code: 3104, status: 409, when: "the snapshot's format version or shard count does not fit this database; nothing was restored" },
  BACKUP_FAILED: { code: 3105, status: 503, when: "a shard could not write its snapshot (or apply a verified one); the message names the shards" },
  RESTORE_ALREADY_RUNNING: { code: 3107, status: 409, when: "another restore of this database is running; nothing was changed, retry once it has finished" },
  RESTORE_IN_PROGRESS: { code: 3106, status: 503, when: "a restore of the database is running: deletes and updates are refused (nothing changed); queued inserts wait for it" },
  // --- resharding (ours; durable-objects/reshard/, docs/resharding.md) ---
  RESHARD_IN_PROGRESS: {
    code: 3401,
    status: 503,
    when: "the database's shards are being copied to a new layout: deletes and updates are refused (nothing changed), inserts are kept and applied after; retry in a moment",
  },
  RESHARD_INVALID: { code: 3402, status: 400, when: "the reshard request is not valid: the shard count must be a whole number in range and differ from the current one" },
  RESHARD_CONFLICT: { code: 3403, status: 409, when: "another reshard or a restore of this database is running; nothing was changed" },
  RESHARD_NOT_RUNNING: { code: 3404, status: 409, when: "no reshard of this database can be cancelled: none is running, or it has already published its layout" },
  LAYOUT_RETIRED: { code: 3406, status: 503, when: "a reshard published a new shard layout while the request ran and it could not be sent again; nothing was changed, retry" },
  RESHARD_UNAVAILABLE: { code: 3405, status: 409, when: 'resharding holds inserts in the durable intake while shards are copied; it is refused with DURABLE_INTAKE="false"' },
  // --- availability (ours) ---
  SHARDS_UNAVAILABLE: { code: 4001, status: 503, when: "no copy of one or more shards answered; the message names them" },
  INSERT_WAIT_TIMEOUT: { code: 4002, status: 504, when: "?wait=true gave up waiting; the data stays queued and will be applied" },
  QUEUE_UNAVAILABLE: { code: 4003, status: 503, when: 'the insert could not be stored (intake unavailable, or with DURABLE_INTAKE="false" neither queue accepted it); nothing was acknowledged' },
  DATA_KEY_UNAVAILABLE: { code: 4004, status: 500, when: "the database is encrypted and DATA_KEY_SECRET is missing or wrong: a configuration error, not transient" },
} as const;

export type ErrorName = keyof typeof ERRORS;

/** One error as it travels inside the Worker and across Durable Object RPC (only plain data survives RPC). */
export interface ApiErrorData {
  name: ErrorName;
  message: string;
  moreInfo?: unknown;
}

/** Thrown inside the Worker; app.ts's onError turns it into the SlicingDice envelope. */
export class ApiError extends Error {
  readonly errorName: ErrorName;
  readonly moreInfo: unknown;
  constructor(name: ErrorName, message: string, moreInfo?: unknown) {
    super(message);
    this.name = "ApiError";
    this.errorName = name;
    this.moreInfo = moreInfo;
  }
  get code(): number {
    return ERRORS[this.errorName].code;
  }
  get status(): number {
    return ERRORS[this.errorName].status;
  }
  toData(): ApiErrorData {
    return this.moreInfo === undefined ? { name: this.errorName, message: this.message } : { name: this.errorName, message: this.message, moreInfo: this.moreInfo };
  }
  static from(data: ApiErrorData): ApiError {
    return new ApiError(data.name, data.message, data.moreInfo);
  }
}

/**
 * The SlicingDice error envelope (API.md §2.2): `more-info` only when the error has some (one
 * spelling: API.md's), and the request's id beside `errors` so a report can be matched to its logs.
 */
export function errorEnvelope(err: ApiError, requestId?: string): { errors: Array<Record<string, unknown>>; "request-id"?: string } {
  const item: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.moreInfo !== undefined) item["more-info"] = err.moreInfo;
  return requestId === undefined ? { errors: [item] } : { errors: [item], "request-id": requestId };
}
