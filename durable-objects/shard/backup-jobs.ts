// The shard's side of backup and restore as jobs: a snapshot now (the operator's request), one the
// hourly cron asked for (run by the alarm, retried with backoff, the manifest written by whichever
// shard finishes last), and the two phases of a restore (stage and verify, then swap in one transaction)
// with the write fence that keeps changes from landing between them (and being wiped by the swap).

import { ApiError } from "../../contract/errors";
import { BACKUP_ATTEMPTS_MAX, BACKUP_RETRY_MAX_MS, RESTORE_FENCE_MAX_MS } from "../../contract/limits";
import type { ShardAddress } from "../../contract/shard-rpc";
import { createShardEngine } from "../../engine/select";
import { backupShard, commitRestore, stageRestore, type BackupJob, type RestoreSource, type TransferSizes } from "./backup";
import { finalizeSnapshot, type ManifestEntry } from "./backup-manifest";
import type { KeyedEngine } from "./keyed-engine";
import { ShardLog } from "./log";
import type { SnapshotSummary } from "./snapshot-codec";

export interface BackupHost {
  readonly env: Env;
  readonly storage: DurableObjectStorage;
  readonly engine: KeyedEngine;
  log(): ShardLog;
  /** Test hook: transfer sizes (undefined: the production limits). */
  sizes(): TransferSizes | undefined;
}

/** Writes this shard's snapshot object now; answers its manifest entry. */
export async function backupNow(host: BackupHost, addr: ShardAddress, job: BackupJob): Promise<ManifestEntry> {
  await host.engine.ready(addr);
  const entry = await backupShard(host.storage, host.env.BACKUPS, job, addr.shard, host.sizes(), host.engine.backupSeal);
  host.log().setMeta("last_backup_at", entry.takenAt);
  return entry;
}

/** Remembers a job for the alarm (the cron's cheap ask) and makes the alarm due now. */
export async function requestBackup(host: BackupHost, job: BackupJob): Promise<void> {
  host.log().setMeta("backup_pending", JSON.stringify(job));
  host.log().setMeta("backup_attempts", null);
  const at = await host.storage.getAlarm();
  if (at === null || at > Date.now()) await host.storage.setAlarm(Date.now());
}

/** Runs the backup the cron asked for; answers when to retry, or null when done or given up. */
export async function runPendingBackup(host: BackupHost): Promise<number | null> {
  const log = host.log();
  const pending = log.getMeta("backup_pending");
  const addr = log.identity();
  if (!pending || !addr) return null;
  const job = JSON.parse(pending) as BackupJob;
  try {
    await backupNow(host, addr, job);
    await finalizeSnapshot(host.env.BACKUPS, job.db, job.snapshot, job.shards);
    if (log.getMeta("backup_pending") === pending) log.setMeta("backup_pending", null);
    log.setMeta("backup_attempts", null);
    return null;
  } catch (e) {
    const attempts = Number(log.getMeta("backup_attempts") ?? "0") + 1;
    log.setMeta("last_error", `${new Date().toISOString()} backup ${job.snapshot} attempt ${attempts}: ${e instanceof Error ? e.message : String(e)}`);
    if (attempts >= BACKUP_ATTEMPTS_MAX) {
      log.setMeta("backup_pending", null); // the next hour's snapshot starts afresh
      log.setMeta("backup_attempts", null);
      return null;
    }
    log.setMeta("backup_attempts", String(attempts));
    return Date.now() + Math.min(BACKUP_RETRY_MAX_MS, 1000 * 2 ** attempts);
  }
}

/** Restore, phase 1: fetch and verify a snapshot object into staging; live tables untouched. */
export async function stageRestoreJob(host: BackupHost, addr: ShardAddress, src: RestoreSource): Promise<SnapshotSummary> {
  const bucket = src.location === "remote" ? host.env.BACKUPS_REMOTE : host.env.BACKUPS;
  // The write fence, before anything is fetched: a change applied from now until the commit would be
  // wiped by it, so writes are refused meanwhile (restoreFence) and queued inserts retry after it.
  host.log().setMeta(RESTORE_FENCE, JSON.stringify({ job: src.job, at: Date.now() }));
  await host.engine.ready(addr);
  return stageRestore(host.storage, bucket, src, undefined, host.engine.backupSeal);
}

/**
 * Restore, phase 2: every table swapped for the staged snapshot in one transaction. This copy's own
 * shard_meta (identity, faults, errors, backups) is kept; nothing is owed to the replicas any more,
 * since every copy now holds the snapshot's state. Answers the new bookkeeping and summary; the
 * engine is replaced by one built over the new tables.
 */
export async function commitRestoreJob(host: BackupHost, addr: ShardAddress, job: string): Promise<{ summary: SnapshotSummary; log: ShardLog }> {
  await host.engine.ready(addr);
  const cipher = host.engine.cipher;
  const sql = host.storage.sql;
  const local = sql.exec(`SELECT key, value FROM shard_meta WHERE key <> 'schema_version'`).toArray();
  const { summary, after } = commitRestore(host.storage, job, () => {
    sql.exec(`DELETE FROM shard_meta WHERE key <> 'schema_version'`);
    for (const r of local) sql.exec(`INSERT INTO shard_meta (key, value) VALUES (?, ?)`, r["key"], r["value"]);
    sql.exec(`DELETE FROM shard_outbox`);
    sql.exec(`DELETE FROM shard_outbox_acks`);
    const log = new ShardLog(sql); // migrates a snapshot taken by an older build
    log.useCipher(cipher);
    log.identify(addr);
    log.resetReplication(addr.replicas);
    log.setMeta("last_restore", `${new Date().toISOString()} ${job}`);
    log.setMeta(RESTORE_FENCE, null); // lifted with the swap, in the same transaction
    return { log, engine: createShardEngine(sql, cipher) }; // seals a plaintext (older) snapshot's segments
  });
  host.engine.replace(after.engine);
  return { summary, log: after.log };
}

// ---- the restore's write fence ----------------------------------------------------------------

const RESTORE_FENCE = "restoring";

/**
 * The restore staged on this copy, as health shows it, or null. A fence older than
 * RESTORE_FENCE_MAX_MS belongs to a restore that died between its phases: it no longer holds.
 */
export function restoreFence(log: ShardLog, now = Date.now()): string | null {
  const raw = log.getMeta(RESTORE_FENCE);
  if (raw === null) return null;
  const fence = JSON.parse(raw) as { job: string; at: number };
  if (now - fence.at > RESTORE_FENCE_MAX_MS) return null;
  return `${fence.job} since ${new Date(fence.at).toISOString()}`;
}

/** Lifts the fence of `job` (the restore was aborted: live data unchanged). */
export function liftRestoreFence(log: ShardLog, job: string): void {
  const raw = log.getMeta(RESTORE_FENCE);
  if (raw !== null && (JSON.parse(raw) as { job: string }).job === job) log.setMeta(RESTORE_FENCE, null);
}

/** The refusal of a write while fenced: nothing was changed, and the write may be sent again after the restore. */
export function fencedWrite(addr: ShardAddress, fence: string): ApiError {
  return new ApiError("RESTORE_IN_PROGRESS", `shard ${addr.shard} copy ${addr.copy} is being restored (${fence}): nothing was changed; send the change again once the restore has finished`);
}
