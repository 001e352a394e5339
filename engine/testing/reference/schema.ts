// The reference engine's SQLite tables (all prefixed ref_, next to the DO's own tables) and their
// versioned, idempotent migration. Values are stored with a kind tag because SQLite has no boolean
// and a text "1" must never read back as the number 1.

import type { SqlLike } from "../../engine";
import type { Scalar } from "../../../contract/plan";

export const SCHEMA_VERSION = 1;

/**
 * MIGRATIONS[n] takes the schema from version n to n + 1. Statements are IF NOT EXISTS so a
 * migration interrupted before its version row was written can simply run again.
 *
 * ref_entity  one row per live entity: dense shard-local id (eid), dimension, external id.
 * ref_attr    one row per stored attribute value; latest-value columns keep one row per (eid, col),
 *             list-of-values one row per distinct value (the unique index enforces it). `txt` keeps
 *             a datetime's inserted text.
 * ref_event   one row per event, duplicates included; `id` preserves insertion order.
 */
const MIGRATIONS: ReadonlyArray<readonly string[]> = [
  [
    `CREATE TABLE IF NOT EXISTS ref_entity (eid INTEGER PRIMARY KEY, dim TEXT NOT NULL, ext TEXT NOT NULL, UNIQUE (dim, ext))`,
    `CREATE TABLE IF NOT EXISTS ref_attr (id INTEGER PRIMARY KEY, eid INTEGER NOT NULL, col INTEGER NOT NULL, vt TEXT NOT NULL, v, txt TEXT)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ref_attr_value ON ref_attr (col, eid, vt, v)`,
    `CREATE INDEX IF NOT EXISTS ref_attr_entity ON ref_attr (eid)`,
    `CREATE TABLE IF NOT EXISTS ref_event (id INTEGER PRIMARY KEY, eid INTEGER NOT NULL, col INTEGER NOT NULL, vt TEXT NOT NULL, v, t INTEGER NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS ref_event_column ON ref_event (col, eid)`,
    `CREATE INDEX IF NOT EXISTS ref_event_entity ON ref_event (eid)`,
  ],
];

/** Brings the ref_ tables to SCHEMA_VERSION; refuses a database written by a newer engine. */
export function migrate(sql: SqlLike): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS ref_meta (key TEXT PRIMARY KEY, value)`);
  const rows = sql.exec(`SELECT value FROM ref_meta WHERE key = 'schema_version'`).toArray();
  const current = rows.length === 0 ? 0 : Number(rows[0]?.value);
  if (!Number.isInteger(current) || current < 0 || current > SCHEMA_VERSION) {
    throw new Error(`reference engine: stored schema version ${String(rows[0]?.value)} is not one this engine knows (max ${SCHEMA_VERSION})`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    for (const stmt of MIGRATIONS[v] ?? []) sql.exec(stmt);
    sql.exec(`INSERT INTO ref_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, v + 1);
  }
}

/** Kind tag + SQLite value of a scalar: 's' text, 'n' number, 'b' boolean as 0/1. */
export function encodeScalar(value: Scalar): [vt: string, v: string | number] {
  if (typeof value === "string") return ["s", value];
  if (typeof value === "number") return ["n", value];
  return ["b", value ? 1 : 0];
}

export function decodeScalar(vt: unknown, v: unknown): Scalar {
  if (vt === "s") return String(v);
  if (vt === "b") return Number(v) === 1;
  return Number(v);
}
