// The durable intake (docs/security.md, "Acknowledged inserts"): an insert is acknowledged only once
// its messages sit here, in SQLite, so the answer never depends on a queue alone (local queues live
// in memory and vanish when `wrangler dev` stops). The queue stays the fast path; this object's alarm
// looks again INTAKE_SETTLE_MS later and applies on the primary shard copy whatever is still held:
// shards skip record ids they already applied, so a message both paths deliver is applied once.
// A shard that keeps refusing is retried with capped backoff, forever; after
// INTAKE_DEAD_LETTER_ATTEMPTS a dead letter is recorded so the operator sees it. Alarms are stored
// with the object, so a restart of the server resumes the drain.

import { DurableObject } from "cloudflare:workers";
import type { OutgoingIngestMessage } from "../../contract/queue-messages";
import {
  INTAKE_ALARM_OVERDUE_MS,
  INTAKE_APPLY_MESSAGES_MAX,
  INTAKE_DEAD_LETTER_ATTEMPTS,
  INTAKE_DRAIN_MESSAGES_MAX,
  INTAKE_DRAIN_RETRY_MS,
  INTAKE_RETRY_DELAY_MAX_MS,
  INTAKE_SETTLE_MS,
} from "../../contract/limits";
import { shardAddress } from "../../contract/shard-rpc";
import { IntakeStore, type HeldMessage, type IntakeCounts } from "./intake-store";
import { openMessage } from "../ingest-seal";
import { secretsOf } from "../shard/data-key";
import { catalogOf, directoryOf, shardStub } from "../stubs";

