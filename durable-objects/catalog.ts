// One object per database (the role MySQL + ZooKeeper played): the database's description, its API
// key hashes, dimensions, columns (with a schema version bumped on every change), saved queries
// and the dead-letter records of inserts that could not be applied.

import { DurableObject } from "cloudflare:workers";
import type { ColumnDef, NewColumn } from "../src/shared/columns";
import { DEFAULT_DIMENSION } from "../src/shared/columns";
import type { RpcResult } from "../src/shared/rpc";
import type { DatabaseInfo, SchemaSnapshot } from "../src/shared/schema";

const SCHEMA_VERSION = 1;

export type KeyLevel = "master" | "write" | "read";

export interface KeyRecord {
  hash: string;
  level: KeyLevel;
}

/** A saved query's definition as the edge validated it (opaque here, keyed by name). */
export interface SavedQuery {
  name: string;
  [member: string]: unknown;
}

export interface DeadLetter {
  at: string;
  recordId: string;
  shard: number;
  error: string; // the shard's last error when the message was given up

}

export class CatalogDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.migrate();
  }

  private migrate(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS cat_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    const row = this.sql.exec(`SELECT value FROM cat_meta WHERE key = 'storage_version'`).toArray()[0];
    const version = row ? Number(row["value"]) : 0;
    if (version < 1) {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS cat_keys (hash TEXT PRIMARY KEY, level TEXT NOT NULL, created_at TEXT NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS cat_dimensions (name TEXT PRIMARY KEY, created_at TEXT NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS cat_columns (id INTEGER PRIMARY KEY AUTOINCREMENT, dimension TEXT NOT NULL, api_name TEXT NOT NULL, active INTEGER NOT NULL, def TEXT NOT NULL)`);
      this.sql.exec(`CREATE UNIQUE INDEX IF NOT EXISTS cat_columns_active ON cat_columns (dimension, api_name) WHERE active = 1`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS cat_saved (name TEXT PRIMARY KEY, body TEXT NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS cat_dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)`);
    }
    this.setMeta("storage_version", String(SCHEMA_VERSION));
  }

  // ---- database and keys ------------------------------------------------------------------------

  /** Creates the database's catalog; idempotent for the same id (a retried admin request). */
  async init(info: DatabaseInfo, keys: KeyRecord[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      if (this.getMeta("database") !== null) return;
      this.setMeta("database", JSON.stringify(info));
      this.setMeta("schema_version", "1");
      for (const k of keys) this.sql.exec(`INSERT OR IGNORE INTO cat_keys (hash, level, created_at) VALUES (?, ?, ?)`, k.hash, k.level, info.createdAt);
      this.sql.exec(`INSERT OR IGNORE INTO cat_dimensions (name, created_at) VALUES (?, ?)`, DEFAULT_DIMENSION, info.createdAt);
    });
  }

  /** The key's level and the current schema, or an error for an unknown key. One round trip per cache miss. */
  async authenticate(hash: string): Promise<RpcResult<{ level: KeyLevel; schema: SchemaSnapshot }>> {
    const row = this.sql.exec(`SELECT level FROM cat_keys WHERE hash = ?`, hash).toArray()[0];
    const schema = this.snapshot();
    if (!row || !schema) return { ok: false, error: { name: "AUTH_INVALID_KEY", message: "the API key is not valid" } };
    return { ok: true, value: { level: row["level"] as KeyLevel, schema } };
  }

  async schema(): Promise<SchemaSnapshot | null> {
    return this.snapshot();
  }

  // ---- columns and dimensions -------------------------------------------------------------------

  /**
   * Creates columns (their dimensions too, API.md §8 item 22). With `ifAbsent` (insert auto-create)
   * an existing column of the same type is accepted; otherwise a duplicate is an error and nothing changes.
   */
  async createColumns(columns: NewColumn[], ifAbsent = false): Promise<RpcResult<SchemaSnapshot>> {
    const now = new Date().toISOString();
    try {
      this.ctx.storage.transactionSync(() => {
        let changed = false;
        for (const c of columns) {
          const existing = this.activeColumn(c.dimension, c.apiName);
          if (existing) {
            // A retried create (same definition) succeeds without change; auto-create only needs the type to agree.
            if ((ifAbsent && existing.type === c.type) || sameDefinition(existing, c)) continue;
            const sameType = existing.type === c.type;
            throw new CatalogError(
              ifAbsent && !sameType ? "INSERT_VALUE_TYPE" : "COLUMN_EXISTS",
              ifAbsent && !sameType
                ? `column '${c.apiName}' of dimension '${c.dimension}' is of type ${existing.type}, not ${c.type}`
                : `column '${c.apiName}' already exists in dimension '${c.dimension}'`,
            );
          }
          this.sql.exec(`INSERT OR IGNORE INTO cat_dimensions (name, created_at) VALUES (?, ?)`, c.dimension, now);
          const id = Number(this.sql.exec(`INSERT INTO cat_columns (dimension, api_name, active, def) VALUES (?, ?, 1, '{}') RETURNING id`, c.dimension, c.apiName).one()["id"]);
          const def: ColumnDef = { ...c, id, active: true, createdAt: now };
          this.sql.exec(`UPDATE cat_columns SET def = ? WHERE id = ?`, JSON.stringify(def), id);
          changed = true;
        }
        if (changed) this.bumpSchema(now);
      });
    } catch (e) {
      if (e instanceof CatalogError) return { ok: false, error: { name: e.errorName, message: e.message } };
      throw e;
    }
    return { ok: true, value: this.snapshot()! };
  }

  /** Registers dimensions named by an insert with auto-create ["dimension"]. */
  async ensureDimensions(names: string[]): Promise<SchemaSnapshot> {
    const now = new Date().toISOString();
    this.ctx.storage.transactionSync(() => {
      let changed = false;
      for (const n of names) changed = this.sql.exec(`INSERT OR IGNORE INTO cat_dimensions (name, created_at) VALUES (?, ?)`, n, now).rowsWritten > 0 || changed;
      if (changed) this.bumpSchema(now);
    });
    return this.snapshot()!;
  }

  /** Changes a column's name/description (API.md §4.1 suggested extension). */
  async updateColumn(dimension: string, apiName: string, patch: { name?: string; description?: string }): Promise<RpcResult<SchemaSnapshot>> {
    const existing = this.activeColumn(dimension, apiName);
    if (!existing) return { ok: false, error: { name: "COLUMN_NOT_FOUND", message: `no active column '${apiName}' in dimension '${dimension}'` } };
    const now = new Date().toISOString();
    const def: ColumnDef = { ...existing, ...patch };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(`UPDATE cat_columns SET def = ? WHERE id = ?`, JSON.stringify(def), existing.id);
      this.bumpSchema(now);
    });
    return { ok: true, value: this.snapshot()! };
  }

  /** Deactivates a column: it moves to `inactive`, queries and inserts naming it fail, its data stays. */
  async deactivateColumn(dimension: string, apiName: string): Promise<RpcResult<SchemaSnapshot>> {
    const existing = this.activeColumn(dimension, apiName);
    if (!existing) return { ok: false, error: { name: "COLUMN_NOT_FOUND", message: `no active column '${apiName}' in dimension '${dimension}'` } };
    const now = new Date().toISOString();
    const def: ColumnDef = { ...existing, active: false };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(`UPDATE cat_columns SET active = 0, def = ? WHERE id = ?`, JSON.stringify(def), existing.id);
      this.bumpSchema(now);
    });
    return { ok: true, value: this.snapshot()! };
  }

  // ---- saved queries ----------------------------------------------------------------------------

  async listSaved(): Promise<SavedQuery[]> {
    return this.sql.exec(`SELECT body FROM cat_saved ORDER BY name`).toArray().map((r) => JSON.parse(r["body"] as string) as SavedQuery);
  }

  async getSaved(name: string): Promise<SavedQuery | null> {
    const row = this.sql.exec(`SELECT body FROM cat_saved WHERE name = ?`, name).toArray()[0];
    return row ? (JSON.parse(row["body"] as string) as SavedQuery) : null;
  }

  /** Creates (`create`) or replaces (`replace`) a saved query; answers an error when that is impossible. */
  async putSaved(q: SavedQuery, mode: "create" | "replace"): Promise<RpcResult<SavedQuery>> {
    const exists = (await this.getSaved(q.name)) !== null;
    if (mode === "create" && exists) return { ok: false, error: { name: "QUERY_SAVED_EXISTS", message: `a saved query named '${q.name}' already exists` } };
    if (mode === "replace" && !exists) return { ok: false, error: { name: "QUERY_SAVED_NOT_FOUND", message: `no saved query named '${q.name}'` } };
    this.sql.exec(`INSERT INTO cat_saved (name, body) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET body = excluded.body`, q.name, JSON.stringify(q));
    return { ok: true, value: q };
  }

  async deleteSaved(name: string): Promise<RpcResult<SavedQuery>> {
    const q = await this.getSaved(name);
    if (!q) return { ok: false, error: { name: "QUERY_SAVED_NOT_FOUND", message: `no saved query named '${name}'` } };
    this.sql.exec(`DELETE FROM cat_saved WHERE name = ?`, name);
    return { ok: true, value: q };
  }

  // ---- dead letters -----------------------------------------------------------------------------

  async recordDeadLetter(letter: DeadLetter): Promise<void> {
    this.sql.exec(`INSERT INTO cat_dead_letters (body) VALUES (?)`, JSON.stringify(letter));
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return this.sql.exec(`SELECT body FROM cat_dead_letters ORDER BY id`).toArray().map((r) => JSON.parse(r["body"] as string) as DeadLetter);
  }

  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.migrate(); // empty tables again: the deleted database's keys now answer "invalid key", not an error
  }

  // ----------------------------------------------------------------------------------------------

  private snapshot(): SchemaSnapshot | null {
    const db = this.getMeta("database");
    if (db === null) return null;
    const database = JSON.parse(db) as DatabaseInfo;
    return {
      database,
      version: Number(this.getMeta("schema_version") ?? "1"),
      dimensions: this.sql.exec(`SELECT name FROM cat_dimensions ORDER BY name`).toArray().map((r) => r["name"] as string),
      columns: this.sql.exec(`SELECT def FROM cat_columns ORDER BY id`).toArray().map((r) => JSON.parse(r["def"] as string) as ColumnDef),
    };
  }

  private activeColumn(dimension: string, apiName: string): ColumnDef | null {
    const row = this.sql.exec(`SELECT def FROM cat_columns WHERE dimension = ? AND api_name = ? AND active = 1`, dimension, apiName).toArray()[0];
    return row ? (JSON.parse(row["def"] as string) as ColumnDef) : null;
  }

  private bumpSchema(now: string): void {
    this.setMeta("schema_version", String(Number(this.getMeta("schema_version") ?? "1") + 1));
    const db = this.getMeta("database");
    if (db !== null) this.setMeta("database", JSON.stringify({ ...(JSON.parse(db) as DatabaseInfo), updatedAt: now }));
  }

  private getMeta(key: string): string | null {
    const row = this.sql.exec(`SELECT value FROM cat_meta WHERE key = ?`, key).toArray()[0];
    return row ? (row["value"] as string) : null;
  }

  private setMeta(key: string, value: string): void {
    this.sql.exec(`INSERT INTO cat_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value);
  }
}

function sameDefinition(a: ColumnDef, b: NewColumn): boolean {
  const keys = ["name", "type", "storage", "cardinality", "decimalPlaces", "description"] as const;
  return keys.every((k) => a[k] === b[k]) && JSON.stringify(a.range ?? null) === JSON.stringify(b.range ?? null);
}

/** Thrown inside a transaction to roll it back; turned into an RpcResult error before leaving the object. */
class CatalogError extends Error {
  constructor(readonly errorName: "COLUMN_EXISTS" | "INSERT_VALUE_TYPE", message: string) {
    super(message);
  }
}
