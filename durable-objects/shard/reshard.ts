// A shard copy's part in a reshard (durable-objects/reshard/driver.ts moves the data): the hold the
// catalog puts on an old primary, and the forwarding of inserts that reach it once it is retired.
//
// "frozen": the shard refuses every write (inserts stay in the intake and the queue, which retry them;
// deletes and updates answer 3401), so the export pages the catalog reads form one consistent copy.
// "retired": the new layout is published. The shard never applies anything again; an insert packed
// for it (a message queued before the cut-over, or by an isolate whose schema is a few seconds old)
// is either already applied here, and so already in the copy, or re-packed for the new layout under
// derived record ids, so a message forwarded twice (queue and intake) still lands once.

import { ApiError } from "../../contract/errors";
import type { EntityWrite } from "../../contract/plan";
import { entitiesOf, type AnyIngestMessage, type IngestMessage } from "../../contract/queue-messages";
import type { DatabaseInfo } from "../../contract/schema";
import { shardOf } from "../../contract/shard-of";
import { shardAddress, type ShardAddress } from "../../contract/shard-rpc";
import { shardStub } from "../stubs";
import { notYetApplied, type ApplyOutcome } from "./apply";
import type { ShardLog } from "./log";

export interface ReshardHold {
  state: "frozen" | "retired";
  /** The epoch of the layout being built (frozen) or published (retired). */
  toEpoch: number;
  /** Retired: the database as published, to address the new layout's primaries. */
  target: DatabaseInfo | null;
  since: string;
}

const META = "reshard_hold";

export function reshardHold(log: ShardLog): ReshardHold | null {
  const text = log.getMeta(META);
  return text === null ? null : (JSON.parse(text) as ReshardHold);
}

/** Freezes for a move to `toEpoch` (idempotent). A retired shard stays retired: its layout is gone for good. */
export function freeze(log: ShardLog, toEpoch: number): ReshardHold {
  const held = reshardHold(log);
  if (held?.state === "retired") return held;
  if (held?.state === "frozen" && held.toEpoch === toEpoch) return held;
  const hold: ReshardHold = { state: "frozen", toEpoch, target: null, since: new Date().toISOString() };
  log.setMeta(META, JSON.stringify(hold));
  return hold;
}

/** Lifts a freeze for `toEpoch` (a cancelled move); answers whether one was lifted. */
export function thaw(log: ShardLog, toEpoch: number): boolean {
  const held = reshardHold(log);
  if (held?.state !== "frozen" || held.toEpoch !== toEpoch) return false;
  log.setMeta(META, null);
  return true;
}

export function retire(log: ShardLog, target: DatabaseInfo): void {
  const held = reshardHold(log);
  if (held?.state === "retired" && held.toEpoch === target.epoch) return;
  log.setMeta(META, JSON.stringify({ state: "retired", toEpoch: target.epoch ?? 0, target, since: new Date().toISOString() } satisfies ReshardHold));
}

/**
 * How a held shard answers a write it will not apply (nothing was changed). Frozen: retry in a
 * moment. Retired: the caller's schema is older than the published layout; the Worker reads the
 * schema again and sends the request to the new layout (src/query/current-layout.ts).
 */
export function heldWrite(addr: ShardAddress, hold: ReshardHold): ApiError {
  if (hold.state === "retired") return retiredLayout(addr, hold);
  return new ApiError("RESHARD_IN_PROGRESS", `shard ${addr.shard} is being copied to the layout of epoch ${hold.toEpoch}: nothing was changed; send the change again in a moment`);
}

/** A retired shard's answer to a query or a delete/update: its data lives in the layout of epoch `toEpoch` now. */
export function retiredLayout(addr: ShardAddress, hold: ReshardHold): ApiError {
  return new ApiError("LAYOUT_RETIRED", `shard ${addr.shard} of epoch ${addr.epoch ?? 0} was replaced by the layout of epoch ${hold.toEpoch}: nothing was changed; send the request again`);
}

/** The record id a message's entities for `target` shard of epoch `epoch` take: the same however often it is forwarded. */
export function forwardedRecordId(recordId: string, epoch: number, target: number): string {
  return `${recordId}>e${epoch}/${target}`;
}

/**
 * Forwards the messages this retired shard has not applied to the primaries of the new layout, in
 * order, one call per target shard; they are then remembered as applied here (so ?wait=true and a
 * repeated delivery see them done). Throws when a target refuses: the caller retries them all.
 */
export async function forwardToLayout(env: Env, log: ShardLog, transact: (work: () => void) => void, target: DatabaseInfo, messages: readonly AnyIngestMessage[]): Promise<ApplyOutcome> {
  const { fresh, skipped } = notYetApplied(log, messages);
  const byTarget = new Map<number, IngestMessage[]>();
  const entityCounts = new Map<string, number>();
  for (const m of fresh) {
    const parts = new Map<number, EntityWrite[]>();
    const entities = entitiesOf(m);
    entityCounts.set(m.recordId, entities.length);
    for (const e of entities) {
      const t = shardOf(e.dimension, e.id, target.shards);
      let list = parts.get(t);
      if (!list) parts.set(t, (list = []));
      list.push(e);
    }
    for (const [t, list] of parts) {
      let queue = byTarget.get(t);
      if (!queue) byTarget.set(t, (queue = []));
      const forwarded: IngestMessage = { v: 2, db: m.db, shard: t, replicas: target.replicas, recordId: forwardedRecordId(m.recordId, target.epoch ?? 0, t), entitiesJson: JSON.stringify(list) };
      if (target.epoch) forwarded.epoch = target.epoch;
      queue.push(forwarded);
    }
  }
  await Promise.all(
    [...byTarget].map(async ([t, msgs]) => {
      const addr = shardAddress(target, t, 0);
      const result = await shardStub(env, addr).apply(addr, msgs);
      if (!result.ok) throw ApiError.from(result.error);
    }),
  );
  transact(() => {
    for (const m of fresh) log.markApplied(m.recordId, entityCounts.get(m.recordId) ?? 0);
  });
  return { applied: fresh.map((m) => m.recordId), skipped };
}
