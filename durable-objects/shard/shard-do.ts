// One copy of one shard of a database: applies queued writes exactly once (dedup by record id in the
// same transaction as the data), answers query plans through its storage engine, and forwards every
// applied change through a transactional outbox to its replica copies (drained by the alarm); a copy
// that cannot take a write before it is acknowledged is marked behind in the database's catalog.

import { DurableObject } from "cloudflare:workers";
import { ApiError, type ApiErrorData } from "../../contract/errors";
import type { Mutation, ShardAnswer, ShardQuery } from "../../contract/plan";
import { entitiesOf, type AnyIngestMessage } from "../../contract/queue-messages";
import { type FaultMode, type ShardAddress, type ShardHealth } from "../../contract/shard-rpc";
import { type RpcResult } from "../../contract/rpc-result";
import { type ShardEngine } from "../../engine/engine";
import { shardObjectName } from "../../contract/shard-rpc";
import { LATE, within } from "../../contract/deadline";
import { catalogOf } from "../stubs";
import { createShardEngine } from "../../engine/select";
import { ShardLog, type OutboxEntry } from "./log";
// ---- backup (issue "Hourly backups to R2"): R2 transfer helpers that run inside this DO ----
import { backupShard, commitRestore, stageRestore, type BackupJob, type RestoreSource } from "./backup";
import { finalizeSnapshot, type ManifestEntry } from "./backup-manifest";
import { BACKUP_ATTEMPTS_MAX, BACKUP_RETRY_MAX_MS } from "../../contract/limits";
import { clearStage, type SnapshotSummary } from "./snapshot";
// ---- encryption at rest (docs/security.md "Encryption at rest") ----
import { importDataKey, type BackupSeal } from "./backup-cipher";
import { secretsOf, type MasterSecrets } from "./data-key";
import { createSegmentCipher } from "./segment-cipher";
import { loadDataKey } from "./load-data-key";
import type { SegmentCipher } from "../../engine/index";
import { toWire, type WireAnswer } from "../../contract/answer-wire";

/** How long a "slow" fault holds a call: longer than any shard deadline, finite so workerd keeps it alive. */
const SLOW_FAULT_MS = 60_000;
const OUTBOX_BATCH_ENTRIES = 50;
const FORWARD_NOW_MS = 2_000; // how long a write waits for its replicas before leaving them to the alarm
const CATALOG_MARK_MS = 2_000; // how long a write waits for the catalog to record a lagging replica
const REPLICATION_RETRY_MAX_MS = 60_000;

export interface ApplyOutcome {
  applied: string[];
  skipped: string[];
}

