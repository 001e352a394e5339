// One object per database (the role MySQL + ZooKeeper played): the database's description, its API
// key hashes, its settings (the origins browsers may call it from), dimensions, columns (with a
// schema version bumped on every change), saved queries,
// the dead-letter records of inserts that could not be applied, and which replica copies are behind
// their primary (so a query never falls back to one as if it were current).

import { DurableObject } from "cloudflare:workers";
import type { ColumnDef, NewColumn } from "../contract/columns";
import { DEFAULT_DIMENSION } from "../contract/columns";
import type { ReplicaMark } from "../contract/shard-rpc";
import type { RpcResult } from "../contract/rpc-result";
import type { DatabaseInfo, SchemaSnapshot } from "../contract/schema";
import { newKeyId, type KeyInfo, type KeyLevel, type KeyPermissions, type StoredKey } from "../contract/api-keys";
import { COLUMNS_PER_DATABASE_MAX, IDEMPOTENCY_KEY_RETENTION_MS, KEYS_PER_DATABASE_MAX, RESHARD_EXPORT_ENTITIES_MAX, RESHARD_RETRY_MS, RESHARD_STEP_MS, RESTORE_LOCK_MS } from "../contract/limits";
import type { ApiErrorData } from "../contract/errors";
import { advance, type ReshardHost } from "./reshard/driver";
import { freshSources, isRunning, type ReshardJob } from "./reshard/job";

// 1: first layout; 2: cat_keys (hash, level) became cat_api_keys with an id, a name and permissions;
// 3: cat_replica_marks.
// 4: cat_idempotency; 5: replica marks carry the routing epoch of their shard (resharding).
const SCHEMA_VERSION = 5;

export type { KeyLevel } from "../contract/api-keys";

