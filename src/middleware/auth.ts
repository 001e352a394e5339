// Who is calling: the raw API key of the Authorization header (API.md §1.3) → database, key level and
// schema. Answers are cached in the isolate for a few seconds so a request does not cost a Durable
// Object round trip; schema changes made through this isolate update the cache at once.

import { catalogOf } from "../../durable-objects/stubs";
import { ApiError } from "../../contract/errors";
import { AUTH_CACHE_MS } from "../../contract/limits";
import { SchemaIndex, type SchemaSnapshot } from "../../contract/schema";
import { databaseOfKey, sha256Hex, type KeyLevel } from "../crypto/api-key-tokens";
import type { KeyPermissions } from "../../contract/api-keys";

export interface Caller {
  db: string;
  level: KeyLevel;
  schema: SchemaIndex;
  /** The key's public id (rate limiting, audit); never its secret. */
  keyId: string;
  /** SHA-256 hex of the presented key (master rotation proves it is rotating itself). */
  keyHash: string;
  /** A custom key's grants (src/permissions.ts); null for master/write/read. */
  permissions: KeyPermissions | null;
}

// Revocation and rotation reach other isolates when their entry expires: at most AUTH_CACHE_MS.
interface CachedKey {
  db: string;
  id: string;
  hash: string;
  level: KeyLevel;
  permissions: KeyPermissions | null;
  until: number;
}

// Keyed by the presented key itself: a hit then costs no SHA-256 digest (about 1 ms of a request in
// workerd profiles). The key is in this isolate's memory anyway while its requests run.
const keys = new Map<string, CachedKey>();
const schemas = new Map<string, { index: SchemaIndex; until: number }>(); // db → schema
const CACHE_ENTRIES_MAX = 10_000;

export async function authenticate(env: Env, header: string | undefined): Promise<Caller> {
  if (!header) throw new ApiError("AUTH_MISSING_HEADER", "the Authorization header with your API key is missing");
  const key = header.trim();
  const db = databaseOfKey(key);
  if (!db) throw new ApiError("AUTH_INVALID_KEY", "the API key is not valid");
  const now = Date.now();
  const cached = keys.get(key);
  if (cached && cached.until > now) {
    return { db, level: cached.level, keyId: cached.id, keyHash: cached.hash, permissions: cached.permissions, schema: await schemaOf(env, db) };
  }
  const hash = await sha256Hex(key);
  const result = await catalogOf(env, db).authenticate(hash);
  if (!result.ok) {
    keys.delete(key);
    throw ApiError.from(result.error);
  }
  const { id, level, permissions } = result.value;
  remember(keys, key, { db, id, hash, level, permissions, until: now + AUTH_CACHE_MS });
  return { db, level, keyId: id, keyHash: hash, permissions, schema: rememberSchema(db, result.value.schema) };
}

/** Forgets this isolate's cached keys of a database (one was revoked or rotated here). */
export function forgetKeys(db: string): void {
  for (const [key, k] of keys) if (k.db === db) keys.delete(key);
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
  forgetKeys(db);
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= CACHE_ENTRIES_MAX) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/**
 * Key levels per endpoint (API.md §1.2): master may call anything. A custom key may call the data
 * endpoints (those open to read or write keys, or listing "custom"), where src/permissions.ts then
 * checks every column it touches; master-only endpoints refuse it with code 19.
 */
export function requireLevel(caller: Caller, allowed: readonly KeyLevel[], what: string): void {
  if (caller.level === "master" || allowed.includes(caller.level)) return;
  if (caller.level === "custom") {
    if (allowed.includes("read") || allowed.includes("write")) return;
    throw new ApiError("CUSTOM_KEY_ROUTE", `a custom key cannot ${what}; use the master key`);
  }
  const levels = allowed.filter((l) => l !== "custom");
  throw new ApiError("AUTH_WRONG_LEVEL", levels.length > 0 ? `a ${caller.level} key cannot ${what}; use a ${levels.join(" or ")} key (or the master key)` : `a ${caller.level} key cannot ${what}; use the master key`);
}
