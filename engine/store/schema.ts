// The segment engine's SQLite tables (all prefixed seg_) and their versioned, idempotent migration.
//
//   seg_meta      key → value: schema_version, next_id (the next dense entity id of the shard)
//   seg_dims      dimension ordinal ↔ name, with its live entity count
//   seg_entities  dense entity id ↔ (dimension ordinal, external id); live entities only
//   seg_columns   column id → JSON description (type, storage, dimension, chunks and buckets present)
//   seg_blobs     segments: (kind, a, b, c) names one segment (see store/keys.ts), `part` orders the
//                 pieces of a segment larger than SEGMENT_BYTES_MAX; clustered on the key

import type { SqlLike } from "../engine";

export const SCHEMA_VERSION = 1;

const MIGRATIONS: ReadonlyArray<readonly string[]> = [
  [
    `CREATE TABLE IF NOT EXISTS seg_dims (ord INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, live INTEGER NOT NULL DEFAULT 0)`,
    `CREATE TABLE IF NOT EXISTS seg_entities (id INTEGER PRIMARY KEY, dim INTEGER NOT NULL, ext TEXT NOT NULL)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS seg_entities_ext ON seg_entities (dim, ext)`,
    `CREATE TABLE IF NOT EXISTS seg_columns (id INTEGER PRIMARY KEY, meta TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS seg_blobs (kind INTEGER NOT NULL, a INTEGER NOT NULL, b INTEGER NOT NULL, c INTEGER NOT NULL,
       part INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (kind, a, b, c, part)) WITHOUT ROWID`,
  ],
];

/** Brings the seg_ tables to SCHEMA_VERSION; refuses storage written by a newer engine. */
export function migrate(sql: SqlLike): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS seg_meta (key TEXT PRIMARY KEY, value)`);
  const rows = sql.exec(`SELECT value FROM seg_meta WHERE key = 'schema_version'`).toArray();
  const current = rows.length === 0 ? 0 : Number(rows[0]?.value);
  if (!Number.isInteger(current) || current < 0 || current > SCHEMA_VERSION) {
    throw new Error(`segment engine: stored schema version ${String(rows[0]?.value)} is not one this engine knows (max ${SCHEMA_VERSION})`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    for (const stmt of MIGRATIONS[v] ?? []) sql.exec(stmt);
    setMeta(sql, "schema_version", v + 1);
  }
}

export function getMeta(sql: SqlLike, key: string): unknown {
  const rows = sql.exec(`SELECT value FROM seg_meta WHERE key = ?`, key).toArray();
  return rows[0]?.value;
}

export function setMeta(sql: SqlLike, key: string, value: string | number): void {
  sql.exec(`INSERT INTO seg_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
}
