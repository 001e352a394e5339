// Every limit the service enforces, in one place, unit last. Error messages quote the value and the limit.

// --- requests ---
export const INSERT_BODY_BYTES_MAX = 4_000_000; // 1507: an insert body (queue messages are 128 KB, so it is split)
export const QUERY_BODY_BYTES_MAX = 256_000; // 1507: any other JSON or SQL body
export const INSERT_ENTITIES_MAX = 1000; // 2012: entities per insert (API.md §5.1)
export const INSERT_VALUES_MAX = 20_000; // 2013: (entity, column) values per insert, events counted one each
export const IDEMPOTENCY_KEY_CHARS_MAX = 200;

// --- names and values ---
export const ENTITY_ID_CHARS_MAX = 1000;
export const STRING_VALUE_CHARS_MAX = 1000; // DOC data-types
export const COLUMN_NAME_CHARS_MAX = 80;
export const COLUMN_API_NAME_CHARS_MAX = 120; // runners append a 10-14 digit suffix to 40+ char names
export const COLUMN_DESCRIPTION_CHARS_MAX = 300;
export const DIMENSION_NAME_CHARS_MAX = 80;
export const DECIMAL_PLACES_MAX = 10;
export const COLUMNS_PER_DATABASE_MAX = 5000;
export const COLUMNS_PER_REQUEST_MAX = 100; // POST /column with an array

// --- queries ---
export const NAMED_QUERIES_MAX = 10; // 123: count entity / count event
export const TOP_VALUES_QUERIES_MAX = 5;
export const TOP_VALUES_FILTER_VALUES_MAX = 20;
export const TOP_VALUES_N_MAX = 10_000;
export const AGGREGATION_LEVELS_MAX = 5; // 92
export const AGGREGATION_GROUP_N_MAX = 10_000;
export const EXISTS_IDS_MAX = 100; // 99
export const EXTRACTION_COLUMNS_MAX = 10; // 114
export const EXTRACTION_LIMIT_DEFAULT = 100;
export const EXTRACTION_LIMIT_MAX = 1000; // 111
export const QUERY_DEPTH_MAX = 16; // nesting of and/or/not lists
export const QUERY_PREDICATES_MAX = 200; // predicate objects in one query
export const SAVED_QUERY_NAME_CHARS_MAX = 100;
export const HISTOGRAM_BUCKETS_MAX = 1000; // interval buckets in one aggregation
export const SQL_TEXT_CHARS_MAX = 20_000;
export const SQL_NESTING_MAX = 64; // 127: parentheses / NOT / CASE / call levels in one SQL statement (the parser recurses)
export const SQL_EXTRACT_ROWS_MAX = 100_000; // 111: entities one shard may hand the edge for a SQL SELECT computed there

// --- platform guards ---
export const QUEUE_MESSAGE_BYTES_MAX = 120_000; // Queues: 128 KB per message including ~100 B metadata
export const QUEUE_SEND_BATCH_MESSAGES_MAX = 100;
export const QUEUE_SEND_BATCH_BYTES_MAX = 250_000; // Queues: sendBatch takes at most 256 KB
export const KV_TTL_MIN_S = 60; // KV: the smallest expirationTtl; the result cache checks its own freshness
export const SEGMENT_BYTES_MAX = 1_900_000; // DO SQLite: 2 MB per row/BLOB (not enforced locally)
export const SQL_BOUND_PARAMETERS_MAX = 100;
export const RPC_BYTES_MAX = 30_000_000; // DO RPC: 32 MiB per call

// --- ingest (src/ingest) ---
/**
 * Room kept in each queue message for everything but the entity text: the other fields (about 140
 * bytes V8-serialised with a 40-character record id) and, in v3, the seal's header and tag (40).
 */
export const QUEUE_MESSAGE_OVERHEAD_BYTES = 512;
export const QUEUE_ENTITY_TEXT_BYTES_MAX = QUEUE_MESSAGE_BYTES_MAX - QUEUE_MESSAGE_OVERHEAD_BYTES;
export const QUEUE_SEND_ATTEMPTS_MAX = 3; // sendBatch tries per queue before the fallback queue
export const INGEST_RETRY_DELAY_MAX_S = 60; // backoff cap of a queued batch a shard refused

// --- shards and the fan-out (durable-objects/shard, src/query) ---
export const SLOW_FAULT_MS = 60_000; // how long a "slow" injected fault holds a call: past any deadline, finite so workerd keeps it
export const OUTBOX_BATCH_ENTRIES_MAX = 50; // outbox entries sent to a replica in one call
export const REPLICA_FORWARD_WAIT_MS = 2_000; // how long a write waits for its replicas before leaving them to the alarm
export const REPLICA_MARK_WAIT_MS = 2_000; // how long a write waits for the catalog to record a lagging replica
export const REPLICATION_RETRY_MAX_MS = 60_000; // backoff cap of a failing replica
export const SHARD_RETRIES_PER_COPY_MAX = 2; // retries of a runtime-retryable error on one copy within one query
export const SICK_COPY_MIN_MS = 1_000; // a copy that failed is tried last for at least this long...
export const SICK_COPY_MAX_MS = 30_000; // ...and at most this long, growing with repeated failures

