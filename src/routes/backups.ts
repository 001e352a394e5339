// The operator's backup API, mounted under /admin (which enforces the bearer token): take a snapshot
// now, list complete snapshots (hourly and on-demand in BACKUPS, daily copies in BACKUPS_REMOTE),
// and restore every shard copy of a database from one, verified first.

import { Hono } from "hono";
import { takeSnapshot } from "../backup/take";
import { complete, describe, listSnapshots } from "../backup/listing";
import { restoreSnapshot } from "../backup/restore";
import { noteDataChange } from "../query/data-changes";
import { readJson } from "../middleware/body-limits";
import { success } from "./respond";
import { type AppEnv } from "../app-env";
import { QUERY_BODY_BYTES_MAX } from "../../contract/limits";
import { parseWith } from "./validation";
import { restoreSchema } from "./admin-schemas";
import { databaseOr404 } from "./database-param";

export const backups = new Hono<AppEnv>();

backups.post("/databases/:id/backup", async (c) => {
  const info = await databaseOr404(c);
  const m = await takeSnapshot(c.env, info);
  return success(c, { snapshot: m.snapshot, shards: m.shards, bytes: m.totalBytes, "format-version": m.formatVersion, "requested-at": m.requestedAt }, 201);
});

backups.get("/databases/:id/backups", async (c) => {
  const info = await databaseOr404(c);
  const [local, remote] = await Promise.all([listSnapshots(c.env.BACKUPS, info.id, "local"), listSnapshots(c.env.BACKUPS_REMOTE, info.id, "remote")]);
  return success(c, { backups: complete(local).map(describe), daily: complete(remote).map(describe) });
});

backups.post("/databases/:id/restore", async (c) => {
  const info = await databaseOr404(c);
  const body = parseWith(restoreSchema, await readJson(c, QUERY_BODY_BYTES_MAX), {}, "ADMIN_INVALID", "restore");
  const r = await restoreSnapshot(c.env, info, body.snapshot, body.location ?? "local");
  noteDataChange(info.id, Date.now()); // the data went back in time: this isolate's cached answers are stale
  return success(c, { restored: r.snapshot, location: r.location, shards: r.shards, "shard-copies": r.copies, bytes: r.bytes, rows: r.rows });
});