export class IntakeDO extends DurableObject<Env> {
  private readonly store: IntakeStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new IntakeStore(ctx.storage.sql);
  }

  /** Holds an acknowledged insert's messages; answers once they are stored (the output gate waits for the write). */
  async accept(messages: OutgoingIngestMessage[]): Promise<void> {
    const now = Date.now();
    this.store.hold(messages, now, now + INTAKE_SETTLE_MS);
    await this.wakeBy(now + INTAKE_SETTLE_MS);
  }

  /** The queue refused these messages: apply them now rather than after the settle time. */
  async expedite(recordIds: string[]): Promise<void> {
    const now = Date.now();
    this.store.expedite(recordIds, now);
    await this.wakeBy(now);
  }

  /** Whether a message is still held (not yet known applied by its primary). */
  async holds(recordId: string): Promise<boolean> {
    return this.store.holds(recordId);
  }

  /** What is held, for health; also re-arms a drain that lost its alarm. */
  async counts(): Promise<IntakeCounts> {
    await this.resume();
    return this.store.counts();
  }

  /**
   * Makes sure held messages have an alarm. The alarm is stored with the object and normally
   * survives restarts; this is the second line for one lost anyway (the Worker calls it once per
   * isolate and database, see src/ingest/resume-intake.ts), and costs one read when nothing is held.
   */
  async resume(): Promise<void> {
    const next = this.store.nextDueAt();
    if (next !== null) await this.wakeBy(next);
  }

  /**
   * Applies what is due, shard by shard in acceptance order, then sleeps until the next due message.
   * It never throws: workerd gives up an alarm after six failed retries, which would leave held
   * messages without a drain until the next insert. A failed run is retried by our own alarm.
   */
  override async alarm(): Promise<void> {
    let next: number | null;
    try {
      const due = this.store.due(Date.now(), INTAKE_DRAIN_MESSAGES_MAX);
      const byShard = new Map<string, HeldMessage[]>();
      for (const h of due) {
        const key = `${h.message.db}/${h.message.epoch ?? 0}/${h.message.shard}`;
        let list = byShard.get(key);
        if (!list) byShard.set(key, (list = []));
        list.push(h);
      }
      const drained = await Promise.allSettled([...byShard.values()].map((held) => this.drainShard(held)));
      for (const d of drained) if (d.status === "rejected") console.error(`intake: a drain failed and is retried: ${errorText(d.reason)}`);
      const failed = drained.some((d) => d.status === "rejected");
      next = due.length === INTAKE_DRAIN_MESSAGES_MAX ? Date.now() : this.store.nextDueAt();
      if (failed && next !== null) next = Math.max(next, Date.now() + INTAKE_DRAIN_RETRY_MS);
    } catch (e) {
      console.error(`intake: a drain failed and is retried: ${errorText(e)}`);
      next = Date.now() + INTAKE_DRAIN_RETRY_MS;
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  private async drainShard(held: HeldMessage[]): Promise<void> {
    const { db, shard, epoch } = held[0]!.message;
    const info = await directoryOf(this.env).get(db);
    if (info === null) {
      // The database was deleted after the insert was acknowledged: its data went with it.
      this.store.release(held.map((h) => h.message.recordId));
      console.warn(`intake: ${held.length} held message(s) of deleted database ${db} dropped`);
      return;
    }
    // With its placement (a jurisdiction is part of the id), in the layout it was packed for: a shard a
    // reshard retired forwards it to the current one.
    const addr = shardAddress(info, shard, 0, epoch ?? 0);
    const secrets = secretsOf(this.env);
    for (let i = 0; i < held.length; i += INTAKE_APPLY_MESSAGES_MAX) {
      const part = held.slice(i, i + INTAKE_APPLY_MESSAGES_MAX);
      // One that cannot be opened (its secret is gone) must not hold back the others forever: it is
      // retried alone and ends as a dead letter, as the queue consumer does with it.
      const opened = await Promise.all(
        part.map((h) =>
          openMessage(secrets, h.message).then(
            (body) => ({ h, body, error: null }),
            (e: unknown) => ({ h, body: null, error: errorText(e) }),
          ),
        ),
      );
      for (const o of opened) if (o.error !== null) await this.postpone([o.h], o.error);
      const sendable = opened.filter((o) => o.body !== null);
      if (sendable.length === 0) continue;
      let failure: string | null = null;
      try {
        const result = await shardStub(this.env, addr).apply(
          addr,
          sendable.map((o) => o.body!),
        );
        if (result.ok) this.store.release([...result.value.applied, ...result.value.skipped]);
        else failure = result.error.message;
      } catch (e) {
        failure = errorText(e);
      }
      if (failure !== null) {
        await this.postpone(
          sendable.map((o) => o.h),
          failure,
        );
        // Later messages of this shard wait too: applying them first would reorder the inserts.
        await this.postpone(held.slice(i + INTAKE_APPLY_MESSAGES_MAX), failure, false);
        return;
      }
    }
  }

  private async postpone(part: HeldMessage[], failure: string, counted = true): Promise<void> {
    if (part.length === 0) return;
    const { db, shard } = part[0]!.message;
    console.warn(`intake: shard ${db}/${shard} refused ${part.length} held message(s), retried later: ${failure}`);
    for (const h of part) {
      const attempts = h.attempts + (counted ? 1 : 0);
      this.store.postpone(h.message.recordId, Date.now() + Math.min(INTAKE_RETRY_DELAY_MAX_MS, 1000 * 2 ** attempts), counted);
      if (counted && attempts >= INTAKE_DEAD_LETTER_ATTEMPTS && !h.deadLettered) {
        const letter = { at: new Date().toISOString(), recordId: h.message.recordId, shard, error: `still held by the intake after ${attempts} attempts (retries go on): ${failure}` };
        if (await catalogOf(this.env, db).recordDeadLetter(letter)) {
          this.store.markDeadLettered(h.message.recordId);
          console.error(`intake: record ${h.message.recordId} of shard ${db}/${shard} dead-lettered; the intake keeps retrying it`);
        }
      }
    }
  }

  /** Makes sure the alarm fires no later than `at`. */
  private async wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    // An alarm long overdue did not fire (it should run within moments of its time): set it again.
    const stale = current !== null && current < Date.now() - INTAKE_ALARM_OVERDUE_MS;
    if (current === null || current > at || stale) await this.ctx.storage.setAlarm(Math.max(at, Date.now()));
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
