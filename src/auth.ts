// Who is calling: the raw API key of the Authorization header (API.md §1.3) → database, key level and
// schema. Answers are cached in the isolate for a few seconds so a request does not cost a Durable
// Object round trip; schema changes made through this isolate update the cache at once.

import { catalogOf } from "./bindings";
import { ApiError } from "./shared/errors";
import { AUTH_CACHE_MS } from "./shared/limits";
import { SchemaIndex, type SchemaSnapshot } from "./shared/schema";
import { databaseOfKey, sha256Hex, type KeyLevel } from "./keys";

export interface Caller {
  db: string;
  level: KeyLevel;
  schema: SchemaIndex;
}

interface CachedKey {
  db: string;
  level: KeyLevel;
  until: number;
}

const keys = new Map<string, CachedKey>(); // key hash → level
const schemas = new Map<string, { index: SchemaIndex; until: number }>(); // db → schema
const CACHE_ENTRIES_MAX = 10_000;

export async function authenticate(env: Env, header: string | undefined): Promise<Caller> {
  if (!header) throw new ApiError("AUTH_MISSING_HEADER", "the Authorization header with your API key is missing");
  const key = header.trim();
  const db = databaseOfKey(key);
  if (!db) throw new ApiError("AUTH_INVALID_KEY", "the API key is not valid");
  const hash = await sha256Hex(key);
  const now = Date.now();
  const cached = keys.get(hash);
  if (cached && cached.until > now) return { db, level: cached.level, schema: await schemaOf(env, db) };
  const result = await catalogOf(env, db).authenticate(hash);
  if (!result.ok) {
    keys.delete(hash);
    throw ApiError.from(result.error);
  }
  remember(keys, hash, { db, level: result.value.level, until: now + AUTH_CACHE_MS });
  return { db, level: result.value.level, schema: rememberSchema(db, result.value.schema) };
}

/** The database's schema from the isolate cache, fetched from its catalog when stale. */
export async function schemaOf(env: Env, db: string): Promise<SchemaIndex> {
  const cached = schemas.get(db);
  if (cached && cached.until > Date.now()) return cached.index;
  return refreshSchema(env, db);
}

/** Fetches the schema now (used before answering "unknown column", in case another isolate just created it). */
export async function refreshSchema(env: Env, db: string): Promise<SchemaIndex> {
  const snapshot = await catalogOf(env, db).schema();
  if (!snapshot) throw new ApiError("AUTH_INVALID_KEY", "the API key's database no longer exists");
  return rememberSchema(db, snapshot);
}

/** Stores a snapshot a catalog call just returned (never replacing a newer one). */
export function rememberSchema(db: string, snapshot: SchemaSnapshot): SchemaIndex {
  const cached = schemas.get(db);
  if (cached && cached.index.version > snapshot.version && cached.until > Date.now()) return cached.index;
  const index = new SchemaIndex(snapshot);
  remember(schemas, db, { index, until: Date.now() + AUTH_CACHE_MS });
  return index;
}

/** Forgets everything about a database (it was deleted). */
export function forgetDatabase(db: string): void {
  schemas.delete(db);
  for (const [hash, k] of keys) if (k.db === db) keys.delete(hash);
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= CACHE_ENTRIES_MAX) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** Key levels per endpoint (API.md §1.2): master may call anything. */
export function requireLevel(caller: Caller, allowed: readonly KeyLevel[], what: string): void {
  if (caller.level === "master" || allowed.includes(caller.level)) return;
  throw new ApiError("AUTH_WRONG_LEVEL", `a ${caller.level} key cannot ${what}; use a ${allowed.join(" or ")} key (or the master key)`);
}
