// The half of backup and restore that runs inside a shard Durable Object: dump to staged chunks in
// one synchronous transaction, then hash and upload them to R2 (multipart when large); on restore,
// stream the object into staged chunks, verify size, SHA-256 and format, and only then load it.
// Memory stays at one R2 part whatever the shard's size; the DO talks to R2 itself (no 32 MiB RPC cap).
// With a data key, staged chunks are sealed before hashing and upload (durable-objects/shard/backup-cipher.ts).

import { clearStage, loadTables, stageChunk, stagedChunk, stagedReader, stageDump, type SnapshotSql } from "./snapshot";
import { decodeSnapshot, SNAPSHOT_FORMAT_VERSION, SnapshotFormatError, type SnapshotSummary, STAGE_TABLE } from "./snapshot-codec";
import { BackupOpener, BackupSealError, sealRecord, type BackupSeal } from "./backup-cipher";
import { ApiError } from "../../contract/errors";
import { BACKUP_PART_BYTES, BACKUP_SINGLE_PUT_BYTES_MAX, SNAPSHOT_CHUNK_BYTES, SNAPSHOT_ROW_BYTES_MAX } from "../../contract/limits";
import { shardFile, snapshotPrefix, type BackupLocation } from "./backup-objects";
import { entryMetadata, entryOf, type ManifestEntry } from "./backup-manifest";

export interface ShardStorage {
  sql: SnapshotSql;
  transactionSync<T>(closure: () => T): T;
}

/** What a shard is asked to write: its object of snapshot `snapshot` of database `db` (of `shards`). */
export interface BackupJob {
  db: string;
  snapshot: string;
  shards: number;
}

/** Where a shard copy reads a snapshot object from, and what it must hash to. */
export interface RestoreSource {
  job: string; // staging key, unique per restore request
  location: BackupLocation;
  key: string;
  bytes: number;
  sha256: string;
}

export interface TransferSizes {
  chunkBytes: number;
  partBytes: number; // a multiple of chunkBytes, >= 5 MiB for R2
  singlePutMax: number;
}

export const DEFAULT_SIZES: TransferSizes = { chunkBytes: SNAPSHOT_CHUNK_BYTES, partBytes: BACKUP_PART_BYTES, singlePutMax: BACKUP_SINGLE_PUT_BYTES_MAX };

const LIMITS = { rowBytesMax: SNAPSHOT_ROW_BYTES_MAX };

/** Takes this shard's consistent snapshot and writes it to `bucket`; answers its manifest entry. */
export async function backupShard(
  storage: ShardStorage,
  bucket: R2Bucket,
  job: BackupJob,
  shard: number,
  sizes: TransferSizes = DEFAULT_SIZES,
  seal: BackupSeal | null = null,
): Promise<ManifestEntry> {
  if (sizes.partBytes % sizes.chunkBytes !== 0) throw new Error("backup: the part size must be a whole number of chunks");
  // Written already (a re-run cron, a retried alarm): overwriting it would break a finished manifest.
  const done = await bucket.head(snapshotPrefix(job.db, job.snapshot, "local") + shardFile(shard));
  const existing = done ? entryOf(done, job.snapshot, shard) : null;
  if (existing) return existing;
  const stageJob = `backup:${job.snapshot}`;
  const takenAt = Date.now();
  // The only synchronous, consistent step: writes keep flowing around the awaits that follow.
  const staged = storage.transactionSync(() => stageDump(storage.sql, stageJob, takenAt, sizes.chunkBytes));
  try {
    // Sealed in place, one chunk at a time: size, SHA-256 and upload below all describe the ciphertext.
    if (seal !== null) staged.bytes = await sealStage(storage.sql, stageJob, staged.chunks, seal);
    const chunk = (i: number): Uint8Array => {
      const c = stagedChunk(storage.sql, stageJob, i);
      if (!c) throw new Error(`backup: staged chunk ${i} of ${staged.chunks} vanished`);
      return c;
    };
    const sha256 = await sha256Hex(staged.chunks, chunk);
    const entry: ManifestEntry = { shard, file: shardFile(shard), bytes: staged.bytes, sha256, tables: staged.tables, rows: staged.rows, takenAt: new Date(takenAt).toISOString() };
    const key = snapshotPrefix(job.db, job.snapshot, "local") + entry.file;
    const customMetadata = entryMetadata(job.snapshot, job.shards, entry, SNAPSHOT_FORMAT_VERSION);
    if (staged.bytes <= sizes.singlePutMax) {
      await bucket.put(key, concat(Array.from({ length: staged.chunks }, (_, i) => chunk(i))), { customMetadata, sha256 });
    } else {
      await multipartUpload(bucket, key, customMetadata, staged.chunks, sizes.partBytes / sizes.chunkBytes, chunk);
    }
    return entry;
  } finally {
    clearStage(storage.sql, stageJob);
  }
}

