// The shard's own bookkeeping tables, next to the engine's: identity and settings (shard_meta),
// applied record ids (exactly-once), the ordered outbox of changes for the replica copies with each
// copy's acknowledgement, and which copies this primary marked as behind in the catalog.
// Every method is synchronous SQL, so callers compose them inside one transactionSync.

import type { Mutation } from "../../contract/plan";
import type { ShardAddress } from "../../contract/shard-rpc";
import type { SqlLike } from "../../engine/engine";
import { openRow, sealRow, type SegmentCipher } from "../../engine/store/sealed";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

const SCHEMA_VERSION = 1;

export interface OutboxEntry {
  seq: number;
  recordId: string;
  mutation: Mutation;
}

export class ShardLog {
  /**
   * shard_meta as last read or written: every RPC reads the identity and the fault mode, and the
   * object is its storage's only writer. The shard forgets it when a transaction rolls back.
   */
  private readonly metaMemo = new Map<string, string | null>();

  /**
   * Seals outbox bodies (changes with their values, kept until every replica has them) under the
   * database's data key, like segments; null while encryption is off. Set once the shard has the key.
   */
  private cipher: SegmentCipher | null = null;

  constructor(private readonly sql: SqlLike) {
    this.migrate();
  }

  useCipher(cipher: SegmentCipher | null): void {
    this.cipher = cipher;
  }

  /** Drops remembered meta values (storage was rolled back under them). */
  forgetMemo(): void {
    this.metaMemo.clear();
  }

