// One copy of one shard of a database, as a Durable Object: the RPC surface the Worker and the
// other copies call. Each method is a thin shell: identity and fault checks (guarded), then the
// work of apply.ts (exactly-once writes), replication.ts (the outbox to the replicas),
// keyed-engine.ts (the engine around the data key) and backup-jobs.ts (snapshots and restores).

import { DurableObject } from "cloudflare:workers";
import { toWire, type WireAnswer } from "../../contract/answer-wire";
import { ApiError, type ApiErrorData } from "../../contract/errors";
import type { EntityWrite, Mutation, ShardQuery } from "../../contract/plan";
import type { DatabaseInfo } from "../../contract/schema";
import type { ExportCursor } from "../../engine/index";
import { entitiesOf, type AnyIngestMessage } from "../../contract/queue-messages";
import type { RpcResult } from "../../contract/rpc-result";
import type { FaultMode, ShardAddress, ShardHealth } from "../../contract/shard-rpc";
import { applyOnce, applyRecords, inTransaction, type ApplyOutcome } from "./apply";
import type { BackupJob, RestoreSource, TransferSizes } from "./backup";
import { backupNow, commitRestoreJob, fencedWrite, liftRestoreFence, requestBackup, restoreFence, runPendingBackup, stageRestoreJob, type BackupHost } from "./backup-jobs";
import type { ManifestEntry } from "./backup-manifest";
import { DataKeyError, dataKeyUnavailable, secretsOf, type MasterSecrets } from "./data-key";
import { faultGate, faultOf, setFault } from "./faults";
import { outsideJurisdiction } from "./jurisdiction";
import { KeyedEngine } from "./keyed-engine";
import { ShardLog, type OutboxEntry } from "./log";
import { applyReplicated, Replication } from "./replication";
import { freeze, forwardToLayout, heldWrite, reshardHold, retire, retiredLayout, thaw, type ReshardHold } from "./reshard";
import { clearStage } from "./snapshot";
import { type SnapshotSummary } from "./snapshot-codec";

export class ShardDO extends DurableObject<Env> {
  private log: ShardLog;
  private readonly keyed: KeyedEngine;
  private readonly replication: Replication;
  private readonly backups: BackupHost;
  /** This wake's jurisdiction check (insideJurisdiction); null until the first guarded call. */
  private placementChecked: Promise<void> | null = null;

