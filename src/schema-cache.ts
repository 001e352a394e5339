// The isolate's cache of each database's schema (columns, dimensions, version) for a few seconds,
// so a request does not cost a catalog round trip; schema changes made through this isolate update
// it at once, and a newer version is never replaced by an older one.

import { ApiError } from "../contract/errors";
import { AUTH_CACHE_MS, ISOLATE_CACHE_ENTRIES_MAX } from "../contract/limits";
import { SchemaIndex, type SchemaSnapshot } from "../contract/schema";
import { catalogOf } from "../durable-objects/stubs";

const schemas = new Map<string, { index: SchemaIndex; until: number }>(); // db → schema

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
  rememberBounded(schemas, db, { index, until: Date.now() + AUTH_CACHE_MS });
  return index;
}

/** Forgets a database's schema (the database was deleted). */
export function forgetSchema(db: string): void {
  schemas.delete(db);
}

/** Sets an entry of an isolate cache, evicting the oldest once it holds ISOLATE_CACHE_ENTRIES_MAX. */
export function rememberBounded<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= ISOLATE_CACHE_ENTRIES_MAX) map.delete(map.keys().next().value!);
  map.set(key, value);
}
