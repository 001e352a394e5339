// Retention: which snapshots of a database a bucket drops. Never the newest complete one (however
// small `keep` is set), never one that may still be in progress; manifests go first so a snapshot
// being pruned is never listed as complete.

import { BACKUP_INCOMPLETE_GRACE_MS } from "../../contract/limits";
import type { SnapshotListing } from "./listing";

/** Ids to delete from a newest-first listing, keeping `keep` complete snapshots (at least one). */
export function planPrune(list: SnapshotListing[], keep: number, now: number): string[] {
  const doomed: string[] = [];
  let kept = 0;
  for (const s of list) {
    if (s.manifest !== null) {
      if (kept < Math.max(1, keep)) kept++;
      else doomed.push(s.id);
    } else if (now - s.time > BACKUP_INCOMPLETE_GRACE_MS) {
      doomed.push(s.id); // abandoned: its shards gave up, or a prune was interrupted
    }
  }
  return doomed;
}

export async function prune(bucket: R2Bucket, list: SnapshotListing[], keep: number, now: number): Promise<string[]> {
  const doomed = new Set(planPrune(list, keep, now));
  for (const s of list) {
    if (!doomed.has(s.id)) continue;
    if (s.manifest) await bucket.delete(s.manifest.key);
    const rest = s.keys.filter((k) => k !== s.manifest?.key);
    for (let i = 0; i < rest.length; i += 1000) await bucket.delete(rest.slice(i, i + 1000));
  }
  return [...doomed];
}

/** A keep count from a var: a positive integer, else the default. */
export function keepCount(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? n : fallback;
}