async function multipartUpload(bucket: R2Bucket, key: string, customMetadata: Record<string, string>, chunks: number, chunksPerPart: number, chunk: (i: number) => Uint8Array): Promise<void> {
  const upload = await bucket.createMultipartUpload(key, { customMetadata });
  try {
    const parts: R2UploadedPart[] = [];
    for (let first = 0, n = 1; first < chunks; first += chunksPerPart, n++) {
      const body = concat(Array.from({ length: Math.min(chunksPerPart, chunks - first) }, (_, i) => chunk(first + i)));
      parts.push(await upload.uploadPart(n, body));
    }
    await upload.complete(parts);
  } catch (e) {
    await upload.abort().catch(() => undefined); // R2 would drop it after 7 days anyway
    throw e;
  }
}

/**
 * Streams a snapshot object into this DO's staging table and verifies it completely (size, SHA-256,
 * magic, version, structure, CRC) without touching a live table. Throws ApiError BACKUP_INCOMPLETE
 * or BACKUP_CORRUPT; the staged bytes are dropped on any failure.
 */
export async function stageRestore(storage: ShardStorage, bucket: R2Bucket, src: RestoreSource, chunkBytes = SNAPSHOT_CHUNK_BYTES, seal: BackupSeal | null = null): Promise<SnapshotSummary> {
  clearStage(storage.sql, src.job);
  try {
    const obj = await bucket.get(src.key);
    if (!obj) throw new ApiError("BACKUP_INCOMPLETE", `${src.key} is missing`);
    if (obj.size !== src.bytes) throw new ApiError("BACKUP_CORRUPT", `${src.key} has ${obj.size} bytes; the manifest says ${src.bytes}`);
    const digest = new crypto.DigestStream("SHA-256");
    const hashing = digest.getWriter();
    const reader = obj.body.getReader();
    const buf = new Uint8Array(chunkBytes);
    let fill = 0;
    let seq = 0;
    const opener = new BackupOpener(seal); // the SHA-256 covers the object as stored; staging gets plaintext
    const stage = (value: Uint8Array): void => {
      for (let off = 0; off < value.length;) {
        const n = Math.min(chunkBytes - fill, value.length - off);
        buf.set(value.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === chunkBytes) {
          stageChunk(storage.sql, src.job, seq++, buf.slice());
          fill = 0;
        }
      }
    };
    // A decryption failure is reported after the SHA-256 check: a damaged object is named as such first.
    let sealError: BackupSealError | null = null;
    const open = async (work: () => Promise<Uint8Array[]> | Uint8Array[]): Promise<void> => {
      if (sealError !== null) return;
      try {
        for (const plain of await work()) stage(plain);
      } catch (e) {
        if (!(e instanceof BackupSealError)) throw e;
        sealError = e;
      }
    };
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await hashing.write(value);
      await open(() => opener.push(value));
    }
    await open(() => opener.finish());
    await hashing.close();
    const sha256 = toHex(new Uint8Array(await digest.digest));
    if (sha256 !== src.sha256) throw new ApiError("BACKUP_CORRUPT", `${src.key} fails its SHA-256 check (manifest ${src.sha256.slice(0, 12)}…, object ${sha256.slice(0, 12)}…)`);
    if (sealError !== null) throw new ApiError("BACKUP_CORRUPT", `${src.key}: ${(sealError as BackupSealError).message}`);
    if (fill > 0) stageChunk(storage.sql, src.job, seq++, buf.slice(0, fill));
    try {
      return decodeSnapshot(stagedReader(storage.sql, src.job), { table() {}, row() {}, endTable() {} }, LIMITS);
    } catch (e) {
      if (e instanceof SnapshotFormatError) throw new ApiError("BACKUP_CORRUPT", `${src.key}: ${e.message}`);
      throw e;
    }
  } catch (e) {
    clearStage(storage.sql, src.job);
    throw e;
  }
}

/**
 * Replaces every table with the staged snapshot in one transaction; `afterLoad` runs inside it (the
 * shard re-applies its local state and rebuilds its engine there, so a failure rolls everything back).
 */
export function commitRestore<T>(storage: ShardStorage, job: string, afterLoad: () => T): { summary: SnapshotSummary; after: T } {
  return storage.transactionSync(() => {
    if (stagedChunk(storage.sql, job, 0) === null) throw new ApiError("BACKUP_INCOMPLETE", `nothing is staged for restore ${job}; stage it first`);
    const summary = loadTables(storage.sql, stagedReader(storage.sql, job), LIMITS);
    const after = afterLoad();
    clearStage(storage.sql, job);
    return { summary, after };
  });
}

/** Replaces each staged chunk by its sealed record; answers the sealed total size. */
async function sealStage(sql: SnapshotSql, job: string, chunks: number, seal: BackupSeal): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < chunks; i++) {
    const plain = stagedChunk(sql, job, i);
    if (!plain) throw new Error(`backup: staged chunk ${i} of ${chunks} vanished`);
    const sealed = await sealRecord(seal, i, i === chunks - 1, plain);
    sql.exec(`UPDATE ${STAGE_TABLE} SET bytes = ? WHERE job = ? AND seq = ?`, sealed, job, i);
    bytes += sealed.length;
  }
  return bytes;
}

async function sha256Hex(chunks: number, chunk: (i: number) => Uint8Array): Promise<string> {
  const digest = new crypto.DigestStream("SHA-256");
  const w = digest.getWriter();
  for (let i = 0; i < chunks; i++) await w.write(chunk(i));
  await w.close();
  return toHex(new Uint8Array(await digest.digest));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
