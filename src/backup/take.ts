// An on-demand snapshot (the operator's POST .../backup): every primary shard writes its object
// now, in parallel, and the manifest follows; the answer comes once the snapshot is complete.

import { shardStub } from "../../durable-objects/stubs";
import { ApiError } from "../../contract/errors";
import { shardAddress } from "../../contract/shard-rpc";
import type { DatabaseInfo } from "../../contract/schema";
import { manualSnapshotId } from "../../durable-objects/shard/backup-objects";
import { finalizeSnapshot, type Manifest } from "../../durable-objects/shard/backup-manifest";

export async function takeSnapshot(env: Env, info: DatabaseInfo, now = Date.now()): Promise<Manifest> {
  const snapshot = manualSnapshotId(now);
  const job = { db: info.id, snapshot, shards: info.shards };
  const results = await Promise.all(
    Array.from({ length: info.shards }, async (_, shard) => {
      const addr = shardAddress(info, shard, 0);
      try {
        return { shard, result: await shardStub(env, addr).backup(addr, job) };
      } catch (e) {
        return { shard, result: { ok: false as const, error: { name: "BACKUP_FAILED" as const, message: e instanceof Error ? e.message : String(e) } } };
      }
    }),
  );
  const failed = results.filter((r) => !r.result.ok);
  if (failed.length > 0) {
    const detail = failed.map((f) => `shard ${f.shard}: ${f.result.ok ? "" : f.result.error.message}`).join("; ");
    throw new ApiError("BACKUP_FAILED", `snapshot ${snapshot} is incomplete: ${failed.length} of ${info.shards} shards could not write it (${detail})`, { snapshot });
  }
  const manifest = await finalizeSnapshot(env.BACKUPS, info.id, snapshot, info.shards);
  if (!manifest) throw new ApiError("BACKUP_FAILED", `snapshot ${snapshot}: every shard reported its object but the manifest could not be written`, { snapshot });
  return manifest;
}
