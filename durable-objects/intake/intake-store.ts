// The intake's table: every message of an acknowledged insert, as it was queued (sealed when
// encryption at rest is on), until its primary shard copy has applied it. Rows are ordered by
// acceptance so a drain applies a shard's messages in the order their inserts were answered.

import type { OutgoingIngestMessage } from "../../contract/queue-messages";

export interface HeldMessage {
  seq: number;
  message: OutgoingIngestMessage;
  attempts: number;
  deadLettered: boolean;
}

export interface IntakeCounts {
  pending: number;
  /** Messages whose shard refused them so many times that a dead letter was recorded (still retried). */
  deadLettered: number;
  /** When the oldest held message was accepted (ms since the epoch), null when none is held. */
  oldestAcceptedAt: number | null;
}

export class IntakeStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS intake_messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      record_id TEXT NOT NULL UNIQUE,
      db TEXT NOT NULL,
      shard INTEGER NOT NULL,
      replicas INTEGER NOT NULL,
      entities_json TEXT,
      entities_sealed BLOB,
      accepted_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER NOT NULL,
      dead_lettered INTEGER NOT NULL DEFAULT 0)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS intake_due ON intake_messages (next_at)`);
    // The routing epoch of `shard` (resharding came after the table): rows from before it are of epoch 0.
    const columns = sql.exec(`SELECT name FROM pragma_table_info('intake_messages')`).toArray();
    if (!columns.some((c) => c["name"] === "epoch")) sql.exec(`ALTER TABLE intake_messages ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0`);
  }

  /** Keeps each message once (a retried request under its Idempotency-Key carries the same record ids). */
  hold(messages: ReadonlyArray<OutgoingIngestMessage>, now: number, checkAt: number): void {
    for (const m of messages) {
      this.sql.exec(
        `INSERT OR IGNORE INTO intake_messages (record_id, db, shard, epoch, replicas, entities_json, entities_sealed, accepted_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        m.recordId,
        m.db,
        m.shard,
        m.epoch ?? 0,
        m.replicas,
        m.v === 2 ? m.entitiesJson : null,
        m.v === 3 ? m.entitiesSealed : null,
        now,
        checkAt,
      );
    }
  }

  /** Messages due by `now`, oldest first. */
  due(now: number, limit: number): HeldMessage[] {
    return this.sql
      .exec(`SELECT * FROM intake_messages WHERE next_at <= ? ORDER BY seq LIMIT ?`, now, limit)
      .toArray()
      .map((r) => ({
        seq: r["seq"] as number,
        attempts: r["attempts"] as number,
        deadLettered: r["dead_lettered"] === 1,
        message: messageOf(r),
      }));
  }

  release(recordIds: ReadonlyArray<string>): void {
    for (const id of recordIds) this.sql.exec(`DELETE FROM intake_messages WHERE record_id = ?`, id);
  }

  /** Try again at `nextAt`; `counted` when this message's own attempt failed (not just held back behind one). */
  postpone(recordId: string, nextAt: number, counted: boolean): void {
    this.sql.exec(`UPDATE intake_messages SET attempts = attempts + ?, next_at = ? WHERE record_id = ?`, counted ? 1 : 0, nextAt, recordId);
  }

  markDeadLettered(recordId: string): void {
    this.sql.exec(`UPDATE intake_messages SET dead_lettered = 1 WHERE record_id = ?`, recordId);
  }

  /** Brings every held message forward to `at` (the queue refused them: nothing else will apply them). */
  expedite(recordIds: ReadonlyArray<string>, at: number): void {
    for (const id of recordIds) this.sql.exec(`UPDATE intake_messages SET next_at = MIN(next_at, ?) WHERE record_id = ?`, at, id);
  }

  holds(recordId: string): boolean {
    return this.sql.exec(`SELECT 1 FROM intake_messages WHERE record_id = ?`, recordId).toArray().length > 0;
  }

  nextDueAt(): number | null {
    const row = this.sql.exec(`SELECT MIN(next_at) AS at FROM intake_messages`).one();
    return row["at"] === null ? null : (row["at"] as number);
  }

  counts(): IntakeCounts {
    const row = this.sql.exec(`SELECT COUNT(*) AS n, SUM(dead_lettered) AS dead, MIN(accepted_at) AS oldest FROM intake_messages`).one();
    return { pending: row["n"] as number, deadLettered: (row["dead"] as number | null) ?? 0, oldestAcceptedAt: (row["oldest"] as number | null) ?? null };
  }
}

function messageOf(r: Record<string, SqlStorageValue>): OutgoingIngestMessage {
  const epoch = Number(r["epoch"] ?? 0);
  const base = { db: r["db"] as string, shard: r["shard"] as number, ...(epoch > 0 ? { epoch } : {}), replicas: r["replicas"] as number, recordId: r["record_id"] as string };
  const sealed = r["entities_sealed"];
  if (sealed instanceof ArrayBuffer) return { v: 3, ...base, entitiesSealed: new Uint8Array(sealed) };
  return { v: 2, ...base, entitiesJson: r["entities_json"] as string };
}