// --- resharding (durable-objects/reshard/) ---
export const SHARDS_MAX = 256; // shards of one database, at creation and after a reshard
export const RESHARD_EXPORT_ENTITIES_MAX = 500; // entities one export page carries from an old shard
export const RESHARD_STEP_MS = 10_000; // work one catalog alarm run does before it re-arms (stays far below the 15 min wall clock)
export const RESHARD_RETRY_MS = 5_000; // a failed step is tried again after this long (no limit on attempts)

// --- the storage engine (engine/) ---
export const SEGMENT_CACHE_BYTES_DEFAULT = 64 * 1024 * 1024; // decoded segments one shard keeps in memory (DO isolate: 128 MB)
export const ENTITY_ID_CACHE_ENTRIES_MAX = 50_000; // external id <-> dense id pairs kept per direction
export const EXT_ORDER_ADDED_MAX = 1024; // entities created since an external-id order was read that it absorbs before it is dropped
export const EXT_ORDER_SQL_LIST_IDS_MAX = 65_536; // ids above this many are not sent to SQLite as one JSON list
export const POSTINGS_TAIL_MERGE_EVENTS_MIN = 2048; // a postings tail merges into its base at this many events and half the base...
export const POSTINGS_TAIL_ROWS_MAX = 256; // ...or at this many tail rows
export const COLUMN_TAIL_OPS_MIN = 4096; // an attribute chunk's tail merges into its base past this many operations and a quarter of its entities...
export const COLUMN_TAIL_ROWS_MAX = 64; // ...or at this many tail rows (each flush of a changed chunk adds one)
export const SCORE_LEVEL_PASSES_MAX = 32; // scores above this count entity by entity instead of one pass per level

// --- backups (src/backup, durable-objects/shard/snapshot.ts) ---
export const SNAPSHOT_CHUNK_BYTES = 1_048_576; // one staged piece of a snapshot: a DO row, so under the 2 MB row limit
export const BACKUP_PART_BYTES = 8 * SNAPSHOT_CHUNK_BYTES; // R2 multipart part: >= 5 MiB, all equal but the last; whole chunks
export const BACKUP_SINGLE_PUT_BYTES_MAX = BACKUP_PART_BYTES; // larger snapshots go multipart (memory stays at one part)
export const SNAPSHOT_ROW_BYTES_MAX = 2_000_000; // a restored row must fit the DO's 2 MB row limit
export const BACKUP_HOURLY_KEEP_DEFAULT = 48; // BACKUP_HOURLY_KEEP: complete snapshots kept in BACKUPS per database
export const BACKUP_DAILY_KEEP_DEFAULT = 30; // BACKUP_DAILY_KEEP: daily copies kept in BACKUPS_REMOTE per database
export const BACKUP_DAILY_INTERVAL_MS = 86_400_000; // a new daily copy once the newest is this much older than the newest snapshot
export const BACKUP_INCOMPLETE_GRACE_MS = 6 * 3_600_000; // an unfinished snapshot younger than this may still be in progress
export const BACKUP_ATTEMPTS_MAX = 6; // alarm-driven shard backup attempts before the shard gives up on that snapshot
export const BACKUP_RETRY_MAX_MS = 300_000;
export const BACKUP_CRON_SHARD_CALLS_IN_FLIGHT = 50; // DO calls the cron keeps open while asking shards to back up
export const BACKUP_R2_CALLS_IN_FLIGHT = 4; // under the Worker's 6 simultaneous connections
export const BACKUP_CRON_COPY_BUDGET_MS = 600_000; // daily copies stop starting after this; the next hour catches up

