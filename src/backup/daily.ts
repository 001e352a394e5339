// The daily second copy: the newest complete snapshot of a database goes to BACKUPS_REMOTE once the
// newest copy there is a day older. Time-based rather than "at hour 0", so a missed or failed run is
// caught up by the next one. Every object is re-hashed on the way: a corrupt snapshot is not copied.

import { ApiError } from "../../contract/errors";
import { BACKUP_DAILY_INTERVAL_MS, BACKUP_PART_BYTES, BACKUP_SINGLE_PUT_BYTES_MAX } from "../../contract/limits";
import { MANIFEST_FILE, snapshotPrefix } from "../../durable-objects/shard/backup-objects";
import { complete, type SnapshotListing } from "./listing";
import { parseManifest } from "../../durable-objects/shard/backup-manifest";
import { toHex } from "../../durable-objects/shard/backup";

/** The snapshot a daily copy is due for, or null. */
export function dueForDailyCopy(local: SnapshotListing[], remote: SnapshotListing[]): SnapshotListing | null {
  const newest = complete(local)[0];
  if (!newest) return null;
  const copied = complete(remote)[0];
  if (copied && (copied.id === newest.id || newest.time - copied.time < BACKUP_DAILY_INTERVAL_MS)) return null;
  return newest;
}

/** Copies one complete snapshot from `src` to the daily area of `dst`: shard objects first, manifest last. */
export async function copySnapshot(src: R2Bucket, dst: R2Bucket, db: string, id: string, partBytes = BACKUP_PART_BYTES): Promise<number> {
  const from = snapshotPrefix(db, id, "local");
  const to = snapshotPrefix(db, id, "remote");
  const manifestObj = await src.get(from + MANIFEST_FILE);
  if (!manifestObj) throw new ApiError("BACKUP_INCOMPLETE", `snapshot ${id} has no manifest`);
  const manifestText = await manifestObj.text();
  const parsed = parseManifest(manifestText);
  if (!parsed.ok) throw new ApiError("BACKUP_CORRUPT", `snapshot ${id}: ${parsed.message}`);
  let bytes = 0;
  for (const e of parsed.manifest.entries) {
    await copyObject(src, dst, from + e.file, to + e.file, e.sha256, partBytes);
    bytes += e.bytes;
  }
  await dst.put(to + MANIFEST_FILE, manifestText, { httpMetadata: manifestObj.httpMetadata, customMetadata: manifestObj.customMetadata });
  return bytes;
}

async function copyObject(src: R2Bucket, dst: R2Bucket, fromKey: string, toKey: string, sha256: string, partBytes: number): Promise<void> {
  const head = await src.head(fromKey);
  if (!head) throw new ApiError("BACKUP_INCOMPLETE", `${fromKey} is missing`);
  if (head.size <= BACKUP_SINGLE_PUT_BYTES_MAX) {
    const obj = await src.get(fromKey);
    if (!obj) throw new ApiError("BACKUP_INCOMPLETE", `${fromKey} is missing`);
    const body = await obj.arrayBuffer();
    const got = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", body)));
    if (got !== sha256) throw new ApiError("BACKUP_CORRUPT", `${fromKey} fails its SHA-256 check; not copied`);
    await dst.put(toKey, body, { customMetadata: head.customMetadata, sha256 });
    return;
  }
  // Ranged reads into equal parts: memory stays at one part, and no single PUT exceeds R2's limit.
  const upload = await dst.createMultipartUpload(toKey, { customMetadata: head.customMetadata });
  try {
    const digest = new crypto.DigestStream("SHA-256");
    const hashing = digest.getWriter();
    const parts: R2UploadedPart[] = [];
    for (let offset = 0, n = 1; offset < head.size; offset += partBytes, n++) {
      const piece = await src.get(fromKey, { range: { offset, length: Math.min(partBytes, head.size - offset) } });
      if (!piece) throw new ApiError("BACKUP_INCOMPLETE", `${fromKey} vanished during the copy`);
      const body = new Uint8Array(await piece.arrayBuffer());
      await hashing.write(body);
      parts.push(await upload.uploadPart(n, body));
    }
    await hashing.close();
    const got = toHex(new Uint8Array(await digest.digest));
    if (got !== sha256) throw new ApiError("BACKUP_CORRUPT", `${fromKey} fails its SHA-256 check; not copied`);
    await upload.complete(parts);
  } catch (e) {
    await upload.abort().catch(() => undefined);
    throw e;
  }
}
