// Applying changes to a shard copy exactly once: every record id is checked against the applied
// ids and marked in the same storage transaction as the engine's writes, and on the primary the
// change joins the outbox its replicas are fed from. A rolled-back transaction drops the engine's
// caches, which may hold writes storage no longer has.

import type { Mutation } from "../../contract/plan";
import type { ShardAddress } from "../../contract/shard-rpc";
import type { ShardEngine } from "../../engine/engine";
import type { ShardLog } from "./log";

export interface ApplyOutcome {
  applied: string[];
  skipped: string[];
}

export interface ShardRecord {
  recordId: string;
  mutation: Mutation;
}

/** One storage transaction around engine writes; on rollback the in-memory state is forgotten before the error goes on. */
export function inTransaction<T>(storage: DurableObjectStorage, engine: ShardEngine | null, log: ShardLog, work: () => T): T {
  try {
    return storage.transactionSync(work);
  } catch (e) {
    engine?.dropCaches();
    log.forgetMemo();
    throw e;
  }
}

/**
 * Applies records in order, each record id once (already applied, or repeated within the batch, is
 * skipped), with one engine flush for the whole batch. Runs inside the caller's transaction.
 */
export function applyRecords(engine: ShardEngine, log: ShardLog, addr: ShardAddress, records: ReadonlyArray<ShardRecord>): ApplyOutcome {
  const { fresh, skipped } = notYetApplied(log, records);
  const outcomes = engine.applyAll(fresh.map((r) => r.mutation));
  fresh.forEach((r, i) => recordApplied(log, addr, r, outcomes[i]!.entities));
  return { applied: fresh.map((r) => r.recordId), skipped };
}

/** Splits records into those to apply (first time, first in the batch) and the ids to skip (applied, or repeated in the batch). */
export function notYetApplied<R extends { recordId: string }>(log: ShardLog, records: ReadonlyArray<R>): { fresh: R[]; skipped: string[] } {
  const fresh: R[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.recordId) || log.isApplied(r.recordId)) skipped.push(r.recordId);
    else fresh.push(r);
    seen.add(r.recordId);
  }
  return { fresh, skipped };
}

/** Applies one record unless its id was applied; answers the entities it touched, or null if skipped. */
export function applyOnce(engine: ShardEngine, log: ShardLog, addr: ShardAddress, record: ShardRecord): number | null {
  if (log.isApplied(record.recordId)) return null;
  const outcome = engine.apply(record.mutation);
  recordApplied(log, addr, record, outcome.entities);
  return outcome.entities;
}

/** Marks a record applied (same transaction as its data) and, on a primary, queues it for the replicas. */
function recordApplied(log: ShardLog, addr: ShardAddress, record: ShardRecord, entities: number): void {
  log.markApplied(record.recordId, entities);
  if (addr.copy === 0 && addr.replicas > 0) log.appendOutbox(record.recordId, record.mutation);
}
