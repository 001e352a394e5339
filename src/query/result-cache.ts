// The 5-second query-result cache in KV (the role Redis played). KV's own TTL floor is 60 s, so each
// entry carries its write time in metadata and older entries read as a miss; the TTL only collects
// garbage. Keys name the database and its schema version, so one database never sees another's
// answers, nor an answer computed before a column definition changed. Only exact answers are stored.
// An answer computed before the last change of the data this isolate acknowledged reads as a miss
// (src/query/data-changes.ts: read-your-writes for a client that stays on one isolate).
// With a master secret configured, entries are sealed (durable-objects/edge-seal.ts, bound to their key):
// answers carry customer data, and KV is outside the shards' encryption at rest.

import type { MasterSecrets } from "../../durable-objects/shard/data-key";
import { open, seal } from "../../durable-objects/edge-seal";
import { sha256Hex } from "../crypto/api-key-tokens";
import { RESULT_CACHE_FRESH_MS, KV_TTL_MIN_S } from "../../contract/limits";
import { log, errorText } from "../log";

interface EntryMeta {
  at: number; // epoch ms the answer was computed
  sealed?: true; // the value is an edge-seal box of the answer's UTF-8 text
}

/** How entries of one database are sealed: null when no master secret is configured. */
export interface CacheSealing {
  secrets: MasterSecrets;
  db: string;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function cacheKeyOf(db: string, schemaVersion: number, planKeyHash: string): string {
  return `q:${db}:v${schemaVersion}:${planKeyHash}`;
}

export async function planHash(cacheKey: string): Promise<string> {
  return (await sha256Hex(cacheKey)).slice(0, 40);
}

/** How an entry is judged and read: its freshness window, the last data change known, its sealing. */
export interface CacheOptions {
  /** Entries older than this read as a miss (default RESULT_CACHE_FRESH_MS; saved queries: their cache-period). */
  freshMs?: number;
  /** Entries computed at or before this instant read as a miss (src/query/data-changes.ts). */
  changedSince?: number;
  /** null (default): no master secret, entries are plaintext. */
  sealing?: CacheSealing | null;
}

/** The cached response body text if it is younger than `freshMs` and was computed after `changedSince`, else null. */
export async function readCached(kv: KVNamespace, key: string, now: number, options: CacheOptions = {}): Promise<string | null> {
  const { freshMs = RESULT_CACHE_FRESH_MS, changedSince = -Infinity, sealing = null } = options;
  if (freshMs <= 0) return null;
  try {
    const { value, metadata } = await kv.getWithMetadata<EntryMeta>(key, "arrayBuffer");
    if (value === null || !metadata || typeof metadata.at !== "number") return null;
    if (!(now - metadata.at < freshMs && metadata.at <= now && metadata.at > changedSince)) return null;
    if (!metadata.sealed) return fromUtf8.decode(value);
    // A sealed entry without a secret to open it (or one that fails) is a miss, never an error.
    return sealing === null ? null : fromUtf8.decode(await open(sealing.secrets, "result-cache", sealing.db, key, new Uint8Array(value)));
  } catch (e) {
    log("warn", "result cache read failed (answering uncached)", { error: errorText(e) });
    return null;
  }
}

/** Stores an answer; failures (e.g. KV's one-write-per-second-per-key limit under a burst of misses) are harmless. */
export async function writeCached(kv: KVNamespace, key: string, body: string, now: number, options: Omit<CacheOptions, "changedSince"> = {}): Promise<void> {
  const { freshMs = RESULT_CACHE_FRESH_MS, sealing = null } = options;
  if (freshMs <= 0) return;
  try {
    const ttl = Math.max(KV_TTL_MIN_S, Math.ceil(freshMs / 1000) + KV_TTL_MIN_S);
    const sealed = sealing === null ? null : await seal(sealing.secrets, "result-cache", sealing.db, key, utf8.encode(body));
    if (sealed === null) await kv.put(key, body, { expirationTtl: ttl, metadata: { at: now } satisfies EntryMeta });
    else await kv.put(key, sealed, { expirationTtl: ttl, metadata: { at: now, sealed: true } satisfies EntryMeta });
  } catch (e) {
    log("warn", "result cache write failed", { error: errorText(e) });
  }
}