// --- API keys and request rate (src/routes/api-keys.ts, src/middleware/rate-limit.ts) ---
export const KEYS_PER_DATABASE_MAX = 100; // 3203: keys of every level, the master included
export const KEY_NAME_CHARS_MAX = 100;
export const KEY_PERMISSION_DIMENSIONS_MAX = 100; // 3201: dimensions named in one custom key's query or insert grants
export const KEY_PERMISSION_COLUMNS_MAX = 1000; // 3201: column names in one custom key's grants, all dimensions together
export const KEY_REQUESTS_PER_PERIOD_MAX = 1000; // 1502: requests one API key may make per period; MUST equal [[ratelimits]] simple.limit in wrangler.toml
export const KEY_RATE_PERIOD_S = 10; // MUST equal [[ratelimits]] simple.period (the binding allows 10 or 60)
export const KEY_RATE_BUCKET_MS = 100; // the isolate's sliding window of a key's admissions, in buckets of this size
export const ADMIN_FAILURES_PER_MINUTE_MAX = 10; // 3006: wrong admin tokens per client address per minute; MUST equal [[ratelimits]] ADMIN_FAILURE_LIMIT
export const ADMIN_TOKEN_CHARS_MIN = 32; // 3001: shortest ADMIN_TOKEN served outside local development
export const RESTORE_FENCE_MAX_MS = 900_000; // a copy refuses writes while a restore is staged on it, at most this long (a crashed restore)
export const RESTORE_LOCK_MS = RESTORE_FENCE_MAX_MS; // a database's restore lock older than this is abandoned (its Worker died): as long as the fence it left
export const KEY_RATE_REPORT_MS = 100; // an isolate tells the binding about a key's requests at most this often (src/middleware/rate-limit.ts)

// --- request ids and browser access (src/middleware/request-id.ts, cors.ts) ---
export const REQUEST_ID_CHARS_MAX = 128; // a longer (or not [A-Za-z0-9_=-]) incoming X-Request-Id is replaced by a fresh one
export const CORS_ORIGINS_MAX = 50; // 3301: allowed origins of one database
export const CORS_ORIGIN_CHARS_MAX = 200; // 3301: one allowed origin, scheme://host[:port]
export const CORS_PREFLIGHT_MAX_AGE_S = 7200; // how long a browser may reuse a preflight answer (Chrome's own cap)

// --- isolate memory ---
export const ISOLATE_CACHE_ENTRIES_MAX = 10_000; // entries of each per-isolate cache (keys, schemas, rate meters, seal keys, data changes)
export const ROTATION_CATALOG_CALLS_IN_FLIGHT = 20; // catalogs re-wrapped at once by a master-secret rotation

// --- time ---
export const DAY_MS = 86_400_000;
export const AUTH_CACHE_MS = 5_000; // isolate cache of API keys and schemas
export const IDEMPOTENCY_KEY_RETENTION_MS = DAY_MS; // an Idempotency-Key and its first answer are kept this long (as Stripe does)
export const RESULT_CACHE_FRESH_MS = 5_000;
export const INSERT_WAIT_MS = 20_000; // ?wait=true
/**
 * An insert acknowledged without ?wait=true is applied by the queue consumer moments later: answers
 * computed this long after its acknowledgement may still predate it, so they count as before it.
 */
export const QUEUED_WRITE_SETTLE_MS = 1_000;
export const SHARD_DEADLINE_MS_DEFAULT = 5_000;

// --- durable intake (durable-objects/intake/): acknowledged inserts kept until their shard has them ---
export const INTAKE_LANES = 4; // intake objects per database; one insert request goes to one of them
export const INTAKE_SETTLE_MS = 10_000; // the queue usually applies a message well within this; then the intake checks
export const INTAKE_RETRY_DELAY_MAX_MS = 600_000; // backoff cap of a message its shard keeps refusing
export const INTAKE_DEAD_LETTER_ATTEMPTS = 8; // after this many failed attempts a dead letter is recorded (retries go on)
export const INTAKE_APPLY_MESSAGES_MAX = 40; // messages per apply call of a drain (each under 128 KB)
export const INTAKE_DRAIN_MESSAGES_MAX = 400; // messages one alarm run handles; more are left for an immediate next run
export const INTAKE_DRAIN_RETRY_MS = 2_000; // after a drain run failed outright (a refusing shard has its own backoff)
export const INTAKE_ALARM_OVERDUE_MS = 30_000; // an intake alarm this far past its time is taken as lost and set again

// --- relations the comments above state, checked when this module loads ---

const RELATED = {
  QUEUE_MESSAGE_BYTES_MAX,
  INTAKE_APPLY_MESSAGES_MAX,
  INTAKE_SETTLE_MS,
  QUEUE_SEND_BATCH_MESSAGES_MAX,
  QUEUE_SEND_BATCH_BYTES_MAX,
  QUEUE_ENTITY_TEXT_BYTES_MAX,
  SEGMENT_BYTES_MAX,
  SQL_BOUND_PARAMETERS_MAX,
  RPC_BYTES_MAX,
  SNAPSHOT_CHUNK_BYTES,
  BACKUP_PART_BYTES,
  SNAPSHOT_ROW_BYTES_MAX,
  BACKUP_R2_CALLS_IN_FLIGHT,
  KEY_RATE_PERIOD_S,
  KEY_RATE_REPORT_MS,
  RESULT_CACHE_FRESH_MS,
  KV_TTL_MIN_S,
  SLOW_FAULT_MS,
  SHARD_DEADLINE_MS_DEFAULT,
  REPLICA_FORWARD_WAIT_MS,
  REPLICA_MARK_WAIT_MS,
  INSERT_WAIT_MS,
  SICK_COPY_MIN_MS,
  SICK_COPY_MAX_MS,
  SEGMENT_CACHE_BYTES_DEFAULT,
  COLUMNS_PER_REQUEST_MAX,
  COLUMNS_PER_DATABASE_MAX,
  EXTRACTION_LIMIT_DEFAULT,
  EXTRACTION_LIMIT_MAX,
};
export type RelatedLimits = typeof RELATED;