  private migrate(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS shard_meta (key TEXT PRIMARY KEY, value TEXT)`);
    const row = this.sql.exec(`SELECT value FROM shard_meta WHERE key = 'schema_version'`).toArray()[0];
    const version = row ? Number(row["value"]) : 0;
    if (version < 1) {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS shard_applied (record_id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL, entities INTEGER NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS shard_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, record_id TEXT NOT NULL, body TEXT NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS shard_outbox_acks (copy INTEGER PRIMARY KEY, seq INTEGER NOT NULL)`);
    }
    if (version !== SCHEMA_VERSION) this.setMeta("schema_version", String(SCHEMA_VERSION));
  }

  getMeta(key: string): string | null {
    const memo = this.metaMemo.get(key);
    if (memo !== undefined) return memo;
    const row = this.sql.exec(`SELECT value FROM shard_meta WHERE key = ?`, key).toArray()[0];
    const value = row ? (row["value"] as string | null) : null;
    this.metaMemo.set(key, value);
    return value;
  }

  setMeta(key: string, value: string | null): void {
    if (value === null) this.sql.exec(`DELETE FROM shard_meta WHERE key = ?`, key);
    else this.sql.exec(`INSERT INTO shard_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value);
    this.metaMemo.set(key, value);
  }

  /**
   * Records who this object is on first contact (and the replica count, which the catalog fixes),
   * with the database's placement once a caller names it: the primary needs it to reach its replicas.
   * Placement is fixed at creation, so a caller that does not name it (older code paths, messages
   * queued before placement existed) leaves the known one in place instead of rewriting the row.
   */
  identify(addr: ShardAddress): void {
    const known = this.getMeta("identity");
    // The epoch is part of the object's name, so every caller names the same one (absent for 0).
    const epoch = addr.epoch ? { epoch: addr.epoch } : {};
    const base = JSON.stringify({ db: addr.db, shard: addr.shard, copy: addr.copy, replicas: addr.replicas, ...epoch });
    if (addr.placement === undefined && addr.jurisdiction === undefined) {
      if (known === base || known?.startsWith(base.slice(0, -1) + ",")) return;
      this.setMeta("identity", base);
      return;
    }
    const text = JSON.stringify({ db: addr.db, shard: addr.shard, copy: addr.copy, replicas: addr.replicas, ...epoch, placement: addr.placement, jurisdiction: addr.jurisdiction });
    if (known !== text) this.setMeta("identity", text);
  }

  identity(): ShardAddress | null {
    const text = this.getMeta("identity");
    return text ? (JSON.parse(text) as ShardAddress) : null;
  }

  isApplied(recordId: string): boolean {
    return this.sql.exec(`SELECT 1 FROM shard_applied WHERE record_id = ?`, recordId).toArray().length > 0;
  }

  markApplied(recordId: string, entities: number): void {
    this.sql.exec(`INSERT INTO shard_applied (record_id, applied_at, entities) VALUES (?, ?, ?)`, recordId, Date.now(), entities);
  }

  appliedEntities(recordId: string): number {
    const row = this.sql.exec(`SELECT entities FROM shard_applied WHERE record_id = ?`, recordId).toArray()[0];
    return row ? Number(row["entities"]) : 0;
  }

  /**
   * Which of these record ids are applied and settled: every replica copy has them, or the copies
   * that do not are marked behind in the catalog (settled_seq). Until then a write is not acknowledged.
   */
  appliedAmong(recordIds: string[], replicas: number): string[] {
    const settled = Math.max(Number(this.getMeta("settled_seq") ?? "0"), this.lowestAck(replicas));
    const found: string[] = [];
    for (let i = 0; i < recordIds.length; i += 90) {
      const chunk = recordIds.slice(i, i + 90);
      const rows = this.sql
        .exec(
          `SELECT record_id FROM shard_applied WHERE record_id IN (${chunk.map(() => "?").join(",")})
           AND record_id NOT IN (SELECT record_id FROM shard_outbox WHERE seq > ?)`,
          ...chunk,
          settled,
        )
        .toArray();
      for (const r of rows) found.push(r["record_id"] as string);
    }
    return found;
  }

  /** Outbox entries up to `seq` are on every replica or marked: writes in them may be acknowledged. */
  settleThrough(seq: number): void {
    if (seq > Number(this.getMeta("settled_seq") ?? "0")) this.setMeta("settled_seq", String(seq));
  }

  appliedCount(): number {
    return Number(this.sql.exec(`SELECT COUNT(*) AS n FROM shard_applied`).one()["n"]);
  }

  /** Queues a change for the replicas: JSON text, or a sealed row (AAD bound to its record id). */
  appendOutbox(recordId: string, mutation: Mutation): void {
    const json = JSON.stringify(mutation);
    const body = this.cipher === null ? json : toArrayBuffer(sealRow(this.cipher, outboxRowKey(recordId), utf8.encode(json)));
    this.sql.exec(`INSERT INTO shard_outbox (record_id, body) VALUES (?, ?)`, recordId, body);
  }

  /** The next entries a replica copy has not acknowledged, in order (sealed ones opened). */
  outboxAfter(copy: number, limit: number): OutboxEntry[] {
    const acked = this.ackedSeq(copy);
    return this.sql
      .exec(`SELECT seq, record_id, body FROM shard_outbox WHERE seq > ? ORDER BY seq LIMIT ?`, acked, limit)
      .toArray()
      .map((r) => {
        const recordId = r["record_id"] as string;
        return { seq: Number(r["seq"]), recordId, mutation: JSON.parse(this.outboxText(recordId, r["body"])) as Mutation };
      });
  }

  private outboxText(recordId: string, body: unknown): string {
    if (typeof body === "string") return body; // written while encryption was off
    if (this.cipher === null) throw new Error(`outbox entry ${recordId} is sealed but the shard has no data key loaded`);
    const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : (body as Uint8Array);
    return fromUtf8.decode(openRow(this.cipher, outboxRowKey(recordId), bytes));
  }

  ackOutbox(copy: number, seq: number): void {
    this.sql.exec(`INSERT INTO shard_outbox_acks (copy, seq) VALUES (?, ?) ON CONFLICT(copy) DO UPDATE SET seq = MAX(seq, excluded.seq)`, copy, seq);
  }

  /** Deletes entries every replica copy has acknowledged. */
  pruneOutbox(replicas: number): void {
    if (replicas > 0) this.sql.exec(`DELETE FROM shard_outbox WHERE seq <= ?`, this.lowestAck(replicas));
  }

  /** The range of outbox entries a replica copy has not acknowledged, or null when it has them all. */
  pendingFor(copy: number): { since: number; through: number } | null {
    const row = this.sql.exec(`SELECT MIN(seq) AS since, MAX(seq) AS through FROM shard_outbox WHERE seq > ?`, this.ackedSeq(copy)).one();
    return row["since"] === null ? null : { since: Number(row["since"]), through: Number(row["through"]) };
  }

  // A local note of each catalog mark this primary made (raised before the catalog call, so a crash in
  // between leaves the note, never an orphan mark): the alarm clears only marks it knows of, and the
  // write path pays nothing while no replica is behind.

  noteMark(copy: number, through: number): void {
    this.setMeta(markKey(copy), String(Math.max(through, this.markedThrough(copy) ?? 0)));
  }

  markedThrough(copy: number): number | null {
    const v = this.getMeta(markKey(copy));
    return v === null ? null : Number(v);
  }

  /** Forgets the note once the catalog holds no mark for the copy, unless a lagging write raised it since it read `noted`. */
  forgetMark(copy: number, noted: number): void {
    if (this.markedThrough(copy) === noted) this.setMeta(markKey(copy), null);
  }

  /** The newest outbox sequence number (0 when empty): replicas learn from it whether they are caught up. */
  outboxHead(): number {
    return Number(this.sql.exec(`SELECT COALESCE(MAX(seq), 0) AS s FROM shard_outbox`).one()["s"]);
  }

  outboxBacklog(): number {
    return Number(this.sql.exec(`SELECT COUNT(*) AS n FROM shard_outbox`).one()["n"]);
  }

  /**
   * After a restore every copy holds the snapshot and outbox sequence numbers restart from it: what
   * was settled or marked before refers to numbers that will be reused, and a replica that was behind
   * is not any more. (The restore clears the catalog's marks.)
   */
  resetReplication(replicas: number): void {
    this.setMeta("settled_seq", null);
    // A replica's own note that it missed changes refers to the old state too: the restore gave it the
    // snapshot every copy now holds (and the catalog's marks are cleared with it), so it answers again.
    this.setMeta("behind", null);
    for (let copy = 1; copy <= replicas; copy++) this.setMeta(markKey(copy), null);
  }

  /** The highest sequence number every replica copy acknowledged. */
  private lowestAck(replicas: number): number {
    let lowest = Infinity;
    for (let copy = 1; copy <= replicas; copy++) lowest = Math.min(lowest, this.ackedSeq(copy));
    return Number.isFinite(lowest) ? lowest : 0;
  }

  ackedSeq(copy: number): number {
    const row = this.sql.exec(`SELECT seq FROM shard_outbox_acks WHERE copy = ?`, copy).toArray()[0];
    return row ? Number(row["seq"]) : 0;
  }
}

const markKey = (copy: number) => `catalog_mark_copy_${copy}`;

const outboxRowKey = (recordId: string): string => `outbox/${recordId}`;

/** The bytes as their own ArrayBuffer: what the Durable Object SQL API binds as a BLOB. */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
