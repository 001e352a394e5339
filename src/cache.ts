// The 5-second query-result cache in KV (the role Redis played). KV's own TTL floor is 60 s, so each
// entry carries its write time in metadata and older entries read as a miss; the TTL only collects
// garbage. Keys name the database and its schema version, so one database never sees another's
// answers, nor an answer computed before a column definition changed. Only exact answers are stored.

import { sha256Hex } from "./keys";
import { RESULT_CACHE_FRESH_MS } from "./shared/limits";

const KV_TTL_FLOOR_S = 60;

interface EntryMeta {
  at: number; // epoch ms the answer was computed
}

export function cacheKeyOf(db: string, schemaVersion: number, planKeyHash: string): string {
  return `q:${db}:v${schemaVersion}:${planKeyHash}`;
}

export async function planHash(cacheKey: string): Promise<string> {
  return (await sha256Hex(cacheKey)).slice(0, 40);
}

/** The cached response body text if it is younger than `freshMs`, else null. */
export async function readCached(kv: KVNamespace, key: string, now: number, freshMs = RESULT_CACHE_FRESH_MS): Promise<string | null> {
  if (freshMs <= 0) return null;
  try {
    const { value, metadata } = await kv.getWithMetadata<EntryMeta>(key, "text");
    if (value === null || !metadata || typeof metadata.at !== "number") return null;
    return now - metadata.at < freshMs && metadata.at <= now ? value : null;
  } catch (e) {
    console.warn(`result cache read failed (answering uncached): ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}

/** Stores an answer; failures (e.g. KV's one-write-per-second-per-key limit under a burst of misses) are harmless. */
export async function writeCached(kv: KVNamespace, key: string, body: string, now: number, freshMs = RESULT_CACHE_FRESH_MS): Promise<void> {
  if (freshMs <= 0) return;
  try {
    const ttl = Math.max(KV_TTL_FLOOR_S, Math.ceil(freshMs / 1000) + KV_TTL_FLOOR_S);
    await kv.put(key, body, { expirationTtl: ttl, metadata: { at: now } satisfies EntryMeta });
  } catch (e) {
    console.warn(`result cache write failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
