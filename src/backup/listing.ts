// What a bucket holds for one database, grouped by snapshot: its manifest (if complete) and shard
// objects. One paginated listing with custom metadata, so nothing is opened to list or to prune.

import { databasePrefix, MANIFEST_FILE, parseKey, shardOfFile, snapshotTime, type BackupLocation } from "../../durable-objects/shard/backup-objects";

export interface SnapshotListing {
  id: string;
  location: BackupLocation;
  time: number; // when it was asked for (from its id)
  manifest: R2Object | null; // null: incomplete (never finished, or being pruned)
  shards: Map<number, R2Object>;
  keys: string[]; // every object of the snapshot, manifest included
}

/** Every snapshot of `db` in `bucket`, newest first. */
export async function listSnapshots(bucket: R2Bucket, db: string, location: BackupLocation): Promise<SnapshotListing[]> {
  const byId = new Map<string, SnapshotListing>();
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: databasePrefix(db), cursor, include: ["customMetadata"] });
    for (const obj of page.objects) {
      const parsed = parseKey(db, obj.key, location);
      if (!parsed) continue;
      let s = byId.get(parsed.id);
      if (!s) byId.set(parsed.id, (s = { id: parsed.id, location, time: snapshotTime(parsed.id), manifest: null, shards: new Map(), keys: [] }));
      s.keys.push(obj.key);
      if (parsed.file === MANIFEST_FILE) s.manifest = obj;
      const shard = shardOfFile(parsed.file);
      if (shard !== null) s.shards.set(shard, obj);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return [...byId.values()].sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1));
}

export const complete = (list: SnapshotListing[]) => list.filter((s) => s.manifest !== null);

/** The operator API's view of a complete snapshot (from the manifest's custom metadata). */
export function describe(s: SnapshotListing): Record<string, unknown> {
  const m = s.manifest?.customMetadata ?? {};
  return {
    snapshot: s.id,
    kind: s.id.slice(0, s.id.indexOf("-")),
    location: s.location,
    "requested-at": new Date(s.time).toISOString(),
    "completed-at": s.manifest?.uploaded.toISOString() ?? null,
    shards: Number(m["shards"] ?? s.shards.size),
    bytes: Number(m["bytes"] ?? 0),
    "format-version": Number(m["format"] ?? 0),
  };
}