export class ShardDO extends DurableObject<Env> {
  private log: ShardLog;
  /** Test hook: a batch of more than this many new messages throws after the engine wrote them (then rolls back). */
  failApplyAfter: number | null = null;
  /** Test hook: recording a lagging replica in the catalog fails with this message, as if the catalog were unreachable. */
  catalogMarkFault: string | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Both migrate idempotently and synchronously; nothing else can run before the constructor returns.
    this.log = new ShardLog(ctx.storage.sql);
    // The engine waits for the data key (an async catalog call): built by ready() on first use.
  }

  // ---- encryption at rest: the data key lives in memory only, the engine is built around its cipher ----

  /** Test hook: master secrets to use instead of the environment's (rotation and wrong-secret tests). */
  keySecrets: MasterSecrets | null = null;
  private keys: { db: string; cipher: SegmentCipher | null; backup: BackupSeal | null } | null = null;
  private engineState: ShardEngine | null = null;
  private readying: Promise<void> | null = null;

  private get engine(): ShardEngine {
    if (this.engineState === null) throw new Error("shard engine used before its data key was loaded");
    return this.engineState;
  }

  private set engine(e: ShardEngine) {
    this.engineState = e;
  }

  /** Loads the data key once (concurrent callers share the load) and builds the engine around it. */
  private async ready(addr: ShardAddress): Promise<void> {
    if (this.engineState !== null && this.keys?.db === addr.db) return;
    this.readying ??= (async () => {
      const raw = await loadDataKey(this.env, addr.db, this.keySecrets ?? secretsOf(this.env));
      const context = `${addr.db}/${addr.shard}`; // bound into every AAD: rows and objects stay in their shard
      const keys = { db: addr.db, cipher: raw && createSegmentCipher(raw, context), backup: raw && { key: await importDataKey(raw), context } };
      raw?.fill(0);
      this.keys = keys;
      this.log.useCipher(keys.cipher);
      this.engine = this.ctx.storage.transactionSync(() => createShardEngine(this.ctx.storage.sql, keys.cipher));
    })().finally(() => {
      this.readying = null;
    });
    await this.readying;
  }

  /** Drops the in-memory key and engine; the next call fetches and unwraps the key again (tests, after a rotation). */
  async forgetDataKey(): Promise<void> {
    this.keys = null;
    this.engineState = null;
    this.log.useCipher(null);
  }
  // ---- end encryption at rest ----

  /** Applies queued insert messages; each record id is applied at most once, all in one transaction. */
  async apply(addr: ShardAddress, messages: AnyIngestMessage[]): Promise<RpcResult<ApplyOutcome>> {
    if (this.destroyed(`${messages.length} queued insert message(s)`)) return { ok: true, value: { applied: [], skipped: messages.map((m) => m.recordId) } };
    return this.guarded(addr, () => {
      const outcome: ApplyOutcome = { applied: [], skipped: [] };
      this.transaction(() => {
        const records = messages.map((m): { recordId: string; mutation: Mutation } => ({ recordId: m.recordId, mutation: { kind: "write", entities: entitiesOf(m) } }));
        const { applied, skipped } = this.applyRecords(addr, records);
        if (this.failApplyAfter !== null && applied.length > this.failApplyAfter) throw new Error("injected apply failure");
        outcome.applied.push(...applied);
        outcome.skipped.push(...skipped);
      });
      return outcome;
    }, () => this.forwardNow(addr));
  }

  /** Applies a delete/update once per record id; a repeated call answers the first outcome. */
  async mutate(addr: ShardAddress, recordId: string, mutation: Mutation): Promise<RpcResult<{ entities: number }>> {
    return this.guarded(addr, () => {
      const entities = this.transaction(() => {
        return this.applyOnce(addr, recordId, mutation) ?? this.log.appliedEntities(recordId);
      });
      return { entities };
    }, () => this.forwardNow(addr));
  }

  /** Which of these record ids this copy has applied (for ?wait=true). */
  async appliedAmong(addr: ShardAddress, recordIds: string[]): Promise<RpcResult<string[]>> {
    return this.guarded(addr, () => this.log.appliedAmong(recordIds, addr.replicas));
  }

  /** The engine's answer in its RPC form (contract/answer-wire.ts); the fan-out turns it back. */
  async query(addr: ShardAddress, plan: ShardQuery): Promise<RpcResult<WireAnswer>> {
    return this.guarded(addr, () => {
      // A replica that knows it missed changes must not pass stale data off as an exact answer:
      // the fan-out then treats this shard as missing and flags the answer as approximate.
      if (addr.copy > 0 && this.log.getMeta("behind") !== null) {
        throw new ApiError("SHARDS_UNAVAILABLE", `shard ${addr.shard} replica ${addr.copy} is catching up with its primary`);
      }
      return toWire(this.engine.query(plan));
    });
  }

  /** Entries forwarded by the primary's outbox, applied in order, each once. */
  async replicate(addr: ShardAddress, entries: OutboxEntry[], headSeq: number): Promise<RpcResult<number>> {
    if (this.destroyed(`${entries.length} replicated change(s)`)) return { ok: true, value: 0 };
    // Refused while down (injected fault): remember that changes were missed until the primary catches us up.
    if (this.fault() === "down") this.log.setMeta("behind", "missed replication while down");
    return this.guarded(addr, () => {
      let applied = 0;
      this.transaction(() => {
        applied = this.applyRecords(addr, entries).applied.length;
        const last = entries[entries.length - 1]?.seq ?? 0;
        this.log.setMeta("behind", last >= headSeq ? null : `applied up to ${last} of ${headSeq}`);
      });
      return applied;
    });
  }

  /** Answers at once: the floor of a fan-out (the no-op benchmark call), with the fault checks of a query. */
  async ping(addr: ShardAddress): Promise<RpcResult<number>> {
    return this.guarded(addr, () => addr.shard);
  }

  async health(addr: ShardAddress): Promise<ShardHealth> {
    this.log.identify(addr);
    const keyError = await this.ready(addr).then(() => null, (e: unknown) => (e instanceof Error ? e.message : String(e)));
    const stats = this.engineState?.stats() ?? { entities: 0 };
    return {
      shard: addr.shard,
      copy: addr.copy,
      entities: stats.entities,
      appliedRecords: this.log.appliedCount(),
      outboxBacklog: this.log.outboxBacklog(),
      lastError: keyError ?? this.log.getMeta("last_error"),
      errors: Number(this.log.getMeta("error_count") ?? "0"),
      lastBackupAt: this.log.getMeta("last_backup_at"),
      fault: this.fault(),
    };
  }

  /** Operator fault injection; persisted so that it survives eviction like a real outage would. */
  async setFault(addr: ShardAddress, mode: FaultMode): Promise<void> {
    this.log.identify(addr);
    this.log.setMeta("fault", mode === "none" ? null : mode);
  }

  /** Removes every byte this copy holds (database deletion), leaving only a "destroyed" mark. */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAll();
    // The object lives on: recreate empty tables so a late query sees an empty shard, not an error.
    // The mark makes inserts still queued for the deleted database (database ids are never reused)
    // drop instead of recreating its data, unencrypted since its key is gone.
    this.log = new ShardLog(this.ctx.storage.sql);
    this.log.setMeta("destroyed", new Date().toISOString());
    this.keys = null;
    this.engineState = null;
  }

  /** True (and logged) when this copy's database was deleted: late writes are acknowledged and dropped. */
  private destroyed(what: string): boolean {
    const at = this.log.getMeta("destroyed");
    if (at !== null) console.warn(`shard: dropped ${what} for a database deleted at ${at}`);
    return at !== null;
  }

  /**
   * The object's single alarm serves two jobs: draining the replication outbox, then a pending
   * backup. Each answers when it wants to run again and the earliest wins (setAlarm replaces the one
   * alarm); writes or backup requests that arrived while this ran ask for an immediate run.
   */
  override async alarm(): Promise<void> {
    const replication = await this.drainOutbox();
    const backup = await this.runPendingBackup();
    const addr = this.log.identity();
    const fresh = backup !== null || this.log.getMeta("backup_pending") === null ? null : Date.now();
    // Only when replication was idle: a failing replica keeps its backoff.
    const behind = replication === null && addr && addr.copy === 0 && addr.replicas > 0 && this.log.outboxBacklog() > 0 ? Date.now() : null;
    const wanted = [replication, backup, behind, fresh].filter((t): t is number => t !== null);
    if (wanted.length > 0) await this.ctx.storage.setAlarm(Math.min(...wanted));
  }

  /**
   * Drains the outbox to every replica copy, in order; a failing copy does not hold up the others,
   * and failures back off. Answers when to run again.
   */
  private async drainOutbox(): Promise<number | null> {
    const addr = this.log.identity();
    if (!addr || addr.copy !== 0 || addr.replicas === 0) return null;
    // Sealed outbox entries need the data key (an alarm may be this object's first call since eviction).
    try {
      await this.ready(addr);
    } catch (e) {
      this.log.setMeta("last_error", `replication waits for the data key: ${e instanceof Error ? e.message : String(e)}`);
      return Date.now() + REPLICATION_RETRY_MAX_MS;
    }
    let pending = false;
    let failure: string | null = null;
    for (let copy = 1; copy <= addr.replicas; copy++) {
      const entries = this.log.outboxAfter(copy, OUTBOX_BATCH_ENTRIES);
      if (entries.length === 0) continue;
      const replica = this.env.SHARD.get(this.env.SHARD.idFromName(shardObjectName(addr.db, addr.shard, copy)));
      let result: RpcResult<number>;
      try {
        result = await replica.replicate({ ...addr, copy }, entries, this.log.outboxHead());
      } catch (e) {
        result = { ok: false, error: { name: "INTERNAL", message: String(e) } };
      }
      if (!result.ok) {
        failure = `replica ${copy}: ${result.error.message}`;
        continue;
      }
      this.log.ackOutbox(copy, entries[entries.length - 1]!.seq);
      if (entries.length === OUTBOX_BATCH_ENTRIES) pending = true;
    }
    this.log.pruneOutbox(addr.replicas);
    const cleared = await this.clearCaughtUpMarks(addr);
    if (failure !== null) {
      this.log.setMeta("last_error", failure);
      const attempts = Number(this.log.getMeta("replication_failures") ?? "0") + 1;
      this.log.setMeta("replication_failures", String(attempts));
      return Date.now() + Math.min(REPLICATION_RETRY_MAX_MS, 250 * 2 ** Math.min(attempts, 8));
    }
    this.log.setMeta("replication_failures", null);
    if (!cleared) return Date.now() + FORWARD_NOW_MS; // the catalog did not answer
    return pending || this.log.outboxBacklog() > 0 ? Date.now() : null;
  }

  /**
   * Lifts the catalog marks of copies that now have every outbox entry. Answers false when a clear
   * failed (the alarm tries again). Costs nothing while this primary has marked no copy.
   */
  private async clearCaughtUpMarks(addr: ShardAddress): Promise<boolean> {
    let cleared = true;
    for (let copy = 1; copy <= addr.replicas; copy++) {
      const noted = this.log.markedThrough(copy);
      if (noted === null || this.log.pendingFor(copy) !== null) continue;
      try {
        const unmarked = await catalogOf(this.env, addr.db).clearReplicaMark(addr.shard, copy, this.log.ackedSeq(copy));
        // A write that lagged meanwhile raised the note again: its own mark stands, so keep the note.
        if (unmarked) this.log.forgetMark(copy, noted);
      } catch (e) {
        this.log.setMeta("last_error", `${new Date().toISOString()} clearing the catalog mark of replica ${copy}: ${e instanceof Error ? e.message : String(e)}`);
        cleared = false;
      }
    }
    return cleared;
  }

  // ---- backup and restore (issue "Hourly backups to R2"; the work lives in durable-objects/shard/backup.ts) ----

  /** Test hook: transfer sizes for this object's backups (null: the production limits). */
  backupSizes: Parameters<typeof backupShard>[4] | null = null;

  /** Writes this shard's snapshot object now (the operator's POST .../backup); answers its manifest entry. */
  async backup(addr: ShardAddress, job: BackupJob): Promise<RpcResult<ManifestEntry>> {
    this.log.identify(addr);
    return this.rpc(async () => {
      await this.ready(addr);
      const entry = await backupShard(this.ctx.storage, this.env.BACKUPS, job, addr.shard, this.backupSizes ?? undefined, this.keys?.backup ?? null);
      this.log.setMeta("last_backup_at", entry.takenAt);
      return entry;
    });
  }

  /** The cron's cheap ask: remember the job and let the alarm do it (then write the manifest if last). */
  async requestBackup(addr: ShardAddress, job: BackupJob): Promise<void> {
    this.log.identify(addr);
    this.log.setMeta("backup_pending", JSON.stringify(job));
    this.log.setMeta("backup_attempts", null);
    const at = await this.ctx.storage.getAlarm();
    if (at === null || at > Date.now()) await this.ctx.storage.setAlarm(Date.now());
  }

  /** Restore, phase 1: fetch and verify a snapshot object into staging; live tables untouched. */
  async stageRestore(addr: ShardAddress, src: RestoreSource): Promise<RpcResult<SnapshotSummary>> {
    this.log.identify(addr);
    const bucket = src.location === "remote" ? this.env.BACKUPS_REMOTE : this.env.BACKUPS;
    return this.rpc(async () => {
      await this.ready(addr);
      return stageRestore(this.ctx.storage, bucket, src, undefined, this.keys?.backup ?? null);
    });
  }

  /** Restore, phase 2: swap every table for the staged snapshot in one transaction, then reset caches. */
  async commitRestore(addr: ShardAddress, job: string): Promise<RpcResult<SnapshotSummary>> {
    return this.rpc(async () => {
      await this.ready(addr);
      const cipher = this.keys?.cipher ?? null;
      const sql = this.ctx.storage.sql;
      // shard_meta describes this object (identity, faults, errors, backups), not the data: keep it.
      const local = sql.exec(`SELECT key, value FROM shard_meta WHERE key <> 'schema_version'`).toArray();
      const { summary, after } = commitRestore(this.ctx.storage, job, () => {
        sql.exec(`DELETE FROM shard_meta WHERE key <> 'schema_version'`);
        for (const r of local) sql.exec(`INSERT INTO shard_meta (key, value) VALUES (?, ?)`, r["key"], r["value"]);
        // Every copy now holds the snapshot's state, so nothing is owed to the replicas.
        sql.exec(`DELETE FROM shard_outbox`);
        sql.exec(`DELETE FROM shard_outbox_acks`);
        const log = new ShardLog(sql); // migrates a snapshot taken by an older build
        log.useCipher(cipher);
        log.identify(addr);
        log.resetReplication(addr.replicas);
        log.setMeta("last_restore", `${new Date().toISOString()} ${job}`);
        return { log, engine: createShardEngine(sql, cipher) }; // seals a plaintext (older) snapshot's segments
      });
      this.log = after.log;
      this.engine = after.engine; // a fresh engine: nothing cached from the replaced tables survives
      return summary;
    });
  }

  /** Drops a staged restore that will not be committed (another shard failed its checks). */
  async abortRestore(addr: ShardAddress, job: string): Promise<void> {
    this.log.identify(addr);
    clearStage(this.ctx.storage.sql, job);
  }

  /** Runs the backup the cron asked for; answers when to retry, or null when done or given up. */
  private async runPendingBackup(): Promise<number | null> {
    const pending = this.log.getMeta("backup_pending");
    const addr = this.log.identity();
    if (!pending || !addr) return null;
    const job = JSON.parse(pending) as BackupJob;
    try {
      await this.ready(addr);
      const entry = await backupShard(this.ctx.storage, this.env.BACKUPS, job, addr.shard, this.backupSizes ?? undefined, this.keys?.backup ?? null);
      this.log.setMeta("last_backup_at", entry.takenAt);
      await finalizeSnapshot(this.env.BACKUPS, job.db, job.snapshot, job.shards);
      if (this.log.getMeta("backup_pending") === pending) this.log.setMeta("backup_pending", null);
      this.log.setMeta("backup_attempts", null);
      return null;
    } catch (e) {
      const attempts = Number(this.log.getMeta("backup_attempts") ?? "0") + 1;
      this.log.setMeta("last_error", `${new Date().toISOString()} backup ${job.snapshot} attempt ${attempts}: ${e instanceof Error ? e.message : String(e)}`);
      if (attempts >= BACKUP_ATTEMPTS_MAX) {
        this.log.setMeta("backup_pending", null); // the next hour's snapshot starts afresh
        this.log.setMeta("backup_attempts", null);
        return null;
      }
      this.log.setMeta("backup_attempts", String(attempts));
      return Date.now() + Math.min(BACKUP_RETRY_MAX_MS, 1000 * 2 ** attempts);
    }
  }

  /** Backup/restore RPCs are async (R2); domain errors travel as data, like guarded(). */
  private async rpc<T>(work: () => Promise<T> | T): Promise<RpcResult<T>> {
    try {
      return { ok: true, value: await work() };
    } catch (e) {
      if (e instanceof ApiError) return { ok: false, error: e.toData() }; // a refused snapshot is not this shard's fault
      const message = e instanceof Error ? e.message : String(e);
      this.log.setMeta("last_error", `${new Date().toISOString()} ${message}`);
      return { ok: false, error: { name: "BACKUP_FAILED", message } };
    }
  }
  // ---- end backup and restore ----

  // ----------------------------------------------------------------------------------------------

  /**
   * One storage transaction around engine writes. When it rolls back, the engine's in-memory segments
   * may hold writes that storage no longer has, so its caches are dropped before the error goes on.
   */
  private transaction<T>(work: () => T): T {
    try {
      return this.ctx.storage.transactionSync(work);
    } catch (e) {
      this.engineState?.dropCaches();
      this.log.forgetMemo();
      throw e;
    }
  }

  /** Applies a mutation unless its record id was applied; returns entities touched, or null if skipped. */
  private applyOnce(addr: ShardAddress, recordId: string, mutation: Mutation): number | null {
    if (this.log.isApplied(recordId)) return null;
    const outcome = this.engine.apply(mutation);
    this.recordApplied(addr, recordId, mutation, outcome.entities);
    return outcome.entities;
  }

  /**
   * Applies records in order, each record id once (already applied, or repeated within the batch, is
   * skipped), with one engine flush for the whole batch. Runs inside the caller's transaction.
   */
  private applyRecords(addr: ShardAddress, records: ReadonlyArray<{ recordId: string; mutation: Mutation }>): { applied: string[]; skipped: string[] } {
    const fresh: Array<{ recordId: string; mutation: Mutation }> = [];
    const skipped: string[] = [];
    const seen = new Set<string>();
    for (const r of records) {
      if (seen.has(r.recordId) || this.log.isApplied(r.recordId)) skipped.push(r.recordId);
      else fresh.push(r);
      seen.add(r.recordId);
    }
    const outcomes = this.engine.applyAll(fresh.map((r) => r.mutation));
    fresh.forEach((r, i) => this.recordApplied(addr, r.recordId, r.mutation, outcomes[i]!.entities));
    return { applied: fresh.map((r) => r.recordId), skipped };
  }

  /** Marks a record applied (same transaction as its data) and queues it for the replicas. */
  private recordApplied(addr: ShardAddress, recordId: string, mutation: Mutation, entities: number): void {
    this.log.markApplied(recordId, entities);
    if (addr.copy === 0 && addr.replicas > 0) this.log.appendOutbox(recordId, mutation);
  }

  /**
   * Forwards the outbox to the replicas before the write is acknowledged, so a replica that answers
   * in place of its primary has what the primary acknowledged. A replica that cannot take it in time
   * is caught up by the alarm and, until then, is marked behind in the catalog (markLagging).
   */
  private async forwardNow(addr: ShardAddress): Promise<void> {
    if (addr.copy !== 0 || addr.replicas === 0 || this.log.outboxBacklog() === 0) return;
    const next = await within(this.drainOutbox(), FORWARD_NOW_MS);
    if (next !== null) await this.wakeBy(next === LATE ? Date.now() + FORWARD_NOW_MS : next);
    await this.markLagging(addr);
  }

  /**
   * Acknowledged ⇒ on every replica, or the replica is marked: a copy still missing outbox entries is
   * recorded as behind in the database's catalog, which the query fallback consults when the primary
   * is unavailable (a replica that was unreachable cannot know what it missed; only its primary can
   * say). If even the mark cannot be recorded this throws and the write is not acknowledged: the
   * queue retries, finds the records applied, and comes back here. appliedAmong (?wait=true) reports
   * only writes settled this way.
   */
  private async markLagging(addr: ShardAddress): Promise<void> {
    const lagging: Array<{ copy: number; since: number; through: number }> = [];
    for (let copy = 1; copy <= addr.replicas; copy++) {
      const pending = this.log.pendingFor(copy);
      if (pending) lagging.push({ copy, ...pending });
    }
    if (lagging.length === 0) return; // every copy acknowledged the whole outbox: settled by its acks
    const settled = this.log.outboxHead(); // read with the copies' ranges, before any await
    // Noted before the call, so a crash after the catalog wrote leaves no mark the alarm would not clear.
    for (const l of lagging) this.log.noteMark(l.copy, l.through);
    const failure = await this.recordMarks(addr, lagging);
    if (failure !== null) {
      const copies = lagging.map((l) => l.copy).join(", ");
      throw new ApiError("SHARDS_UNAVAILABLE", `shard ${addr.shard}: replica ${copies} did not take the write and the catalog could not record it (${failure}); the write is not acknowledged`);
    }
    // Again: the alarm may have dropped the note while the mark was on its way. It clears the mark once caught up.
    for (const l of lagging) this.log.noteMark(l.copy, l.through);
    await this.wakeBy(Date.now() + FORWARD_NOW_MS);
    this.log.settleThrough(settled);
  }

  /** Marks the copies behind in the catalog, bounded in time; answers why it failed, or null. */
  private async recordMarks(addr: ShardAddress, lagging: ReadonlyArray<{ copy: number; since: number; through: number }>): Promise<string | null> {
    const catalog = catalogOf(this.env, addr.db);
    try {
      if (this.catalogMarkFault !== null) throw new Error(this.catalogMarkFault);
      const marked = Promise.all(lagging.map((l) => catalog.markReplicaBehind(addr.shard, l.copy, l.since, l.through)));
      return (await within(marked, CATALOG_MARK_MS)) === LATE ? `no answer within ${CATALOG_MARK_MS} ms` : null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  /** Makes the alarm run no later than `at` (it may already be due sooner). */
  private async wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }

  private fault(): FaultMode {
    return (this.log.getMeta("fault") as FaultMode | null) ?? "none";
  }

  /** Identity, fault injection and error capture shared by every RPC entry point. */
  private async guarded<T>(addr: ShardAddress, work: () => T, after?: () => Promise<void>): Promise<RpcResult<T>> {
    this.log.identify(addr);
    const fault = this.fault();
    if (fault === "down") return { ok: false, error: { name: "SHARDS_UNAVAILABLE", message: `shard ${addr.shard} copy ${addr.copy} is down (injected fault)` } };
    // Thrown, not answered, and nothing recorded here: the caller sees what a lost network looks like.
    if (fault === "unreachable") throw new Error(`shard ${addr.shard} copy ${addr.copy}: network connection lost (injected fault)`);
    if (fault === "slow") await scheduler.wait(SLOW_FAULT_MS);
    try {
      await this.ready(addr);
      const value = work();
      if (after) await after();
      return { ok: true, value };
    } catch (e) {
      const error: ApiErrorData = e instanceof ApiError ? e.toData() : { name: "INTERNAL", message: e instanceof Error ? e.message : String(e) };
      this.log.setMeta("last_error", `${new Date().toISOString()} ${error.message}`);
      this.log.setMeta("error_count", String(Number(this.log.getMeta("error_count") ?? "0") + 1));
      return { ok: false, error };
    }
  }
}
