// Restoring a database from a snapshot, in two phases so that nothing live changes unless the whole
// snapshot is sound: (1) the manifest is read and checked (format version, database, shard count),
// every shard object must exist at its recorded size, and every shard copy downloads its object into
// staging, verifying SHA-256 and the byte format; (2) only if all of that passed does every copy swap
// its tables in one transaction. A refusal drops the staged bytes and answers why.

import { catalogOf, shardStub } from "../../durable-objects/stubs";
import { SNAPSHOT_FORMAT_VERSION } from "../../durable-objects/shard/snapshot-codec";
import { ApiError, type ApiErrorData } from "../../contract/errors";
import type { RpcResult } from "../../contract/rpc-result";
import { shardAddress } from "../../contract/shard-rpc";
import type { DatabaseInfo } from "../../contract/schema";
import { MANIFEST_FILE, snapshotPrefix, type BackupLocation } from "../../durable-objects/shard/backup-objects";
import { MANIFEST_VERSION, parseManifest, type Manifest } from "../../durable-objects/shard/backup-manifest";

export interface RestoreReport {
  snapshot: string;
  location: BackupLocation;
  shards: number;
  copies: number;
  bytes: number;
  rows: number;
}

export async function restoreSnapshot(env: Env, info: DatabaseInfo, snapshot: string, location: BackupLocation): Promise<RestoreReport> {
  const bucket = location === "remote" ? env.BACKUPS_REMOTE : env.BACKUPS;
  const prefix = snapshotPrefix(info.id, snapshot, location);
  const manifest = await readManifest(bucket, prefix, info, snapshot);

  // Every object present at its recorded size before any shard downloads anything.
  const heads = await Promise.all(manifest.entries.map((e) => bucket.head(prefix + e.file)));
  manifest.entries.forEach((e, i) => {
    const h = heads[i];
    if (!h) throw new ApiError("BACKUP_INCOMPLETE", `snapshot ${snapshot} is incomplete: ${e.file} (shard ${e.shard}) is missing; nothing was restored`);
    if (h.size !== e.bytes) throw new ApiError("BACKUP_CORRUPT", `snapshot ${snapshot}: ${e.file} has ${h.size} bytes, the manifest says ${e.bytes}; nothing was restored`);
  });

  const job = `restore:${snapshot}:${crypto.randomUUID()}`;
  const lock = await catalogOf(env, info.id).beginRestore(job, snapshot, Date.now());
  if (lock.resharding) throw new ApiError("RESHARD_CONFLICT", "the database is being resharded; nothing was changed, restore once the reshard has finished");
  if (lock.running !== null) throw new ApiError("RESTORE_ALREADY_RUNNING", `a restore of snapshot ${lock.running} is running on this database; nothing was changed, retry once it has finished`);
  try {
    return await stageAndCommit(env, info, manifest, snapshot, location, prefix, job);
  } finally {
    await catalogOf(env, info.id).endRestore(job);
  }
}

