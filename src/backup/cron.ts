// The hourly cron's plan. It stays cheap whatever the fleet: one short call per primary shard
// (which backs itself up from its alarm and writes the manifest if it finishes last), then per
// database one listing per bucket to finish stragglers' manifests, make the daily copy, and prune.

import { directoryOf, shardStub } from "../../durable-objects/stubs";
import { BACKUP_CRON_COPY_BUDGET_MS, BACKUP_CRON_SHARD_CALLS_IN_FLIGHT, BACKUP_DAILY_KEEP_DEFAULT, BACKUP_HOURLY_KEEP_DEFAULT, BACKUP_R2_CALLS_IN_FLIGHT } from "../../contract/limits";
import { shardAddress } from "../../contract/shard-rpc";
import type { DatabaseInfo } from "../../contract/schema";
import { copySnapshot, dueForDailyCopy } from "./daily";
import { hourlySnapshotId } from "../../durable-objects/shard/backup-objects";
import { listSnapshots } from "./listing";
import { finalizeSnapshot } from "../../durable-objects/shard/backup-manifest";
import { keepCount, prune } from "./retention";
import { log } from "../log";

export interface CronReport {
  snapshot: string;
  databases: number;
  shardsAsked: number;
  failures: string[];
  finalized: string[];
  dailyCopies: string[];
  pruned: string[];
}

export async function runScheduledBackups(env: Env, scheduledTime: number, now: () => number = Date.now): Promise<CronReport> {
  const started = now();
  const snapshot = hourlySnapshotId(scheduledTime);
  const databases = await directoryOf(env).list();
  const report: CronReport = { snapshot, databases: databases.length, shardsAsked: 0, failures: [], finalized: [], dailyCopies: [], pruned: [] };

  const asks = databases.flatMap((info) => Array.from({ length: info.shards }, (_, shard) => ({ info, shard })));
  await pool(asks, BACKUP_CRON_SHARD_CALLS_IN_FLIGHT, async ({ info, shard }) => {
    const addr = shardAddress(info, shard, 0);
    try {
      await shardStub(env, addr).requestBackup(addr, { db: info.id, snapshot, shards: info.shards });
      report.shardsAsked++;
    } catch (e) {
      report.failures.push(`${info.id} shard ${shard}: ${message(e)}`);
    }
  });

  const hourlyKeep = keepCount(env.BACKUP_HOURLY_KEEP, BACKUP_HOURLY_KEEP_DEFAULT);
  const dailyKeep = keepCount(env.BACKUP_DAILY_KEEP, BACKUP_DAILY_KEEP_DEFAULT);
  await pool(databases, BACKUP_R2_CALLS_IN_FLIGHT, async (info) => {
    try {
      await maintain(env, info, report, { hourlyKeep, dailyKeep, copyAllowed: () => now() - started < BACKUP_CRON_COPY_BUDGET_MS, now: now() });
    } catch (e) {
      report.failures.push(`${info.id}: ${message(e)}`);
    }
  });
  for (const f of report.failures) log("error", "backup cron failure", { snapshot, error: f });
  return report;
}

interface MaintainOptions {
  hourlyKeep: number;
  dailyKeep: number;
  copyAllowed: () => boolean;
  now: number;
}

/** One database's bucket housekeeping; each step is idempotent, so a failed run is redone next hour. */
async function maintain(env: Env, info: DatabaseInfo, report: CronReport, o: MaintainOptions): Promise<void> {
  let local = await listSnapshots(env.BACKUPS, info.id, "local");
  // A shard that finished last but died before writing the manifest leaves every object in place.
  let changed = false;
  for (const s of local) {
    if (s.manifest === null && s.shards.size >= info.shards && (await finalizeSnapshot(env.BACKUPS, info.id, s.id, info.shards))) {
      report.finalized.push(`${info.id}/${s.id}`);
      changed = true;
    }
  }
  if (changed) local = await listSnapshots(env.BACKUPS, info.id, "local");
  let remote = await listSnapshots(env.BACKUPS_REMOTE, info.id, "remote");
  const due = dueForDailyCopy(local, remote);
  if (due && o.copyAllowed()) {
    await copySnapshot(env.BACKUPS, env.BACKUPS_REMOTE, info.id, due.id);
    report.dailyCopies.push(`${info.id}/${due.id}`);
    remote = await listSnapshots(env.BACKUPS_REMOTE, info.id, "remote");
  }
  for (const id of await prune(env.BACKUPS, local, o.hourlyKeep, o.now)) report.pruned.push(`${info.id}/${id}`);
  for (const id of await prune(env.BACKUPS_REMOTE, remote, o.dailyKeep, o.now)) report.pruned.push(`${info.id}/daily/${id}`);
}

/** Runs `work` over `items` with at most `width` in flight. */
export async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
