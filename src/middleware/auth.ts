// Who is calling: the raw API key of the Authorization header (API.md §1.3) → database, key level and
// schema (src/schema-cache.ts). Keys are cached in the isolate for a few seconds so a request does
// not cost a Durable Object round trip; and which key levels each endpoint admits.

import { catalogOf, directoryOf } from "../../durable-objects/stubs";
import { ApiError } from "../../contract/errors";
import { AUTH_CACHE_MS } from "../../contract/limits";
import type { SchemaIndex } from "../../contract/schema";
import { forgetSchema, rememberBounded, rememberSchema, schemaOf } from "../schema-cache";
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

export async function authenticate(env: Env, header: string | undefined): Promise<Caller> {
  if (!header) throw new ApiError("AUTH_MISSING_HEADER", "the Authorization header with your API key is missing");
  const key = header.trim();
  const db = databaseOfKey(key);
  if (!db) {
    // API.md §1.3: the header carries the key itself. A "Bearer " habit is common enough to name.
    const scheme = /^Bearer\s+(\S+)$/i.exec(key);
    if (scheme && databaseOfKey(scheme[1]!)) {
      throw new ApiError("AUTH_INVALID_KEY", "send the API key itself as the Authorization header ('Authorization: <key>'), without 'Bearer '");
    }
    throw new ApiError("AUTH_INVALID_KEY", "the API key is not valid");
  }
  const now = Date.now();
  const cached = keys.get(key);
  if (cached && cached.until > now) {
    return { db, level: cached.level, keyId: cached.id, keyHash: cached.hash, permissions: cached.permissions, schema: await schemaOf(env, db) };
  }
  // Only a database the Directory lists has a catalog: asking the catalog of a made-up id (anyone can
  // shape one) would create its Durable Object, and its files, on disk.
  if (!(await databaseExists(env, db, now))) throw new ApiError("AUTH_INVALID_KEY", "the API key is not valid");
  const hash = await sha256Hex(key);
  const result = await catalogOf(env, db).authenticate(hash);
  if (!result.ok) {
    keys.delete(key);
    throw ApiError.from(result.error);
  }
  const { id, level, permissions } = result.value;
  rememberBounded(keys, key, { db, id, hash, level, permissions, until: now + AUTH_CACHE_MS });
  return { db, level, keyId: id, keyHash: hash, permissions, schema: rememberSchema(db, result.value.schema) };
}

// Databases the Directory listed recently; a deleted one stops authenticating at once anyway (its
// catalog holds no keys any more), so only the positive answer is cached.
const knownDatabases = new Map<string, number>();

async function databaseExists(env: Env, db: string, now: number): Promise<boolean> {
  const until = knownDatabases.get(db);
  if (until !== undefined && until > now) return true;
  const exists = (await directoryOf(env).get(db)) !== null;
  if (exists) rememberBounded(knownDatabases, db, now + AUTH_CACHE_MS);
  else knownDatabases.delete(db);
  return exists;
}

/** Forgets this isolate's cached keys of a database (one was revoked or rotated here). */
export function forgetKeys(db: string): void {
  for (const [key, k] of keys) if (k.db === db) keys.delete(key);
}

/** Forgets everything about a database (it was deleted). */
export function forgetDatabase(db: string): void {
  forgetSchema(db);
  forgetKeys(db);
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
  throw new ApiError(
    "AUTH_WRONG_LEVEL",
    levels.length > 0 ? `a ${caller.level} key cannot ${what}; use a ${levels.join(" or ")} key (or the master key)` : `a ${caller.level} key cannot ${what}; use the master key`,
  );
}
