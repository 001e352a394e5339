// One copy of one shard of a database: applies queued writes exactly once (dedup by record id in the
// same transaction as the data), answers query plans through its storage engine, and forwards every
// applied change through a transactional outbox to its replica copies (drained by the alarm).

import { DurableObject } from "cloudflare:workers";
import { ApiError, type ApiErrorData } from "../src/shared/errors";
import type { Mutation, ShardAnswer, ShardQuery } from "../src/shared/plan";
import type { FaultMode, IngestMessage, RpcResult, ShardAddress, ShardEngine, ShardHealth } from "../src/shared/rpc";
import { shardObjectName } from "../src/shared/rpc";
import { createShardEngine } from "./engine/select";
import { ShardLog, type OutboxEntry } from "./shard-log";

/** How long a "slow" fault holds a call: longer than any shard deadline, finite so workerd keeps it alive. */
const SLOW_FAULT_MS = 60_000;
const OUTBOX_BATCH_ENTRIES = 50;
const REPLICATION_RETRY_MAX_MS = 60_000;

export interface ApplyOutcome {
  applied: string[];
  skipped: string[];
}

export class ShardDO extends DurableObject<Env> {
  private log: ShardLog;
  private engine: ShardEngine;
  /** Test hook: throw inside the apply transaction after this many messages (then roll back). */
  failApplyAfter: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Both migrate idempotently and synchronously; nothing else can run before the constructor returns.
    this.log = new ShardLog(ctx.storage.sql);
    this.engine = createShardEngine(ctx.storage.sql);
  }

  /** Applies queued insert messages; each record id is applied at most once, all in one transaction. */
  async apply(addr: ShardAddress, messages: IngestMessage[]): Promise<RpcResult<ApplyOutcome>> {
    return this.guarded(addr, () => {
      const outcome: ApplyOutcome = { applied: [], skipped: [] };
      this.ctx.storage.transactionSync(() => {
        for (const [i, m] of messages.entries()) {
          if (this.failApplyAfter !== null && i >= this.failApplyAfter) throw new Error("injected apply failure");
          const mutation: Mutation = { kind: "write", entities: m.entities };
          if (this.applyOnce(addr, m.recordId, mutation) === null) outcome.skipped.push(m.recordId);
          else outcome.applied.push(m.recordId);
        }
      });
      this.scheduleReplication(addr);
      return outcome;
    });
  }

  /** Applies a delete/update once per record id; a repeated call answers the first outcome. */
  async mutate(addr: ShardAddress, recordId: string, mutation: Mutation): Promise<RpcResult<{ entities: number }>> {
    return this.guarded(addr, () => {
      const entities = this.ctx.storage.transactionSync(() => {
        return this.applyOnce(addr, recordId, mutation) ?? this.log.appliedEntities(recordId);
      });
      this.scheduleReplication(addr);
      return { entities };
    });
  }

  /** Which of these record ids this copy has applied (for ?wait=true). */
  async appliedAmong(addr: ShardAddress, recordIds: string[]): Promise<RpcResult<string[]>> {
    return this.guarded(addr, () => this.log.appliedAmong(recordIds));
  }

  async query(addr: ShardAddress, plan: ShardQuery): Promise<RpcResult<ShardAnswer>> {
    return this.guarded(addr, () => this.engine.query(plan));
  }

  /** Entries forwarded by the primary's outbox, applied in order, each once. */
  async replicate(addr: ShardAddress, entries: OutboxEntry[]): Promise<RpcResult<number>> {
    return this.guarded(addr, () => {
      let applied = 0;
      this.ctx.storage.transactionSync(() => {
        for (const e of entries) if (this.applyOnce(addr, e.recordId, e.mutation) !== null) applied++;
      });
      return applied;
    });
  }

  async health(addr: ShardAddress): Promise<ShardHealth> {
    this.log.identify(addr);
    const stats = this.engine.stats();
    return {
      shard: addr.shard,
      copy: addr.copy,
      entities: stats.entities,
      appliedRecords: this.log.appliedCount(),
      outboxBacklog: this.log.outboxBacklog(),
      lastError: this.log.getMeta("last_error"),
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

  /** Removes every byte this copy holds (database deletion). */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAll();
    // The object lives on: recreate empty tables so a late message or query sees an empty shard, not an error.
    this.log = new ShardLog(this.ctx.storage.sql);
    this.engine = createShardEngine(this.ctx.storage.sql);
  }

  /** Drains the outbox to every replica copy, in order; failures back off and try again. */
  override async alarm(): Promise<void> {
    const addr = this.log.identity();
    if (!addr || addr.copy !== 0 || addr.replicas === 0) return;
    let pending = false;
    for (let copy = 1; copy <= addr.replicas; copy++) {
      const entries = this.log.outboxAfter(copy, OUTBOX_BATCH_ENTRIES);
      if (entries.length === 0) continue;
      const replica = this.env.SHARD.get(this.env.SHARD.idFromName(shardObjectName(addr.db, addr.shard, copy)));
      let result: RpcResult<number>;
      try {
        result = await replica.replicate({ ...addr, copy }, entries);
      } catch (e) {
        result = { ok: false, error: { name: "INTERNAL", message: String(e) } };
      }
      if (!result.ok) {
        this.log.setMeta("last_error", `replica ${copy}: ${result.error.message}`);
        const attempts = Number(this.log.getMeta("replication_failures") ?? "0") + 1;
        this.log.setMeta("replication_failures", String(attempts));
        await this.ctx.storage.setAlarm(Date.now() + Math.min(REPLICATION_RETRY_MAX_MS, 250 * 2 ** Math.min(attempts, 8)));
        return;
      }
      this.log.ackOutbox(copy, entries[entries.length - 1]!.seq);
      if (entries.length === OUTBOX_BATCH_ENTRIES) pending = true;
    }
    this.log.setMeta("replication_failures", null);
    this.log.pruneOutbox(addr.replicas);
    if (pending || this.log.outboxBacklog() > 0) await this.ctx.storage.setAlarm(Date.now());
  }

  // ----------------------------------------------------------------------------------------------

  /** Applies a mutation unless its record id was applied; returns entities touched, or null if skipped. */
  private applyOnce(addr: ShardAddress, recordId: string, mutation: Mutation): number | null {
    if (this.log.isApplied(recordId)) return null;
    const outcome = this.engine.apply(mutation);
    this.log.markApplied(recordId, outcome.entities);
    if (addr.copy === 0 && addr.replicas > 0) this.log.appendOutbox(recordId, mutation);
    return outcome.entities;
  }

  private scheduleReplication(addr: ShardAddress): void {
    if (addr.copy !== 0 || addr.replicas === 0 || this.log.outboxBacklog() === 0) return;
    // Fire-and-forget is safe: the alarm write is part of the same output gate as the data.
    void this.ctx.storage.getAlarm().then((at) => (at === null ? this.ctx.storage.setAlarm(Date.now()) : undefined));
  }

  private fault(): FaultMode {
    return (this.log.getMeta("fault") as FaultMode | null) ?? "none";
  }

  /** Identity, fault injection and error capture shared by every RPC entry point. */
  private async guarded<T>(addr: ShardAddress, work: () => T): Promise<RpcResult<T>> {
    this.log.identify(addr);
    const fault = this.fault();
    if (fault === "down") return { ok: false, error: { name: "SHARDS_UNAVAILABLE", message: `shard ${addr.shard} copy ${addr.copy} is down (injected fault)` } };
    if (fault === "slow") await scheduler.wait(SLOW_FAULT_MS);
    try {
      return { ok: true, value: work() };
    } catch (e) {
      const error: ApiErrorData = e instanceof ApiError ? e.toData() : { name: "INTERNAL", message: e instanceof Error ? e.message : String(e) };
      this.log.setMeta("last_error", `${new Date().toISOString()} ${error.message}`);
      this.log.setMeta("error_count", String(Number(this.log.getMeta("error_count") ?? "0") + 1));
      return { ok: false, error };
    }
  }
}
