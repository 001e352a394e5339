// A primary feeds its replica copies from its transactional outbox: before a write is acknowledged
// (bounded in time, then the alarm carries on), and a copy still missing entries at that point is
// marked behind in the database's catalog, where the query fallback looks. The replica side applies
// forwarded entries in order, each once, and knows when it is behind.

import { LATE, within } from "../../contract/deadline";
import { ApiError } from "../../contract/errors";
import type { RpcResult } from "../../contract/rpc-result";
import type { ShardAddress } from "../../contract/shard-rpc";
import type { ShardEngine } from "../../engine/engine";
import { catalogOf, shardStubOn } from "../stubs";
import { applyRecords, inTransaction } from "./apply";
import type { OutboxEntry, ShardLog } from "./log";
import { OUTBOX_BATCH_ENTRIES_MAX, REPLICA_FORWARD_WAIT_MS, REPLICA_MARK_WAIT_MS, REPLICATION_RETRY_MAX_MS } from "../../contract/limits";

export interface ReplicationHost {
  readonly env: Env;
  readonly storage: DurableObjectStorage;
  /** The copy's bookkeeping as it is now (a restore replaces it). */
  log(): ShardLog;
  /** Loads the data key (sealed outbox entries need it; an alarm may be the first call since eviction). */
  ready(addr: ShardAddress): Promise<void>;
  /** Test hook: recording a lagging replica in the catalog fails with this message. */
  catalogMarkFault(): string | null;
}

export class Replication {
  constructor(private readonly host: ReplicationHost) {}

  private get log(): ShardLog {
    return this.host.log();
  }

  /**
   * Drains the outbox to every replica copy, in order; a failing copy does not hold up the others,
   * and failures back off. Answers when to run again (null: nothing left to do).
   */
  async drainOutbox(): Promise<number | null> {
    const addr = this.log.identity();
    if (!addr || addr.copy !== 0 || addr.replicas === 0) return null;
    try {
      await this.host.ready(addr);
    } catch (e) {
      this.log.setMeta("last_error", `replication waits for the data key: ${e instanceof Error ? e.message : String(e)}`);
      return Date.now() + REPLICATION_RETRY_MAX_MS;
    }
    let pending = false;
    let failure: string | null = null;
    for (let copy = 1; copy <= addr.replicas; copy++) {
      const entries = this.log.outboxAfter(copy, OUTBOX_BATCH_ENTRIES_MAX);
      if (entries.length === 0) continue;
      const replica = shardStubOn(this.host.env.SHARD, { ...addr, copy }); // the replica copy keeps its own hint
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
      if (entries.length === OUTBOX_BATCH_ENTRIES_MAX) pending = true;
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
    if (!cleared) return Date.now() + REPLICA_FORWARD_WAIT_MS; // the catalog did not answer
    return pending || this.log.outboxBacklog() > 0 ? Date.now() : null;
  }

  /**
   * Forwards the outbox to the replicas before the write is acknowledged, so a replica that answers
   * in place of its primary has what the primary acknowledged. A replica that cannot take it in time
   * is caught up by the alarm and, until then, is marked behind in the catalog (markLagging).
   */
  async forwardNow(addr: ShardAddress): Promise<void> {
    if (addr.copy !== 0 || addr.replicas === 0 || this.log.outboxBacklog() === 0) return;
    const next = await within(this.drainOutbox(), REPLICA_FORWARD_WAIT_MS);
    if (next !== null) await this.wakeBy(next === LATE ? Date.now() + REPLICA_FORWARD_WAIT_MS : next);
    await this.markLagging(addr);
  }

  /** Makes the alarm run no later than `at` (it may already be due sooner). */
  async wakeBy(at: number): Promise<void> {
    const current = await this.host.storage.getAlarm();
    if (current === null || at < current) await this.host.storage.setAlarm(at);
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
        const unmarked = await catalogOf(this.host.env, addr.db).clearReplicaMark(addr.shard, copy, this.log.ackedSeq(copy), addr.epoch ?? 0);
        // A write that lagged meanwhile raised the note again: its own mark stands, so keep the note.
        if (unmarked) this.log.forgetMark(copy, noted);
      } catch (e) {
        this.log.setMeta("last_error", `${new Date().toISOString()} clearing the catalog mark of replica ${copy}: ${e instanceof Error ? e.message : String(e)}`);
        cleared = false;
      }
    }
    return cleared;
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
    await this.wakeBy(Date.now() + REPLICA_FORWARD_WAIT_MS);
    this.log.settleThrough(settled);
  }

  /** Marks the copies behind in the catalog, bounded in time; answers why it failed, or null. */
  private async recordMarks(addr: ShardAddress, lagging: ReadonlyArray<{ copy: number; since: number; through: number }>): Promise<string | null> {
    const catalog = catalogOf(this.host.env, addr.db);
    try {
      const fault = this.host.catalogMarkFault();
      if (fault !== null) throw new Error(fault);
      const marked = Promise.all(lagging.map((l) => catalog.markReplicaBehind(addr.shard, l.copy, l.since, l.through, addr.epoch ?? 0)));
      return (await within(marked, REPLICA_MARK_WAIT_MS)) === LATE ? `no answer within ${REPLICA_MARK_WAIT_MS} ms` : null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }
}

/**
 * The replica side: entries forwarded by the primary's outbox, applied in order, each once, in one
 * transaction that also records whether this copy now has everything up to the primary's head.
 */
export function applyReplicated(storage: DurableObjectStorage, engine: ShardEngine, log: ShardLog, addr: ShardAddress, entries: OutboxEntry[], headSeq: number): number {
  return inTransaction(storage, engine, log, () => {
    const applied = applyRecords(engine, log, addr, entries).applied.length;
    const last = entries[entries.length - 1]?.seq ?? 0;
    log.setMeta("behind", last >= headSeq ? null : `applied up to ${last} of ${headSeq}`);
    return applied;
  });
}
