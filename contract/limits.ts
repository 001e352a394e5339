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
export const QUEUE_SEND_BATCH_BYTES_MAX = 250_000;
export const SEGMENT_BYTES_MAX = 1_900_000; // DO SQLite: 2 MB per row/BLOB (not enforced locally)
export const SQL_BOUND_PARAMETERS_MAX = 100;
export const RPC_BYTES_MAX = 30_000_000; // DO RPC: 32 MiB per call

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
export const KEY_RATE_REPORT_MS = 100; // an isolate tells the binding about a key's requests at most this often (src/middleware/rate-limit.ts)

// --- time ---
export const AUTH_CACHE_MS = 5_000; // isolate cache of API keys and schemas
export const RESULT_CACHE_FRESH_MS = 5_000;
export const INSERT_WAIT_MS = 20_000; // ?wait=true
export const SHARD_DEADLINE_MS_DEFAULT = 5_000;