/** A key created with its database (admin API): named after its level. */
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
  private readonly storageSql: SqlStorage;
  private migrated = false;

  /** Test hook: entities per reshard export page (null: RESHARD_EXPORT_ENTITIES_MAX). */
  reshardPageEntities: number | null = null;
  /** Test hook: the reshard driver pauses this long after each step (null: no pause). */
  reshardStepDelayMs: number | null = null;

  // Nothing is written until a method needs the tables: authenticating a made-up key for a database
  // that was never created (anyone can shape one) must not create a catalog on disk.
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storageSql = ctx.storage.sql;
  }

  /** The catalog's tables, created or migrated on first use. */
  private get sql(): SqlStorage {
    if (!this.migrated) {
      this.migrated = true;
      this.migrate();
    }
    return this.storageSql;
  }

  /** Whether this catalog was ever created (read-only: it writes nothing). */
  private exists(): boolean {
    return this.migrated || this.storageSql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cat_meta'`).toArray().length > 0;
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
    if (version < 2) {
      // Keys get a public id (for listing and revoking), a name and a custom key's permissions.
      // One transaction, and every statement tolerates a half-done earlier attempt: idempotent.
      this.ctx.storage.transactionSync(() => {
        this.sql.exec(`CREATE TABLE IF NOT EXISTS cat_api_keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, level TEXT NOT NULL, name TEXT NOT NULL, permissions TEXT, created_at TEXT NOT NULL)`);
        const old = this.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'cat_keys'`).toArray().length > 0;
        if (old) {
          for (const r of this.sql.exec(`SELECT hash, level, created_at FROM cat_keys`).toArray()) {
            this.sql.exec(
              `INSERT OR IGNORE INTO cat_api_keys (id, hash, level, name, permissions, created_at) VALUES (?, ?, ?, ?, NULL, ?)`,
              newKeyId(),
              r["hash"] as string,
              r["level"] as string,
              r["level"] as string,
              r["created_at"] as string,
            );
          }
          this.sql.exec(`DROP TABLE cat_keys`);
        }
        this.setMeta("storage_version", "2");
      });
    }
    if (version < 3) {
      this.sql.exec(
        `CREATE TABLE IF NOT EXISTS cat_replica_marks (shard INTEGER NOT NULL, copy INTEGER NOT NULL, since INTEGER NOT NULL, through INTEGER NOT NULL, at TEXT NOT NULL, PRIMARY KEY (shard, copy))`,
      );
    }
    if (version < 4) {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS cat_idempotency (scope TEXT PRIMARY KEY, digest TEXT NOT NULL, answer TEXT, at INTEGER NOT NULL)`);
      this.sql.exec(`CREATE INDEX IF NOT EXISTS cat_idempotency_at ON cat_idempotency (at)`);
    }
    if (version < 5) {
      // Shard n of two layouts are different objects: their marks must not merge. One transaction,
      // idempotent if an earlier attempt stopped half-way.
      this.ctx.storage.transactionSync(() => {
        this.sql.exec(
          `CREATE TABLE IF NOT EXISTS cat_replica_marks_e (epoch INTEGER NOT NULL, shard INTEGER NOT NULL, copy INTEGER NOT NULL, since INTEGER NOT NULL, through INTEGER NOT NULL, at TEXT NOT NULL, PRIMARY KEY (epoch, shard, copy))`,
        );
        if (this.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'cat_replica_marks'`).toArray().length > 0) {
          this.sql.exec(`INSERT OR IGNORE INTO cat_replica_marks_e (epoch, shard, copy, since, through, at) SELECT 0, shard, copy, since, through, at FROM cat_replica_marks`);
          this.sql.exec(`DROP TABLE cat_replica_marks`);
        }
        this.setMeta("storage_version", "5");
      });
    }
    this.setMeta("storage_version", String(SCHEMA_VERSION));
  }

  // ---- idempotency keys (src/idempotency.ts) -------------------------------------------------------

  /**
   * Claims `scope` (database, operation, API key, Idempotency-Key) for a body digest: ok with the first
   * answer when already answered (null while the first request has not finished: it runs again, its
   * record ids dedup at the shards), not ok when the scope was claimed with another digest.
   */
  async claimIdempotencyKey(scope: string, digest: string): Promise<{ ok: true; answer: string | null } | { ok: false }> {
    const now = Date.now();
    this.sql.exec(`DELETE FROM cat_idempotency WHERE at < ?`, now - IDEMPOTENCY_KEY_RETENTION_MS);
    const row = this.sql.exec(`SELECT digest, answer FROM cat_idempotency WHERE scope = ?`, scope).toArray()[0];
    if (row === undefined) {
      this.sql.exec(`INSERT INTO cat_idempotency (scope, digest, answer, at) VALUES (?, ?, NULL, ?)`, scope, digest, now);
      return { ok: true, answer: null };
    }
    if (row["digest"] !== digest) return { ok: false };
    return { ok: true, answer: (row["answer"] as string | null) ?? null };
  }

  async rememberIdempotentAnswer(scope: string, answer: string): Promise<void> {
    this.sql.exec(`UPDATE cat_idempotency SET answer = ? WHERE scope = ? AND answer IS NULL`, answer, scope);
  }

  // ---- database and keys ------------------------------------------------------------------------

  /** Creates the database's catalog; idempotent for the same id (a retried admin request). */
  async init(info: DatabaseInfo, keys: KeyRecord[], wrappedDataKey: string | null = null): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      if (this.getMeta("database") !== null) return;
      this.setMeta("database", JSON.stringify(info));
      if (wrappedDataKey !== null) this.setMeta("data_key", wrappedDataKey);
      this.setMeta("schema_version", "1");
      for (const k of keys) this.insertKey({ id: newKeyId(), hash: k.hash, level: k.level, name: k.level, permissions: null, createdAt: info.createdAt });
      this.sql.exec(`INSERT OR IGNORE INTO cat_dimensions (name, created_at) VALUES (?, ?)`, DEFAULT_DIMENSION, info.createdAt);
    });
  }

  /**
   * The key's id, level, permissions and the current schema, or an error for an unknown key. One round
   * trip per cache miss. The lookup is by the SHA-256 of a 256-bit secret: its timing reveals nothing usable.
   */
  async authenticate(hash: string): Promise<RpcResult<{ id: string; level: KeyLevel; permissions: KeyPermissions | null; schema: SchemaSnapshot }>> {
    if (!this.exists()) return { ok: false, error: { name: "AUTH_INVALID_KEY", message: "the API key is not valid" } };
    const row = this.sql.exec(`SELECT id, level, permissions FROM cat_api_keys WHERE hash = ?`, hash).toArray()[0];
    const schema = this.snapshot();
    if (!row || !schema) return { ok: false, error: { name: "AUTH_INVALID_KEY", message: "the API key is not valid" } };
    const permissions = row["permissions"] === null ? null : (JSON.parse(row["permissions"] as string) as KeyPermissions);
    return { ok: true, value: { id: row["id"] as string, level: row["level"] as KeyLevel, permissions, schema } };
  }

  /** Every key, oldest first, without hashes. */
  async listKeys(): Promise<KeyInfo[]> {
    return this.sql.exec(`SELECT id, level, name, permissions, created_at FROM cat_api_keys ORDER BY created_at, id`).toArray().map(keyInfo);
  }

  /** Stores a new (non-master) key; refuses beyond KEYS_PER_DATABASE_MAX. */
  async createKey(key: StoredKey): Promise<RpcResult<KeyInfo>> {
    if (key.level === "master") return { ok: false, error: { name: "KEY_INVALID", message: "a database has one master key; rotate it instead of creating another" } };
    const count = Number(this.sql.exec(`SELECT COUNT(*) AS n FROM cat_api_keys`).one()["n"]);
    if (count >= KEYS_PER_DATABASE_MAX) {
      return { ok: false, error: { name: "KEY_LIMIT", message: `the database has ${count} keys; the limit is ${KEYS_PER_DATABASE_MAX}: revoke one first`, moreInfo: { max: KEYS_PER_DATABASE_MAX } } };
    }
    this.insertKey(key);
    return { ok: true, value: withoutHash(key) };
  }

  /** Deletes a key (immediately here; isolates that cached it forget it within AUTH_CACHE_MS). */
  async revokeKey(id: string): Promise<RpcResult<KeyInfo>> {
    const row = this.sql.exec(`SELECT id, level, name, permissions, created_at FROM cat_api_keys WHERE id = ?`, id).toArray()[0];
    if (!row) return { ok: false, error: { name: "KEY_NOT_FOUND", message: `no key with id '${id}'` } };
    if (row["level"] === "master") return { ok: false, error: { name: "KEY_MASTER_REVOKE", message: "the master key cannot be revoked; rotate it with POST /v1/keys/master/rotate" } };
    this.sql.exec(`DELETE FROM cat_api_keys WHERE id = ?`, id);
    return { ok: true, value: keyInfo(row) };
  }

  /**
   * Replaces the master key's hash (same id and name). With `currentHash` (the caller's own master key)
   * only that key can be rotated, so of two concurrent rotations one wins and the other is refused;
   * without it (the operator API) the master is replaced whatever it was.
   */
  async rotateMaster(newHash: string, currentHash: string | null): Promise<RpcResult<KeyInfo>> {
    const row = this.sql.exec(`SELECT id, hash, level, name, permissions, created_at FROM cat_api_keys WHERE level = 'master'`).toArray()[0];
    if (!row || (currentHash !== null && row["hash"] !== currentHash)) return { ok: false, error: { name: "AUTH_INVALID_KEY", message: "the API key is not valid" } };
    this.sql.exec(`UPDATE cat_api_keys SET hash = ? WHERE id = ?`, newHash, row["id"] as string);
    return { ok: true, value: keyInfo(row) };
  }

  async schema(): Promise<SchemaSnapshot | null> {
    return this.snapshot();
  }

  // ---- encryption at rest (docs/security.md): the data key, stored only wrapped by DATA_KEY_SECRET ----
  // No storage migration: cat_meta 'data_key' is absent in databases created before encryption, and
  // ensureDataKey() gives them one on first use.

  /** The wrapped data key, or null (encryption off when it was created, or no such database). */
  async dataKey(): Promise<string | null> {
    return this.getMeta("data_key");
  }

  /** The stored wrapped key, storing `candidate` first if there is none; null when the database does not exist. */
  async ensureDataKey(candidate: string): Promise<string | null> {
    return this.ctx.storage.transactionSync(() => {
      if (this.getMeta("database") === null) return null;
      const existing = this.getMeta("data_key");
      if (existing !== null) return existing;
      this.setMeta("data_key", candidate);
      return candidate;
    });
  }

  /** Rotation: replaces the wrapped key only if it is still `expected` (a concurrent rotation wins otherwise). */
  async replaceDataKey(expected: string, next: string): Promise<boolean> {
    return this.ctx.storage.transactionSync(() => {
      if (this.getMeta("data_key") !== expected) return false;
      this.setMeta("data_key", next);
      return true;
    });
  }
  // ---- end encryption at rest ----

  // ---- settings -----------------------------------------------------------------------------------

  /**
   * Replaces the origins browsers may read answers from (src/middleware/cors.ts), already validated at
   * the edge. Not a schema change: the version stays, so cached query answers stay valid.
   */
  async setAllowedOrigins(origins: string[]): Promise<RpcResult<SchemaSnapshot>> {
    if (this.getMeta("database") === null) return { ok: false, error: { name: "AUTH_INVALID_KEY", message: "the API key's database no longer exists" } };
    this.setMeta("allowed_origins", JSON.stringify(origins));
    return { ok: true, value: this.snapshot()! };
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
        let active: number | undefined; // counted once, on the first new column
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
          // Every column costs catalog rows, schema-snapshot bytes in every isolate and shard segments: bounded.
          active ??= Number(this.sql.exec(`SELECT COUNT(*) AS n FROM cat_columns WHERE active = 1`).one()["n"]);
          if (active >= COLUMNS_PER_DATABASE_MAX) {
            throw new CatalogError("COLUMN_LIMIT", `the database has ${active} active columns; the limit is ${COLUMNS_PER_DATABASE_MAX}`);
          }
          active++;
          this.sql.exec(`INSERT OR IGNORE INTO cat_dimensions (name, created_at) VALUES (?, ?)`, c.dimension, now);
          const id = Number(this.sql.exec(`INSERT INTO cat_columns (dimension, api_name, active, def) VALUES (?, ?, 1, '{}') RETURNING id`, c.dimension, c.apiName).one()["id"]);
          const def: ColumnDef = { ...c, id, active: true, createdAt: now };
          this.sql.exec(`UPDATE cat_columns SET def = ? WHERE id = ?`, JSON.stringify(def), id);
          changed = true;
        }
        if (changed) this.bumpSchema(now);
      });
    } catch (e) {
      if (e instanceof CatalogError) {
        return {
          ok: false,
          error: e.errorName === "COLUMN_LIMIT" ? { name: e.errorName, message: e.message, moreInfo: { max: COLUMNS_PER_DATABASE_MAX } } : { name: e.errorName, message: e.message },
        };
      }
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
    return this.sql
      .exec(`SELECT body FROM cat_saved ORDER BY name`)
      .toArray()
      .map((r) => JSON.parse(r["body"] as string) as SavedQuery);
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

  // ---- replicas behind their primary (written by the primaries, read by the query fallback) ------

  /**
   * Records that a replica copy lacks the primary's outbox entries since..through. A mark only grows
   * (earliest since, latest through), so marks for concurrent writes of one shard cannot undo each other.
   */
  async markReplicaBehind(shard: number, copy: number, since: number, through: number, epoch = 0): Promise<void> {
    this.sql.exec(
      `INSERT INTO cat_replica_marks_e (epoch, shard, copy, since, through, at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(epoch, shard, copy) DO UPDATE SET since = MIN(since, excluded.since), through = MAX(through, excluded.through)`,
      epoch,
      shard,
      copy,
      since,
      through,
      new Date().toISOString(),
    );
  }

  /**
   * Clears a replica's mark if the copy has acknowledged everything it covers (through ≤ ackedSeq): a
   * mark raised meanwhile for a later write stays. Answers whether the copy is now unmarked.
   */
  async clearReplicaMark(shard: number, copy: number, ackedSeq: number, epoch = 0): Promise<boolean> {
    this.sql.exec(`DELETE FROM cat_replica_marks_e WHERE epoch = ? AND shard = ? AND copy = ? AND through <= ?`, epoch, shard, copy, ackedSeq);
    return this.sql.exec(`SELECT 1 FROM cat_replica_marks_e WHERE epoch = ? AND shard = ? AND copy = ?`, epoch, shard, copy).toArray().length === 0;
  }

  /** Every marked replica copy of the database's layout of routing epoch `epoch`. */
  async replicaMarks(epoch = 0): Promise<ReplicaMark[]> {
    return this.sql
      .exec(`SELECT shard, copy, since, through, at FROM cat_replica_marks_e WHERE epoch = ? ORDER BY shard, copy`, epoch)
      .toArray()
      .map((r) => ({
        shard: Number(r["shard"]),
        copy: Number(r["copy"]),
        since: Number(r["since"]),
        through: Number(r["through"]),
        at: r["at"] as string,
      }));
  }

  /** After a restore every copy holds the snapshot, and outbox sequence numbers restart from it. */
  async clearReplicaMarks(): Promise<void> {
    this.sql.exec(`DELETE FROM cat_replica_marks_e`);
  }

  // ---- restore lock -----------------------------------------------------------------------------

  /**
   * Takes the database's restore lock for `job`: two restores staging and committing on the same
   * copies at once could leave shards from different snapshots. Answers the running restore's
   * snapshot when another holds it; a lock older than RESTORE_LOCK_MS is taken as abandoned
   * (the Worker running that restore died) and replaced.
   */
  async beginRestore(job: string, snapshot: string, now: number): Promise<{ running: string | null; resharding?: boolean }> {
    // A restore writes the current layout's shards while a reshard copies them: one at a time.
    if (isRunning(this.reshardJob())) return { running: null, resharding: true };
    const held = this.getMeta("restore_lock");
    if (held !== null) {
      const lock = JSON.parse(held) as { job: string; snapshot: string; at: number };
      if (lock.job !== job && now - lock.at < RESTORE_LOCK_MS) return { running: lock.snapshot };
    }
    this.setMeta("restore_lock", JSON.stringify({ job, snapshot, at: now }));
    return { running: null };
  }

  /** Releases the restore lock if `job` still holds it. */
  async endRestore(job: string): Promise<void> {
    const held = this.getMeta("restore_lock");
    if (held !== null && (JSON.parse(held) as { job: string }).job === job) this.sql.exec(`DELETE FROM cat_meta WHERE key = 'restore_lock'`);
  }

  // ---- resharding (durable-objects/reshard/) ----------------------------------------------------

  /**
   * Starts moving the database to `shards` shards (the alarm does the work, reshard/driver.ts).
   * Refused while another reshard or a restore runs, and for the current count.
   */
  async startReshard(shards: number, now: number): Promise<RpcResult<ReshardJob>> {
    const info = this.database();
    if (info === null) return { ok: false, error: { name: "DATABASE_NOT_FOUND", message: "no such database" } };
    const running = this.reshardJob();
    if (running !== null && isRunning(running))
      return { ok: false, error: { name: "RESHARD_CONFLICT", message: `reshard ${running.id} (to ${running.to.shards} shards) is ${running.phase}; nothing was changed` } };
    const lock = this.getMeta("restore_lock");
    if (lock !== null && now - (JSON.parse(lock) as { at: number }).at < RESTORE_LOCK_MS) {
      return { ok: false, error: { name: "RESHARD_CONFLICT", message: "a restore of this database is running; nothing was changed, retry once it has finished" } };
    }
    if (shards === info.shards) return { ok: false, error: { name: "RESHARD_INVALID", message: `the database already has ${shards} shards` } };
    const from = { epoch: info.epoch ?? 0, shards: info.shards };
    // Epochs are never reused: an abandoned or cancelled attempt's objects must not be met again.
    const after = Math.max(from.epoch, ...(running?.abandoned ?? []), running?.to.epoch ?? 0);
    const at = new Date(now).toISOString();
    const job: ReshardJob = {
      id: crypto.randomUUID(),
      from,
      to: { epoch: after + 1, shards },
      phase: "freezing",
      sources: freshSources(from),
      startedAt: at,
      updatedAt: at,
      finishedAt: null,
      lastError: null,
      failedSteps: 0,
      abandoned: [],
    };
    this.setMeta("reshard", JSON.stringify(job));
    await this.ctx.storage.setAlarm(now);
    return { ok: true, value: job };
  }

  /** Cancels a reshard that has not published its layout yet: the old shards take writes again. */
  async cancelReshard(): Promise<RpcResult<ReshardJob>> {
    const job = this.reshardJob();
    if (job === null || !isRunning(job) || (job.phase !== "freezing" && job.phase !== "copying" && job.phase !== "cancelling")) {
      const why = job === null ? "no reshard was started" : `reshard ${job.id} is ${job.phase}`;
      return { ok: false, error: { name: "RESHARD_NOT_RUNNING", message: `${why}: there is nothing to cancel` } };
    }
    job.phase = "cancelling";
    this.setMeta("reshard", JSON.stringify(job));
    await this.ctx.storage.setAlarm(Date.now());
    return { ok: true, value: job };
  }

  /** The last reshard started (running or finished), or null. */
  async reshardStatus(): Promise<ReshardJob | null> {
    return this.reshardJob();
  }

  /** The catalog's one alarm drives the reshard: a bounded run of steps, re-armed until it ends; a failed step is retried. */
  override async alarm(): Promise<void> {
    const job = this.reshardJob();
    if (job === null || !isRunning(job)) return;
    let next: number | null;
    try {
      next = (await advance(this.reshardHost(), job, Date.now() + RESHARD_STEP_MS)) ? Date.now() : null;
    } catch (e) {
      const error: ApiErrorData | null = e instanceof Error && "toData" in e ? (e as { toData(): ApiErrorData }).toData() : null;
      job.lastError = error?.message ?? (e instanceof Error ? e.message : String(e));
      job.failedSteps++;
      job.updatedAt = new Date().toISOString();
      this.saveReshardJob(job);
      console.warn(`reshard ${job.id} (${job.phase}): step failed, retried in ${RESHARD_RETRY_MS} ms: ${job.lastError}`);
      next = Date.now() + RESHARD_RETRY_MS;
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  private reshardJob(): ReshardJob | null {
    if (!this.exists()) return null;
    const text = this.getMeta("reshard");
    return text === null ? null : (JSON.parse(text) as ReshardJob);
  }

  private database(): DatabaseInfo | null {
    const db = this.getMeta("database");
    return db === null ? null : (JSON.parse(db) as DatabaseInfo);
  }

  private reshardHost(): ReshardHost {
    return {
      env: this.env,
      database: () => this.database(),
      publish: (next) =>
        this.ctx.storage.transactionSync(() => {
          if ((this.database()?.epoch ?? 0) === next.epoch) return;
          this.setMeta("database", JSON.stringify(next));
          this.setMeta("schema_version", String(Number(this.getMeta("schema_version") ?? "1") + 1));
        }),
      save: (job) => this.saveReshardJob(job),
      pageEntities: this.reshardPageEntities ?? positive(this.env.RESHARD_PAGE_ENTITIES, RESHARD_EXPORT_ENTITIES_MAX),
      stepDelayMs: this.reshardStepDelayMs ?? positive(this.env.RESHARD_PAUSE_MS, 0),
    };
  }

  /**
   * Stores the driver's copy of the job. A cancel that arrived while a step was running (the alarm
   * awaits shards, so RPCs interleave) wins over the step's phase: it was accepted before publishing.
   */
  private saveReshardJob(job: ReshardJob): void {
    const stored = this.reshardJob();
    if (stored?.id === job.id && stored.phase === "cancelling" && job.phase !== "cancelled") job.phase = "cancelling";
    this.setMeta("reshard", JSON.stringify(job));
  }

  // ---- dead letters -----------------------------------------------------------------------------

  /**
   * Records a dead letter; false when the database no longer exists (deleted while the insert was
   * queued): its data has nowhere to go, and keeping the letter would store it in an orphan catalog.
   */
  async recordDeadLetter(letter: DeadLetter): Promise<boolean> {
    if (this.getMeta("database") === null) return false;
    this.sql.exec(`INSERT INTO cat_dead_letters (body) VALUES (?)`, JSON.stringify(letter));
    return true;
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return this.sql
      .exec(`SELECT body FROM cat_dead_letters ORDER BY id`)
      .toArray()
      .map((r) => JSON.parse(r["body"] as string) as DeadLetter);
  }

  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.migrate(); // empty tables again: the deleted database's keys now answer "invalid key", not an error
  }

  // ----------------------------------------------------------------------------------------------

  private insertKey(k: StoredKey): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO cat_api_keys (id, hash, level, name, permissions, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      k.id,
      k.hash,
      k.level,
      k.name,
      k.permissions === null ? null : JSON.stringify(k.permissions),
      k.createdAt,
    );
  }

  private snapshot(): SchemaSnapshot | null {
    const db = this.getMeta("database");
    if (db === null) return null;
    const database = JSON.parse(db) as DatabaseInfo;
    const origins = this.getMeta("allowed_origins");
    return {
      database,
      version: Number(this.getMeta("schema_version") ?? "1"),
      allowedOrigins: origins === null ? [] : (JSON.parse(origins) as string[]),
      dimensions: this.sql
        .exec(`SELECT name FROM cat_dimensions ORDER BY name`)
        .toArray()
        .map((r) => r["name"] as string),
      columns: this.sql
        .exec(`SELECT def FROM cat_columns ORDER BY id`)
        .toArray()
        .map((r) => JSON.parse(r["def"] as string) as ColumnDef),
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

/** A configured whole number above 0 (RESHARD_* vars), else `fallback`. */
function positive(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function keyInfo(r: Record<string, SqlStorageValue>): KeyInfo {
  return {
    id: r["id"] as string,
    name: r["name"] as string,
    level: r["level"] as KeyLevel,
    permissions: r["permissions"] === null || r["permissions"] === undefined ? null : (JSON.parse(r["permissions"] as string) as KeyPermissions),
    createdAt: r["created_at"] as string,
  };
}

function withoutHash(k: StoredKey): KeyInfo {
  return { id: k.id, name: k.name, level: k.level, permissions: k.permissions, createdAt: k.createdAt };
}

function sameDefinition(a: ColumnDef, b: NewColumn): boolean {
  const keys = ["name", "type", "storage", "cardinality", "decimalPlaces", "description"] as const;
  return keys.every((k) => a[k] === b[k]) && JSON.stringify(a.range ?? null) === JSON.stringify(b.range ?? null);
}

/** Thrown inside a transaction to roll it back; turned into an RpcResult error before leaving the object. */
class CatalogError extends Error {
  constructor(
    readonly errorName: "COLUMN_EXISTS" | "INSERT_VALUE_TYPE" | "COLUMN_LIMIT",
    message: string,
  ) {
    super(message);
  }
}