  /** Test hook: a batch of more than this many new messages throws after the engine wrote them (then rolls back). */
  failApplyAfter: number | null = null;
  /** Test hook: recording a lagging replica in the catalog fails with this message, as if the catalog were unreachable. */
  catalogMarkFault: string | null = null;
  /** Test hook: master secrets to use instead of the environment's (rotation and wrong-secret tests). */
  keySecrets: MasterSecrets | null = null;
  /** Test hook: transfer sizes for this object's backups (null: the production limits). */
  backupSizes: TransferSizes | null = null;
  /** Test hook: a restore's commit waits this long first (writes arriving meanwhile meet the fence). */
  restoreCommitDelayMs: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Migrates idempotently and synchronously; nothing else can run before the constructor returns.
    this.log = new ShardLog(ctx.storage.sql);
    // The engine waits for the data key (an async catalog call): built by ready() on first use.
    this.keyed = new KeyedEngine(
      env,
      ctx.storage,
      () => this.log,
      () => this.keySecrets ?? secretsOf(this.env),
    );
    this.replication = new Replication({
      env,
      storage: ctx.storage,
      log: () => this.log,
      ready: (addr) => this.keyed.ready(addr),
      catalogMarkFault: () => this.catalogMarkFault,
    });
    this.backups = { env, storage: ctx.storage, engine: this.keyed, log: () => this.log, sizes: () => this.backupSizes ?? undefined };
  }

  /** Applies queued insert messages; each record id is applied at most once, all in one transaction. */
  async apply(addr: ShardAddress, messages: AnyIngestMessage[]): Promise<RpcResult<ApplyOutcome>> {
    if (this.destroyed(`${messages.length} queued insert message(s)`)) return { ok: true, value: { applied: [], skipped: messages.map((m) => m.recordId) } };
    const fenced = this.fenced(addr); // not acknowledged: the queue delivers them again after the restore
    if (fenced) return fenced;
    const hold = reshardHold(this.log);
    if (hold?.state === "retired") return this.forwardRetired(addr, hold, messages);
    if (hold) return { ok: false, error: heldWrite(addr, hold).toData() }; // frozen: not acknowledged, retried after the copy
    return this.guarded(
      addr,
      () =>
        this.transaction(() => {
          this.refuseIfHeld(addr); // a freeze that arrived while this call waited for the key

          const records = messages.map((m) => ({ recordId: m.recordId, mutation: { kind: "write", entities: entitiesOf(m) } as Mutation }));
          const outcome = applyRecords(this.keyed.engine, this.log, addr, records);
          if (this.failApplyAfter !== null && outcome.applied.length > this.failApplyAfter) throw new Error("injected apply failure");
          return outcome;
        }),
      () => this.replication.forwardNow(addr),
    );
  }

  /** Applies a delete/update once per record id; a repeated call answers the first outcome. */
  async mutate(addr: ShardAddress, recordId: string, mutation: Mutation): Promise<RpcResult<{ entities: number }>> {
    const fenced = this.fenced(addr);
    if (fenced) return fenced;
    const hold = reshardHold(this.log);
    if (hold) return { ok: false, error: heldWrite(addr, hold).toData() };
    return this.guarded(
      addr,
      () => ({ entities: this.transaction(() => this.refuseIfHeld(addr) ?? applyOnce(this.keyed.engine, this.log, addr, { recordId, mutation }) ?? this.log.appliedEntities(recordId)) }),
      () => this.replication.forwardNow(addr),
    );
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
      // A retired layout still holds its data as of the freeze, but inserts since then live in the new
      // one: answering would be stale. The Worker reads the schema again and asks the new layout.
      const hold = reshardHold(this.log);
      if (hold?.state === "retired") throw retiredLayout(addr, hold);
      return toWire(this.keyed.engine.query(plan));
    });
  }

  /** Entries forwarded by the primary's outbox, applied in order, each once. */
  async replicate(addr: ShardAddress, entries: OutboxEntry[], headSeq: number): Promise<RpcResult<number>> {
    if (this.destroyed(`${entries.length} replicated change(s)`)) return { ok: true, value: 0 };
    // Refused while down (injected fault): remember that changes were missed until the primary catches us up.
    if (faultOf(this.log) === "down") this.log.setMeta("behind", "missed replication while down");
    const fenced = this.fenced(addr); // the primary retries; a committed restore empties its outbox anyway
    if (fenced) return fenced;
    return this.guarded(addr, () => applyReplicated(this.ctx.storage, this.keyed.engine, this.log, addr, entries, headSeq));
  }

  /** Answers at once: the floor of a fan-out (the no-op benchmark call), with the fault checks of a query. */
  async ping(addr: ShardAddress): Promise<RpcResult<number>> {
    return this.guarded(addr, () => addr.shard);
  }

  async health(addr: ShardAddress): Promise<ShardHealth> {
    this.log.identify(addr);
    const keyError = await this.keyed.ready(addr).then(
      () => null,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    const stats = this.keyed.loaded?.stats() ?? { entities: 0 };
    return {
      shard: addr.shard,
      copy: addr.copy,
      entities: stats.entities,
      appliedRecords: this.log.appliedCount(),
      outboxBacklog: this.log.outboxBacklog(),
      lastError: keyError ?? this.log.getMeta("last_error"),
      errors: Number(this.log.getMeta("error_count") ?? "0"),
      lastBackupAt: this.log.getMeta("last_backup_at"),
      fault: faultOf(this.log),
      behind: addr.copy > 0 ? this.log.getMeta("behind") : null,
      restoring: restoreFence(this.log),
      resharding: describeHold(reshardHold(this.log)),
      jurisdiction: this.ctx.id.jurisdiction ?? null,
    };
  }

  /** Operator fault injection; persisted so that it survives eviction like a real outage would. */
  async setFault(addr: ShardAddress, mode: FaultMode): Promise<void> {
    this.log.identify(addr);
    setFault(this.log, mode);
  }

  /** Drops the in-memory key and engine; the next call fetches and unwraps the key again (tests, after a rotation). */
  async forgetDataKey(): Promise<void> {
    this.keyed.forget();
  }

  /** Removes every byte this copy holds (database deletion), leaving only a "destroyed" mark. */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAll();
    // The object lives on: recreate empty tables so a late query sees an empty shard, not an error.
    // The mark makes inserts still queued for the deleted database (database ids are never reused)
    // drop instead of recreating its data, unencrypted since its key is gone.
    this.log = new ShardLog(this.ctx.storage.sql);
    this.log.setMeta("destroyed", new Date().toISOString());
    this.keyed.forget();
  }

  /**
   * The object's single alarm serves two jobs: draining the replication outbox, then a pending
   * backup. Each answers when it wants to run again and the earliest wins (setAlarm replaces the one
   * alarm); writes or backup requests that arrived while this ran ask for an immediate run.
   */
  override async alarm(): Promise<void> {
    const replication = await this.replication.drainOutbox();
    const backup = await runPendingBackup(this.backups);
    const addr = this.log.identity();
    const fresh = backup !== null || this.log.getMeta("backup_pending") === null ? null : Date.now();
    // Only when replication was idle: a failing replica keeps its backoff.
    const behind = replication === null && addr && addr.copy === 0 && addr.replicas > 0 && this.log.outboxBacklog() > 0 ? Date.now() : null;
    const wanted = [replication, backup, behind, fresh].filter((t): t is number => t !== null);
    if (wanted.length > 0) await this.ctx.storage.setAlarm(Math.min(...wanted));
  }

  // ---- resharding (reshard.ts; the catalog's driver, durable-objects/reshard/driver.ts, calls these) ----

  /** Holds every write for a move to `toEpoch` (idempotent); answers what the copy must match: applied records and entities. */
  async reshardFreeze(addr: ShardAddress, toEpoch: number): Promise<RpcResult<{ appliedRecords: number; entities: number; state: ReshardHold["state"] }>> {
    return this.guarded(addr, () => {
      const hold = freeze(this.log, toEpoch);
      return { appliedRecords: this.log.appliedCount(), entities: this.keyed.engine.stats().entities, state: hold.state };
    });
  }

  /** Lifts the freeze of a cancelled move. */
  async reshardThaw(addr: ShardAddress, toEpoch: number): Promise<boolean> {
    this.log.identify(addr);
    return thaw(this.log, toEpoch);
  }

  /** One page of this frozen shard's entities (JSON of EntityWrite[]); refused unless frozen for `toEpoch`, so the copy is consistent. */
  async reshardExport(addr: ShardAddress, toEpoch: number, cursor: ExportCursor | null, limit: number): Promise<RpcResult<{ entitiesJson: string; count: number; next: ExportCursor | null }>> {
    return this.guarded(addr, () => {
      const hold = reshardHold(this.log);
      if (hold?.state !== "frozen" || hold.toEpoch !== toEpoch)
        throw new ApiError("RESHARD_CONFLICT", `shard ${addr.shard} is not frozen for epoch ${toEpoch}: its entities cannot be exported consistently`);
      const page = this.keyed.engine.exportEntities(cursor, limit);
      const writes: EntityWrite[] = page.writes;
      return { entitiesJson: JSON.stringify(writes), count: writes.length, next: page.next };
    });
  }

  /** After the new layout is published: this copy forwards inserts to it from now on and applies nothing. */
  async reshardRetire(addr: ShardAddress, target: DatabaseInfo): Promise<void> {
    this.log.identify(addr);
    retire(this.log, target);
  }

  // ---- backup and restore (backup-jobs.ts) ----

  /** Writes this shard's snapshot object now (the operator's POST .../backup); answers its manifest entry. */
  async backup(addr: ShardAddress, job: BackupJob): Promise<RpcResult<ManifestEntry>> {
    this.log.identify(addr);
    return this.rpc(() => backupNow(this.backups, addr, job));
  }

  /** The cron's cheap ask: remember the job and let the alarm do it (then write the manifest if last). */
  async requestBackup(addr: ShardAddress, job: BackupJob): Promise<void> {
    this.log.identify(addr);
    await requestBackup(this.backups, job);
  }

  /** Restore, phase 1: fetch and verify a snapshot object into staging; live tables untouched. */
  async stageRestore(addr: ShardAddress, src: RestoreSource): Promise<RpcResult<SnapshotSummary>> {
    this.log.identify(addr);
    return this.rpc(() => stageRestoreJob(this.backups, addr, src));
  }

  /** Restore, phase 2: swap every table for the staged snapshot in one transaction, then reset caches. */
  async commitRestore(addr: ShardAddress, job: string): Promise<RpcResult<SnapshotSummary>> {
    return this.rpc(async () => {
      if (this.restoreCommitDelayMs !== null) await scheduler.wait(this.restoreCommitDelayMs);
      const { summary, log } = await commitRestoreJob(this.backups, addr, job);
      this.log = log;
      return summary;
    });
  }

  /** Drops a staged restore that will not be committed (another shard failed its checks). */
  async abortRestore(addr: ShardAddress, job: string): Promise<void> {
    this.log.identify(addr);
    clearStage(this.ctx.storage.sql, job);
    liftRestoreFence(this.log, job);
  }

  // ---- shared by the entry points ----

  /** True (and logged) when this copy's database was deleted: late writes are acknowledged and dropped. */
  private destroyed(what: string): boolean {
    const at = this.log.getMeta("destroyed");
    if (at !== null) console.warn(`shard: dropped ${what} for a database deleted at ${at}`);
    return at !== null;
  }

  /** Inside a write's transaction: throws the refusal if a reshard holds this copy (it may have arrived since the call began). */
  private refuseIfHeld(addr: ShardAddress): null {
    const hold = reshardHold(this.log);
    if (hold) throw heldWrite(addr, hold);
    return null;
  }

  /** A retired copy's inserts go to the new layout (reshard.ts); faults and identity as for any call. */
  private async forwardRetired(addr: ShardAddress, hold: ReshardHold, messages: AnyIngestMessage[]): Promise<RpcResult<ApplyOutcome>> {
    this.log.identify(addr);
    const refused = await faultGate(this.log, addr);
    if (refused) return refused;
    try {
      return { ok: true, value: await forwardToLayout(this.env, this.log, (work) => this.ctx.storage.transactionSync(work), hold.target!, messages) };
    } catch (e) {
      const error: ApiErrorData = e instanceof ApiError ? e.toData() : { name: "INTERNAL", message: e instanceof Error ? e.message : String(e) };
      this.log.setMeta("last_error", `${new Date().toISOString()} forwarding to the new layout: ${error.message}`);
      return { ok: false, error };
    }
  }

  /** The refusal of a write while a restore is staged on this copy (backup-jobs.ts), else null. */
  private fenced(addr: ShardAddress): RpcResult<never> | null {
    const fence = restoreFence(this.log);
    return fence === null ? null : { ok: false, error: fencedWrite(addr, fence).toData() };
  }

  /**
   * Refuses to hold data outside its database's jurisdiction. A caller that builds the stub without
   * the database's placement reaches the object of the same name in the global namespace (another
   * object, see durable-objects/stubs.ts): the first call of each wake asks the catalog once.
   */
  private insideJurisdiction(addr: ShardAddress): Promise<void> {
    this.placementChecked ??= outsideJurisdiction(this.env, this.ctx.id, addr).then(
      // A refusal is kept: neither this object's id nor the database's jurisdiction can change.
      (refusal) => {
        if (refusal !== null) throw new ApiError("SHARDS_UNAVAILABLE", refusal);
      },
      (e: unknown) => {
        this.placementChecked = null; // the catalog did not answer: ask again on the next call
        throw e;
      },
    );
    return this.placementChecked;
  }

  private transaction<T>(work: () => T): T {
    return inTransaction(this.ctx.storage, this.keyed.loaded, this.log, work);
  }

  /** Identity, fault injection and error capture shared by every RPC entry point. */
  private async guarded<T>(addr: ShardAddress, work: () => T, after?: () => Promise<void>): Promise<RpcResult<T>> {
    this.log.identify(addr);
    const refused = await faultGate(this.log, addr);
    if (refused) return refused;
    try {
      await this.insideJurisdiction(addr);
      await this.keyed.ready(addr);
      const value = work();
      if (after) await after();
      return { ok: true, value };
    } catch (e) {
      const error: ApiErrorData = e instanceof ApiError ? e.toData() : e instanceof DataKeyError ? dataKeyUnavailable(e) : { name: "INTERNAL", message: e instanceof Error ? e.message : String(e) };
      this.log.setMeta("last_error", `${new Date().toISOString()} ${error.message}`);
      this.log.setMeta("error_count", String(Number(this.log.getMeta("error_count") ?? "0") + 1));
      return { ok: false, error };
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
}

function describeHold(hold: ReshardHold | null): string | null {
  if (hold === null) return null;
  return hold.state === "frozen" ? `frozen since ${hold.since} while copied to epoch ${hold.toEpoch}` : `retired since ${hold.since}: inserts are forwarded to epoch ${hold.toEpoch}`;
}
