// The manifest of one snapshot: format version, and per shard its object's size and SHA-256. It is
// written last, and only once every shard object is in the bucket: a snapshot is complete exactly
// when its manifest exists. Each shard object carries its own entry as R2 custom metadata, so any
// shard (or the cron) can write the manifest from one listing without reading the snapshots.

import { z } from "zod";
import { MANIFEST_FILE, shardFile, shardOfFile, snapshotKind, snapshotPrefix, snapshotTime, type SnapshotKind } from "./backup-objects";

export const MANIFEST_VERSION = 1;

export interface ManifestEntry {
  shard: number;
  file: string;
  bytes: number;
  sha256: string;
  tables: number;
  rows: number;
  takenAt: string; // when this shard's consistent dump began
}

export interface Manifest {
  type: "sliced-snapshot";
  manifestVersion: number;
  snapshot: string;
  database: string;
  kind: SnapshotKind;
  requestedAt: string;
  formatVersion: number; // the shard snapshot byte format (durable-objects/shard/snapshot.ts)
  shards: number;
  totalBytes: number;
  entries: ManifestEntry[];
}

const count = z.number().int().min(0);
const manifestSchema = z.object({
  type: z.literal("sliced-snapshot"),
  manifestVersion: z.number().int(),
  snapshot: z.string(),
  database: z.string(),
  kind: z.enum(["hourly", "manual"]),
  requestedAt: z.string(),
  formatVersion: z.number().int(),
  shards: z.number().int().min(1),
  totalBytes: count,
  entries: z.array(z.object({ shard: count, file: z.string(), bytes: count, sha256: z.string().regex(/^[0-9a-f]{64}$/), tables: count, rows: count, takenAt: z.string() })),
});

/** Parses manifest text; answers an error message instead of throwing (the caller picks the code). */
export function parseManifest(text: string): { ok: true; manifest: Manifest } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, message: "the manifest is not valid JSON" };
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) return { ok: false, message: `the manifest is malformed: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}` };
  return { ok: true, manifest: parsed.data as Manifest };
}

/** What each shard object says about itself (R2 custom metadata values are strings). */
export function entryMetadata(snapshot: string, shards: number, e: ManifestEntry, formatVersion: number): Record<string, string> {
  return {
    snapshot,
    shards: String(shards),
    shard: String(e.shard),
    bytes: String(e.bytes),
    sha256: e.sha256,
    tables: String(e.tables),
    rows: String(e.rows),
    takenAt: e.takenAt,
    format: String(formatVersion),
  };
}

/** The manifest entry a shard object describes in its metadata, or null if it is not that shard's. */
export function entryOf(obj: R2Object, snapshot: string, shard: number): ManifestEntry | null {
  const e = entryFromObject(obj, snapshot);
  return e && e.entry.shard === shard ? e.entry : null;
}

function entryFromObject(obj: R2Object, snapshot: string): { entry: ManifestEntry; shards: number; format: number } | null {
  const m = obj.customMetadata ?? {};
  const shard = shardOfFile(obj.key.slice(obj.key.lastIndexOf("/") + 1));
  if (shard === null || m["snapshot"] !== snapshot || Number(m["bytes"]) !== obj.size || !/^[0-9a-f]{64}$/.test(m["sha256"] ?? "")) return null;
  return {
    entry: { shard, file: shardFile(shard), bytes: obj.size, sha256: m["sha256"]!, tables: Number(m["tables"]), rows: Number(m["rows"]), takenAt: m["takenAt"] ?? "" },
    shards: Number(m["shards"]),
    format: Number(m["format"]),
  };
}

/** The manifest's own metadata, so listings show a snapshot's size and time without reading it. */
export function manifestMetadata(m: Manifest): Record<string, string> {
  return { snapshot: m.snapshot, shards: String(m.shards), bytes: String(m.totalBytes), format: String(m.formatVersion), requestedAt: m.requestedAt };
}

/**
 * Writes the manifest if every shard object of the snapshot is present and consistent; answers it,
 * or null while shards are missing. Idempotent: two shards finishing together write the same bytes.
 */
export async function finalizeSnapshot(bucket: R2Bucket, db: string, snapshot: string, shards: number): Promise<Manifest | null> {
  const prefix = snapshotPrefix(db, snapshot, "local");
  const listed = await bucket.list({ prefix, include: ["customMetadata"] });
  if (listed.objects.some((o) => o.key === prefix + MANIFEST_FILE)) {
    const existing = await bucket.get(prefix + MANIFEST_FILE);
    const parsed = existing ? parseManifest(await existing.text()) : null;
    return parsed?.ok ? parsed.manifest : null;
  }
  const entries: ManifestEntry[] = [];
  let format: number | null = null;
  for (const obj of listed.objects) {
    const e = entryFromObject(obj, snapshot);
    if (!e || e.shards !== shards || e.entry.shard >= shards) continue;
    if (format !== null && e.format !== format) return null; // shards on different builds: never mix formats
    format = e.format;
    entries.push(e.entry);
  }
  if (entries.length !== shards || format === null) return null;
  entries.sort((a, b) => a.shard - b.shard);
  const manifest: Manifest = {
    type: "sliced-snapshot",
    manifestVersion: MANIFEST_VERSION,
    snapshot,
    database: db,
    kind: snapshotKind(snapshot),
    requestedAt: new Date(snapshotTime(snapshot)).toISOString(),
    formatVersion: format,
    shards,
    totalBytes: entries.reduce((s, e) => s + e.bytes, 0),
    entries,
  };
  await bucket.put(prefix + MANIFEST_FILE, JSON.stringify(manifest, null, 1), {
    httpMetadata: { contentType: "application/json" },
    customMetadata: manifestMetadata(manifest),
  });
  return manifest;
}
