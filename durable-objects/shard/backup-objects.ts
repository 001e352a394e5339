// Snapshot ids and where their objects live in R2. An id names its kind and time, so listings sort
// and retention decides without opening manifests:
//   BACKUPS         db/<db>/hourly/<YYYY-MM-DDTHH>/shard-<n>.snap  + manifest.json   (id hourly-<stamp>)
//                   db/<db>/manual/<YYYY-MM-DDTHH-MM-SS-mmmZ>/...                      (id manual-<stamp>)
//   BACKUPS_REMOTE  db/<db>/daily/<id>/...                                              (the daily copy)

export type SnapshotKind = "hourly" | "manual";
export type BackupLocation = "local" | "remote";

export const MANIFEST_FILE = "manifest.json";

const ID = /^(hourly|manual)-(\d{4}-\d{2}-\d{2})T(\d{2})(?:-(\d{2})-(\d{2})-(\d{3})Z)?$/;

export function isSnapshotId(id: string): boolean {
  const m = ID.exec(id);
  return m !== null && (m[1] === "hourly") === (m[4] === undefined) && Number.isFinite(snapshotTime(id));
}

/** The hourly snapshot of the hour `scheduledTime` falls in: a re-run cron names the same one. */
export function hourlySnapshotId(scheduledTime: number): string {
  return `hourly-${new Date(scheduledTime).toISOString().slice(0, 13)}`;
}

export function manualSnapshotId(now: number): string {
  const iso = new Date(now).toISOString(); // 2026-11-27T13:05:22.123Z
  return `manual-${iso.slice(0, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}-${iso.slice(20, 23)}Z`;
}

export function snapshotKind(id: string): SnapshotKind {
  return id.startsWith("hourly-") ? "hourly" : "manual";
}

/** When the snapshot was asked for (ms since the epoch); NaN for a malformed id. */
export function snapshotTime(id: string): number {
  const m = ID.exec(id);
  if (!m) return NaN;
  return Date.parse(`${m[2]}T${m[3]}:${m[4] ?? "00"}:${m[5] ?? "00"}.${m[6] ?? "000"}Z`);
}

/** The folder of one snapshot, ending in "/". */
export function snapshotPrefix(db: string, id: string, location: BackupLocation): string {
  if (location === "remote") return `db/${db}/daily/${id}/`;
  return `db/${db}/${snapshotKind(id)}/${id.slice(id.indexOf("-") + 1)}/`;
}

export const shardFile = (shard: number) => `shard-${shard}.snap`;

export function databasePrefix(db: string): string {
  return `db/${db}/`;
}

/** Splits a key under databasePrefix(db) into its snapshot id and file name; null for a stray key. */
export function parseKey(db: string, key: string, location: BackupLocation): { id: string; file: string } | null {
  const rest = key.startsWith(databasePrefix(db)) ? key.slice(databasePrefix(db).length).split("/") : [];
  if (rest.length !== 3) return null;
  const [area, name, file] = rest as [string, string, string];
  const id = location === "remote" ? (area === "daily" ? name : "") : area === "hourly" || area === "manual" ? `${area}-${name}` : "";
  return isSnapshotId(id) ? { id, file } : null;
}

export function shardOfFile(file: string): number | null {
  const m = /^shard-(\d+)\.snap$/.exec(file);
  return m ? Number(m[1]) : null;
}