const MIB = 1_048_576;
const RELATIONS: ReadonlyArray<readonly [says: string, holds: (l: RelatedLimits) => boolean]> = [
  ["a queue message plus its ~100 B of metadata fits the 128 KB message limit", (l) => l.QUEUE_MESSAGE_BYTES_MAX + 100 <= 128_000],
  ["an intake drain's apply call stays within the RPC limit", (l) => l.INTAKE_APPLY_MESSAGES_MAX * l.QUEUE_MESSAGE_BYTES_MAX <= l.RPC_BYTES_MAX],
  ["the intake checks after the queue's first retries, not before the queue could apply", (l) => l.INTAKE_SETTLE_MS >= 5_000],
  ["a sendBatch stays within 100 messages and 256 KB", (l) => l.QUEUE_SEND_BATCH_MESSAGES_MAX <= 100 && l.QUEUE_SEND_BATCH_BYTES_MAX <= 256_000],
  ["a queue message leaves room for entity text", (l) => l.QUEUE_ENTITY_TEXT_BYTES_MAX > 0],
  [
    "segments, staged snapshot chunks and restored rows stay under the DO's 2 MB row limit",
    (l) => l.SEGMENT_BYTES_MAX < 2_000_000 && l.SNAPSHOT_CHUNK_BYTES < 2_000_000 && l.SNAPSHOT_ROW_BYTES_MAX <= 2_000_000,
  ],
  ["statements bind at most the DO's 100 parameters", (l) => l.SQL_BOUND_PARAMETERS_MAX <= 100],
  ["an RPC payload stays under the 32 MiB RPC limit", (l) => l.RPC_BYTES_MAX < 32 * MIB],
  ["R2 multipart parts are at least 5 MiB and made of whole snapshot chunks", (l) => l.BACKUP_PART_BYTES >= 5 * MIB && l.BACKUP_PART_BYTES % l.SNAPSHOT_CHUNK_BYTES === 0],
  ["backup R2 calls stay under the Worker's 6 simultaneous connections", (l) => l.BACKUP_R2_CALLS_IN_FLIGHT < 6],
  [
    "the rate limit period is one the binding allows (10 or 60 s) and reports come several times a period",
    (l) => (l.KEY_RATE_PERIOD_S === 10 || l.KEY_RATE_PERIOD_S === 60) && l.KEY_RATE_REPORT_MS * 10 <= l.KEY_RATE_PERIOD_S * 1000,
  ],
  ["the result cache's freshness is shorter than KV's smallest TTL (so entries are collected later)", (l) => l.RESULT_CACHE_FRESH_MS < l.KV_TTL_MIN_S * 1000],
  ["a slow fault outlasts the shard deadline", (l) => l.SLOW_FAULT_MS > l.SHARD_DEADLINE_MS_DEFAULT],
  ["a write's wait for its replicas and the catalog fits inside ?wait=true", (l) => l.REPLICA_FORWARD_WAIT_MS + l.REPLICA_MARK_WAIT_MS < l.INSERT_WAIT_MS],
  ["a sick copy's quarantine grows from its minimum to its maximum", (l) => l.SICK_COPY_MIN_MS <= l.SICK_COPY_MAX_MS],
  ["a shard's segment cache leaves most of the DO's 128 MB isolate free", (l) => l.SEGMENT_CACHE_BYTES_DEFAULT <= 64 * MIB],
  ["one request creates no more columns than a database may hold", (l) => l.COLUMNS_PER_REQUEST_MAX <= l.COLUMNS_PER_DATABASE_MAX],
  ["the default page size is allowed", (l) => l.EXTRACTION_LIMIT_DEFAULT <= l.EXTRACTION_LIMIT_MAX],
];

/** The relations `limits` breaks (none for the values above: this module refuses to load otherwise). */
export function brokenLimitRelations(limits: RelatedLimits = RELATED): string[] {
  return RELATIONS.filter(([, holds]) => !holds(limits)).map(([says]) => says);
}

const broken = brokenLimitRelations();
if (broken.length > 0) throw new Error(`contract/limits.ts: ${broken.join("; ")}`);