/** Phase 1 (stage and verify on every copy) and phase 2 (commit everywhere), under the restore lock. */
async function stageAndCommit(env: Env, info: DatabaseInfo, manifest: Manifest, snapshot: string, location: BackupLocation, prefix: string, job: string): Promise<RestoreReport> {
  const copies = manifest.entries.flatMap((e) => Array.from({ length: info.replicas + 1 }, (_, copy) => ({ entry: e, addr: shardAddress(info, e.shard, copy) })));
  const staged = await Promise.all(
    copies.map(({ entry, addr }) => settle(() => shardStub(env, addr).stageRestore(addr, { job, location, key: prefix + entry.file, bytes: entry.bytes, sha256: entry.sha256 }))),
  );
  const refused = copies.map((c, i) => ({ ...c, r: staged[i]! })).filter((x) => !x.r.ok);
  if (refused.length > 0) {
    await Promise.all(
      copies.map(({ addr }) =>
        shardStub(env, addr)
          .abortRestore(addr, job)
          .catch(() => undefined),
      ),
    );
    const first = refused[0]!.r as { ok: false; error: ApiErrorData };
    const name = refused.every((x) => !x.r.ok && x.r.error.name === "BACKUP_INCOMPLETE") ? "BACKUP_INCOMPLETE" : first.error.name.startsWith("BACKUP_") ? first.error.name : "BACKUP_FAILED";
    const detail = refused.map((x) => `shard ${x.addr.shard} copy ${x.addr.copy}: ${x.r.ok ? "" : x.r.error.message}`).join("; ");
    throw new ApiError(name, `snapshot ${snapshot} was refused, nothing was restored: ${detail}`, { snapshot });
  }

  // Phase 2. Each copy commits atomically; a failure here (after every check passed) is reported
  // with the copies it hit so the operator can run the same restore again.
  const committed = await Promise.all(copies.map(({ addr }) => settle(() => shardStub(env, addr).commitRestore(addr, job))));
  const failed = copies.map((c, i) => ({ ...c, r: committed[i]! })).filter((x) => !x.r.ok);
  if (failed.length > 0) {
    const detail = failed.map((x) => `shard ${x.addr.shard} copy ${x.addr.copy}: ${x.r.ok ? "" : x.r.error.message}`).join("; ");
    throw new ApiError(
      "BACKUP_FAILED",
      `snapshot ${snapshot} was verified but ${failed.length} of ${copies.length} shard copies could not apply it (${detail}); the others were restored: run the restore again`,
      { snapshot },
    );
  }
  // Every copy now holds the snapshot, and outbox sequence numbers restart from it: no replica is behind.
  await catalogOf(env, info.id).clearReplicaMarks();
  let rows = 0;
  for (const [i, c] of copies.entries()) if (c.addr.copy === 0) rows += (committed[i] as { ok: true; value: { rows: number } }).value.rows;
  return { snapshot, location, shards: manifest.shards, copies: copies.length, bytes: manifest.totalBytes, rows };
}

async function readManifest(bucket: R2Bucket, prefix: string, info: DatabaseInfo, snapshot: string): Promise<Manifest> {
  const obj = await bucket.get(prefix + MANIFEST_FILE);
  if (!obj) {
    const any = await bucket.list({ prefix, limit: 1 });
    if (any.objects.length > 0) throw new ApiError("BACKUP_INCOMPLETE", `snapshot ${snapshot} is incomplete (it has no manifest: never finished, or being pruned); nothing was restored`);
    throw new ApiError("BACKUP_NOT_FOUND", `database ${info.id} has no snapshot '${snapshot}'`);
  }
  const parsed = parseManifest(await obj.text());
  if (!parsed.ok) throw new ApiError("BACKUP_CORRUPT", `snapshot ${snapshot}: ${parsed.message}; nothing was restored`);
  const m = parsed.manifest;
  if (m.manifestVersion !== MANIFEST_VERSION)
    throw new ApiError("BACKUP_INCOMPATIBLE", `snapshot ${snapshot}: manifest version ${m.manifestVersion} is not supported (this build reads ${MANIFEST_VERSION})`);
  if (m.formatVersion !== SNAPSHOT_FORMAT_VERSION)
    throw new ApiError("BACKUP_INCOMPATIBLE", `snapshot ${snapshot}: storage format version ${m.formatVersion} is not supported (this build reads ${SNAPSHOT_FORMAT_VERSION}); nothing was restored`);
  if (m.database !== info.id || m.snapshot !== snapshot) throw new ApiError("BACKUP_CORRUPT", `snapshot ${snapshot}: its manifest names ${m.database}/${m.snapshot}; nothing was restored`);
  if (m.shards !== info.shards)
    throw new ApiError("BACKUP_INCOMPATIBLE", `snapshot ${snapshot} has ${m.shards} shards but the database has ${info.shards}; entities would route to the wrong shards, so nothing was restored`);
  const covered = new Set(m.entries.map((e) => e.shard));
  for (let s = 0; s < m.shards; s++) if (!covered.has(s)) throw new ApiError("BACKUP_INCOMPLETE", `snapshot ${snapshot}: the manifest lists no object for shard ${s}; nothing was restored`);
  if (m.entries.length !== m.shards) throw new ApiError("BACKUP_CORRUPT", `snapshot ${snapshot}: the manifest lists ${m.entries.length} objects for ${m.shards} shards`);
  return m;
}

async function settle<T>(call: () => Promise<RpcResult<T>>): Promise<RpcResult<T>> {
  try {
    return await call();
  } catch (e) {
    return { ok: false, error: { name: "BACKUP_FAILED", message: e instanceof Error ? e.message : String(e) } };
  }
}
