// Backups and restore in the Workers runtime: the snapshot byte format (golden bytes), the hourly
// cron writing shard objects and manifests to R2 through the shards' alarms, backup → change →
// restore answering as before (primaries and replicas), refusals of corrupt and incomplete
// snapshots with live data untouched, multipart objects, the daily copy, and retention.

import { createExecutionContext, createScheduledController, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { decodeSnapshot, SnapshotWriter, type SnapshotValue, type TableDef } from "../../durable-objects/shard/snapshot-codec";
import { copySnapshot } from "../../src/backup/daily";
import { hourlySnapshotId, MANIFEST_FILE, shardFile, snapshotPrefix } from "../../durable-objects/shard/backup-objects";
import { listSnapshots } from "../../src/backup/listing";
import { parseManifest, type Manifest } from "../../durable-objects/shard/backup-manifest";
import { planPrune, prune } from "../../src/backup/retention";
import { catalogOf, shardStub } from "../../durable-objects/stubs";
import type { AppEnv } from "../../src/app-env";
import worker from "../../src/index";
import { admin } from "../../src/routes/admin";
import { backups } from "../../src/routes/backups";
import { ApiError, errorEnvelope } from "../../contract/errors";
import type { Mutation } from "../../contract/plan";
import type { ShardAddress } from "../../contract/shard-rpc";
import { ADMIN_TOKEN, adminCall, BASE, call, createDatabase, type Reply, type TestDatabase } from "../helpers/api";

// The backup routes mounted the way the lead mounts them (admin.route("/", backups)): behind admin's token check.
const opsApp = new Hono<AppEnv>();
opsApp.use("*", async (c, next) => {
  c.set("started", Date.now());
  await next();
});
opsApp.route("/admin", admin);
opsApp.route("/admin", backups);
opsApp.onError((e, c) => {
  const err = e instanceof ApiError ? e : new ApiError("INTERNAL", String(e));
  return c.json(errorEnvelope(err), err.status as 400);
});

async function ops(method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<Reply> {
  const req = new Request(BASE + path, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const res = await opsApp.fetch(req, env, createExecutionContext());
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text, headers: res.headers };
}

const sha256 = async (b: ArrayBuffer | Uint8Array) => Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", b)), (x) => x.toString(16).padStart(2, "0")).join("");

// ------------------------------------------------------------------------------------------------

describe("snapshot byte format", () => {
  const def: TableDef = { name: "t", seq: 7, statements: ["CREATE TABLE t (a, b)"], columns: ["a", "b"] };
  const rows: SnapshotValue[][] = [
    [{ t: "null" }, { t: "integer", v: "-2" }],
    [
      { t: "real", v: 1.5 },
      { t: "text", v: "é" },
    ],
    [
      { t: "blob", v: new Uint8Array([1, 2]) },
      { t: "integer", v: "9007199254740993" },
    ],
  ];
  const encode = (chunkBytes: number) => {
    const chunks: Uint8Array[] = [];
    const w = new SnapshotWriter(chunkBytes, (c) => chunks.push(c));
    w.header(0, 1);
    w.beginTable(def);
    for (const r of rows) w.row(r);
    w.endTable(rows.length);
    w.finish(1);
    return chunks;
  };
  const hex = (chunks: Uint8Array[]) => chunks.map((c) => Array.from(c, (b) => b.toString(16).padStart(2, "0")).join("")).join("");

  it("is pinned by golden bytes", () => {
    expect(hex(encode(1 << 20))).toBe(GOLDEN);
  });

  it("cuts equal chunks (except the last) and decodes back, integers beyond 2^53 included", () => {
    const chunks = encode(16);
    expect(chunks.slice(0, -1).every((c) => c.length === 16)).toBe(true);
    expect(chunks.at(-1)!.length).toBeLessThanOrEqual(16);
    const seen: SnapshotValue[][] = [];
    let i = 0;
    const summary = decodeSnapshot(() => chunks[i++] ?? null, { table: (d) => expect(d).toEqual(def), row: (r) => seen.push(r), endTable() {} }, { rowBytesMax: 1000 });
    expect(seen).toEqual(rows);
    expect(summary).toMatchObject({ version: 1, tables: 1, rows: 3, bytes: hex(chunks).length / 2 });
  });

  it("refuses a flipped byte, a truncation, and an unknown version", () => {
    const bytes = Uint8Array.from(encode(1 << 20).flatMap((c) => [...c]));
    const decode = (b: Uint8Array) => {
      let done = false;
      return () => decodeSnapshot(() => (done ? null : ((done = true), b)), { table() {}, row() {}, endTable() {} }, { rowBytesMax: 1000 });
    };
    const flipped = bytes.slice();
    flipped[60] = flipped[60]! ^ 0x01;
    expect(decode(flipped)).toThrow(/checksum|expected|tag|UTF-8/);
    expect(decode(bytes.slice(0, bytes.length - 3))).toThrow(/truncated/);
    const v2 = bytes.slice();
    v2[8] = 2;
    expect(decode(v2)).toThrow(/format version 2 is not supported/);
  });
});

// header "SLCDSNAP", v1, flags 0, taken-at 0.0, 1 table; table "t", seq 7.0, 1 statement, 2 columns; 3 rows; 'E' 3; 'Z' 1; crc
const GOLDEN =
  "534c4344534e4150" +
  "0100" +
  "0000" +
  "0000000000000000" +
  "01000000" +
  "54" +
  "0100000074" +
  "0000000000001c40" +
  "0100" +
  "15000000" +
  "435245415445205441424c4520742028612c206229" +
  "0200" +
  "0100000061" +
  "0100000062" +
  "52" +
  "00" +
  "01feffffffffffffff" +
  "52" +
  "02000000000000f83f" +
  "0302000000c3a9" +
  "52" +
  "04020000000102" +
  "010100000000002000" +
  "45" +
  "03000000" +
  "5a" +
  "01000000" +
  "4b91b7f6";

// ------------------------------------------------------------------------------------------------

interface Fixture {
  db: TestDatabase;
  info: { shards: number; replicas: number };
}

async function setup(shards = 2, replicas = 1): Promise<Fixture> {
  const db = await createDatabase({ shards, replicas });
  const r = await call("POST", "/v1/column", {
    key: db.master,
    body: [
      { name: "Kind", "api-name": "kind", type: "string" },
      { name: "Age", "api-name": "age", type: "integer" },
      { name: "Clicks", "api-name": "clicks", type: "integer-event" },
    ],
  });
  expect(r.status, r.text).toBe(200);
  return { db, info: { shards, replicas } };
}

async function insert(f: Fixture, from: number, to: number): Promise<void> {
  const body: Record<string, unknown> = {};
  for (let i = from; i < to; i++) {
    body[`u${i}`] = {
      kind: ["a", "b", "c"][i % 3],
      age: 20 + (i % 7),
      clicks: [
        { value: 1 + (i % 2), date: "2017-01-01T10:00:00Z" },
        { value: 1, date: "2017-01-02T10:00:00Z" },
      ],
    };
  }
  const r = await call("POST", "/v1/insert?wait=true", { key: f.db.write, body });
  expect(r.status, r.text).toBe(200);
}

/** Deletes entities on every primary (the shard RPC the /v1/delete route uses). */
async function remove(f: Fixture, ids: string[]): Promise<void> {
  const mutation: Mutation = { kind: "delete", dimension: "default", expr: { op: "id", test: { op: "in", values: ids } } };
  for (let shard = 0; shard < f.info.shards; shard++) {
    const addr = primaryAddr(f, shard);
    const r = await shardStub(env, addr).mutate(addr, `del-${crypto.randomUUID()}`, mutation);
    expect(r.ok).toBe(true);
  }
}

const primaryAddr = (f: Fixture, shard: number, copy = 0): ShardAddress => ({ db: f.db.id, shard, copy, replicas: f.info.replicas });

/** The fixed set of questions a restore must answer as before. */
async function answers(f: Fixture): Promise<unknown> {
  const q = async (path: string, body: unknown) => {
    const r = await call("POST", path, { key: f.db.read, body });
    expect(r.status, r.text).toBe(200);
    return r.body.result ?? r.body;
  };
  return {
    entities: await q("/v1/query/count/entity", [
      { "query-name": "a", query: [{ kind: { equals: "a" } }], "bypass-cache": true },
      { "query-name": "old", query: [{ age: { gte: 24 } }], "bypass-cache": true },
    ]),
    events: await q("/v1/query/count/event", { "query-name": "c", query: [{ clicks: { equals: 1, between: ["2016-12-31T00:00:00Z", "2017-01-03T00:00:00Z"] } }], "bypass-cache": true }),
    top: await q("/v1/query/top_values", { k: { kind: 3 }, "bypass-cache": true }),
    total: await q("/v1/query/count/entity/total", { "bypass-cache": true }),
  };
}

/** Runs the primaries' alarms until their outboxes are drained (replicas caught up). */
async function drain(f: Fixture): Promise<void> {
  for (let s = 0; s < f.info.shards; s++)
    while (await runDurableObjectAlarm(shardStub(env, primaryAddr(f, s)))) {
      /* next batch */
    }
}

async function withPrimariesDown<T>(f: Fixture, work: () => Promise<T>): Promise<T> {
  const set = (mode: string) => Promise.all(Array.from({ length: f.info.shards }, (_, shard) => adminCall("POST", `/admin/databases/${f.db.id}/faults`, { shard, replica: 0, mode })));
  await set("down");
  try {
    return await work();
  } finally {
    await set("none");
  }
}

async function stagedRows(f: Fixture): Promise<number> {
  let n = 0;
  for (let s = 0; s < f.info.shards; s++) {
    for (let copy = 0; copy <= f.info.replicas; copy++) {
      n += await runInDurableObject(shardStub(env, primaryAddr(f, s, copy)), (_i, state) =>
        Number(state.storage.sql.exec(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'shard_snapshot_stage'`).one()["n"]) === 0
          ? 0
          : Number(state.storage.sql.exec(`SELECT COUNT(*) AS n FROM shard_snapshot_stage`).one()["n"]),
      );
    }
  }
  return n;
}

async function readManifest(bucket: R2Bucket, db: string, id: string, location: "local" | "remote" = "local"): Promise<Manifest | null> {
  const obj = await bucket.get(snapshotPrefix(db, id, location) + MANIFEST_FILE);
  if (!obj) return null;
  const parsed = parseManifest(await obj.text());
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.manifest;
}

async function runCron(scheduledTime: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime, cron: "0 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Waits until the shards' alarms have written the snapshot's manifest (nudging the alarms along). */
async function manifestOf(f: Fixture, id: string): Promise<Manifest> {
  return vi.waitFor(
    async () => {
      for (let s = 0; s < f.info.shards; s++) await runDurableObjectAlarm(shardStub(env, primaryAddr(f, s)));
      const m = await readManifest(env.BACKUPS, f.db.id, id);
      if (!m) throw new Error(`no manifest yet for ${id}`);
      return m;
    },
    { timeout: 15_000, interval: 50 },
  );
}

// ------------------------------------------------------------------------------------------------

describe("hourly cron", () => {
  it("has every primary shard write its snapshot from its alarm, then a manifest with sizes and SHA-256", async () => {
    const f = await setup(2, 1);
    await insert(f, 0, 12);
    const hour = Date.UTC(2031, 0, 1, 5, 0, 7);
    await runCron(hour);
    const id = hourlySnapshotId(hour);
    expect(id).toBe("hourly-2031-01-01T05");
    const m = await manifestOf(f, id);
    expect(m).toMatchObject({ snapshot: id, database: f.db.id, kind: "hourly", formatVersion: 1, shards: 2 });
    for (const e of m.entries) {
      const obj = await env.BACKUPS.get(snapshotPrefix(f.db.id, id, "local") + shardFile(e.shard));
      const bytes = await obj!.arrayBuffer();
      expect(bytes.byteLength).toBe(e.bytes);
      expect(await sha256(bytes)).toBe(e.sha256);
      expect(e.tables).toBeGreaterThan(3); // engine tables and the shard's own
    }
    expect(m.totalBytes).toBe(m.entries.reduce((s, e) => s + e.bytes, 0));
    const health = await adminCall("GET", `/admin/databases/${f.db.id}/health`);
    const primaries = health.body.shards.filter((s: { copy: number }) => s.copy === 0);
    expect(primaries.every((s: { lastBackupAt: string | null }) => typeof s.lastBackupAt === "string")).toBe(true);
    // The same alarm still drains the replication outbox.
    await drain(f);
    expect(health.body.shards.every((s: { lastError: string | null }) => s.lastError === null)).toBe(true);
    const listed = await ops("GET", `/admin/databases/${f.db.id}/backups`);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.backups.map((b: { snapshot: string }) => b.snapshot)).toContain(id);

    // A cron re-run for the same hour (at-least-once triggers) leaves the finished snapshot as it was.
    const etags = async () => (await env.BACKUPS.list({ prefix: snapshotPrefix(f.db.id, id, "local") })).objects.map((o) => `${o.key}:${o.etag}`).sort();
    const before = await etags();
    await insert(f, 12, 14);
    await runCron(hour + 60_000);
    await vi.waitFor(async () => {
      for (let s = 0; s < 2; s++) await runDurableObjectAlarm(shardStub(env, primaryAddr(f, s)));
      const pending = await Promise.all(
        [0, 1].map((s) => runInDurableObject(shardStub(env, primaryAddr(f, s)), (_i, state) => state.storage.sql.exec(`SELECT 1 FROM shard_meta WHERE key = 'backup_pending'`).toArray().length)),
      );
      expect(pending).toEqual([0, 0]);
    });
    expect(await etags()).toEqual(before);
    expect(await readManifest(env.BACKUPS, f.db.id, id)).toEqual(m);
  });

  it("copies the newest complete snapshot to BACKUPS_REMOTE once a day", async () => {
    const f = await setup(2, 0);
    await insert(f, 0, 6);
    const h1 = Date.UTC(2031, 1, 1, 0);
    await runCron(h1);
    const first = await manifestOf(f, hourlySnapshotId(h1));
    await runCron(h1 + 3_600_000); // finds the complete h1 snapshot and no daily copy yet
    const remote = await listSnapshots(env.BACKUPS_REMOTE, f.db.id, "remote");
    const copied = remote.find((s) => s.manifest !== null);
    expect(copied, "a daily copy").toBeDefined();
    const m = await readManifest(env.BACKUPS_REMOTE, f.db.id, copied!.id, "remote");
    if (copied!.id === first.snapshot) expect(m).toEqual(first);
    for (const e of m!.entries) {
      const obj = await env.BACKUPS_REMOTE.get(snapshotPrefix(f.db.id, copied!.id, "remote") + e.file);
      expect(await sha256(await obj!.arrayBuffer())).toBe(e.sha256);
    }
    await manifestOf(f, hourlySnapshotId(h1 + 3_600_000));
    await runCron(h1 + 2 * 3_600_000); // a copy made an hour ago is recent enough: no second one
    expect((await listSnapshots(env.BACKUPS_REMOTE, f.db.id, "remote")).filter((s) => s.manifest)).toHaveLength(1);
    const listed = await ops("GET", `/admin/databases/${f.db.id}/backups`);
    expect(listed.body.daily).toHaveLength(1);
    expect(listed.body.daily[0].location).toBe("remote");
  });
});

describe("restore", () => {
  it("answers as before the change, on primaries and replicas, and keeps replicating afterwards", async () => {
    const f = await setup(2, 1);
    await insert(f, 0, 30);
    await drain(f);
    const before = await answers(f);

    const taken = await ops("POST", `/admin/databases/${f.db.id}/backup`);
    expect(taken.status, taken.text).toBe(201);
    const snapshot: string = taken.body.snapshot;
    expect(snapshot).toMatch(/^manual-/);
    expect(taken.body.shards).toBe(2);

    await insert(f, 30, 45);
    await remove(f, ["u1", "u2", "u3", "u4", "u5"]);
    await drain(f);
    expect(await answers(f)).not.toEqual(before);

    const r = await ops("POST", `/admin/databases/${f.db.id}/restore`, { snapshot });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ restored: snapshot, shards: 2, "shard-copies": 4 });
    expect(await answers(f)).toEqual(before);
    expect(await withPrimariesDown(f, () => answers(f))).toEqual(before); // the replicas were restored too
    expect(await stagedRows(f)).toBe(0);

    // Ingest and replication carry on from the restored state (outbox and acks were reset).
    await insert(f, 100, 103);
    await drain(f);
    const after = (await answers(f)) as { total: unknown };
    expect(await withPrimariesDown(f, () => answers(f))).toEqual(after);
  });

  it("clears the catalog's replica-behind marks, since every copy then holds the snapshot", async () => {
    const f = await setup(1, 1);
    await insert(f, 0, 12);
    await drain(f);
    const before = await answers(f);
    const taken = await ops("POST", `/admin/databases/${f.db.id}/backup`);
    expect(taken.status, taken.text).toBe(201);

    const replicaFault = (mode: string) => adminCall("POST", `/admin/databases/${f.db.id}/faults`, { shard: 0, replica: 1, mode });
    await replicaFault("unreachable"); // kept through the restore, so no alarm catches the replica up first
    await insert(f, 12, 20);
    expect(await catalogOf(env, f.db.id).replicaMarks()).toHaveLength(1);
    const r = await ops("POST", `/admin/databases/${f.db.id}/restore`, { snapshot: taken.body.snapshot });
    expect(r.status, r.text).toBe(200);
    expect(await catalogOf(env, f.db.id).replicaMarks()).toEqual([]);
    await replicaFault("none");
    expect(await withPrimariesDown(f, () => answers(f))).toEqual(before); // exact, from the restored replica
  });

  it("refuses a snapshot with one flipped byte and leaves live data untouched", async () => {
    const f = await setup(2, 1);
    await insert(f, 0, 20);
    const snapshot: string = (await ops("POST", `/admin/databases/${f.db.id}/backup`)).body.snapshot;
    await insert(f, 20, 25);
    await drain(f);
    const live = await answers(f);

    const key = snapshotPrefix(f.db.id, snapshot, "local") + shardFile(1);
    const obj = await env.BACKUPS.get(key);
    const bytes = new Uint8Array(await obj!.arrayBuffer());
    bytes[Math.floor(bytes.length / 2)]! ^= 0x10;
    await env.BACKUPS.put(key, bytes, { customMetadata: obj!.customMetadata });

    const r = await ops("POST", `/admin/databases/${f.db.id}/restore`, { snapshot });
    expect(r.status, r.text).toBe(422);
    expect(r.body.errors[0].code).toBe(3103);
    expect(r.body.errors[0].message).toMatch(/SHA-256.*nothing was restored|nothing was restored.*SHA-256/);
    expect(await answers(f)).toEqual(live);
    expect(await withPrimariesDown(f, () => answers(f))).toEqual(live);
    expect(await stagedRows(f)).toBe(0);
  });

  it("refuses incomplete, unknown, and incompatible snapshots", async () => {
    const f = await setup(2, 0);
    await insert(f, 0, 10);
    const snapshot: string = (await ops("POST", `/admin/databases/${f.db.id}/backup`)).body.snapshot;
    await insert(f, 10, 14);
    const live = await answers(f);
    const prefix = snapshotPrefix(f.db.id, snapshot, "local");
    const manifestObj = await env.BACKUPS.get(prefix + MANIFEST_FILE);
    const manifestText = await manifestObj!.text();
    const restore = (body: unknown) => ops("POST", `/admin/databases/${f.db.id}/restore`, body);

    // A shard object missing (the manifest still there).
    const shard0 = await env.BACKUPS.get(prefix + shardFile(0));
    const shard0Bytes = await shard0!.arrayBuffer();
    await env.BACKUPS.delete(prefix + shardFile(0));
    let r = await restore({ snapshot });
    expect(r.status, r.text).toBe(409);
    expect(r.body.errors[0]).toMatchObject({ code: 3102 });
    expect(r.body.errors[0].message).toContain("shard-0.snap");
    await env.BACKUPS.put(prefix + shardFile(0), shard0Bytes, { customMetadata: shard0!.customMetadata });

    // No manifest: never finished, so it is neither listed nor restorable.
    await env.BACKUPS.delete(prefix + MANIFEST_FILE);
    r = await restore({ snapshot });
    expect(r.status).toBe(409);
    expect(r.body.errors[0].code).toBe(3102);
    expect((await ops("GET", `/admin/databases/${f.db.id}/backups`)).body.backups).toEqual([]);

    // A storage format this build does not read.
    const future = { ...JSON.parse(manifestText), formatVersion: 99 };
    await env.BACKUPS.put(prefix + MANIFEST_FILE, JSON.stringify(future));
    r = await restore({ snapshot });
    expect(r.status).toBe(409);
    expect(r.body.errors[0].code).toBe(3104);
    expect(r.body.errors[0].message).toContain("format version 99");

    r = await restore({ snapshot: "hourly-2001-01-01T00" });
    expect(r.status).toBe(404);
    expect(r.body.errors[0].code).toBe(3101);
    r = await restore({ snapshot: "yesterday" });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].code).toBe(3003);
    r = await ops("POST", `/admin/databases/${f.db.id}/restore`, { snapshot }, "wrong-token");
    expect(r.status).toBe(401);

    expect(await answers(f)).toEqual(live);
    // Put the real manifest back: the snapshot restores.
    await env.BACKUPS.put(prefix + MANIFEST_FILE, manifestText, { customMetadata: manifestObj!.customMetadata });
    expect((await restore({ snapshot })).status).toBe(200);
    expect(await answers(f)).not.toEqual(live);
  });
});

describe("shard alarm", () => {
  it("retries a failed backup with backoff from the same alarm that drains the outbox", async () => {
    const f = await setup(1, 1);
    await insert(f, 0, 4);
    const stub = shardStub(env, primaryAddr(f, 0));
    // Impossible transfer sizes make the first attempt fail before anything reaches R2.
    await runInDurableObject(stub, (shard: { backupSizes: unknown }) => {
      shard.backupSizes = { chunkBytes: 3, partBytes: 10, singlePutMax: 1 };
    });
    const snapshot = hourlySnapshotId(Date.UTC(2031, 5, 1, 3));
    await stub.requestBackup(primaryAddr(f, 0), { db: f.db.id, snapshot, shards: 1 });
    await vi.waitFor(async () => {
      await runDurableObjectAlarm(stub);
      const meta = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec(`SELECT key, value FROM shard_meta`).toArray());
      const get = (k: string) => meta.find((r) => r["key"] === k)?.["value"];
      expect(get("backup_attempts")).toBe("1");
      expect(String(get("last_error"))).toContain("whole number of chunks");
      expect(get("backup_pending")).toBeTruthy();
    });
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).not.toBeNull();
    expect(await readManifest(env.BACKUPS, f.db.id, snapshot)).toBeNull();
    await runInDurableObject(stub, (shard: { backupSizes: unknown }) => {
      shard.backupSizes = null;
    });
    const m = await manifestOf(f, snapshot);
    expect(m.entries[0]!.rows).toBeGreaterThan(0);
    const pending = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec(`SELECT value FROM shard_meta WHERE key = 'backup_pending'`).toArray());
    expect(pending).toEqual([]);
    await drain(f); // replication still runs from the same alarm
    const health = await adminCall("GET", `/admin/databases/${f.db.id}/health`);
    expect(health.body.shards.map((s: { appliedRecords: number }) => s.appliedRecords)).toEqual([1, 1]);
  });

  it("restores value types, big integers and AUTOINCREMENT high-water marks exactly", async () => {
    const f = await setup(1, 0);
    const stub = shardStub(env, primaryAddr(f, 0));
    const read = () =>
      runInDurableObject(stub, (_i, state) =>
        state.storage.sql.exec(`SELECT id, typeof(v) AS t, CASE WHEN typeof(v) = 'blob' THEN hex(v) ELSE CAST(v AS TEXT) END AS v FROM typed ORDER BY id`).toArray(),
      );
    await runInDurableObject(stub, (_i, state) => {
      const sql = state.storage.sql;
      sql.exec(`CREATE TABLE typed (id INTEGER PRIMARY KEY AUTOINCREMENT, v)`);
      sql.exec(`CREATE INDEX typed_v ON typed (v)`);
      sql.exec(`INSERT INTO typed (v) VALUES (1), (3.0), ('x'), (X'00FF'), (NULL), (4611686018427387905), ('gone')`);
      sql.exec(`DELETE FROM typed WHERE v = 'gone'`);
    });
    const before = await read();
    expect(before.map((r) => r["t"])).toEqual(["integer", "real", "text", "blob", "null", "integer"]);
    const snapshot: string = (await ops("POST", `/admin/databases/${f.db.id}/backup`)).body.snapshot;
    await runInDurableObject(stub, (_i, state) => state.storage.sql.exec(`DROP TABLE typed`));
    expect((await ops("POST", `/admin/databases/${f.db.id}/restore`, { snapshot })).status).toBe(200);
    expect(await read()).toEqual(before);
    const next = await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec(`INSERT INTO typed (v) VALUES ('new')`);
      return state.storage.sql.exec(`SELECT MAX(id) AS id, (SELECT COUNT(*) FROM sqlite_master WHERE name = 'typed_v') AS idx FROM typed`).one();
    });
    expect(next).toEqual({ id: 8, idx: 1 }); // 7 was used by the deleted row: the sequence came back too
  });
});

describe("large shards", () => {
  it("go through multipart upload (equal parts of at least 5 MiB), restore byte for byte, and copy multipart", async () => {
    const f = await setup(1, 0);
    await insert(f, 0, 5);
    const stub = shardStub(env, primaryAddr(f, 0));
    const MiB = 1 << 20;
    // Any table of the shard travels (the dump is engine-agnostic): 11 rows of 1 MiB make an 11 MiB shard.
    const digestBefore = await runInDurableObject(stub, async (_i, state) => {
      const sql = state.storage.sql;
      sql.exec(`CREATE TABLE ballast (id INTEGER PRIMARY KEY, b BLOB NOT NULL)`);
      for (let i = 0; i < 11; i++) {
        const b = new Uint8Array(MiB);
        for (let o = 0; o < b.length; o += 65536) crypto.getRandomValues(b.subarray(o, o + 65536));
        sql.exec(`INSERT INTO ballast (id, b) VALUES (?, ?)`, i, b);
      }
      return ballastDigest(sql);
    });
    const answersBefore = await answers(f);
    const taken = await ops("POST", `/admin/databases/${f.db.id}/backup`);
    expect(taken.status, taken.text).toBe(201);
    const snapshot: string = taken.body.snapshot;
    const key = snapshotPrefix(f.db.id, snapshot, "local") + shardFile(0);
    const head = await env.BACKUPS.head(key);
    expect(head!.size).toBeGreaterThan(11 * MiB);
    expect(head!.etag).toMatch(/-2$/); // two parts: 8 MiB and the rest

    await runInDurableObject(stub, (_i, state) => state.storage.sql.exec(`DELETE FROM ballast WHERE id > 3`));
    await insert(f, 5, 8);
    const r = await ops("POST", `/admin/databases/${f.db.id}/restore`, { snapshot });
    expect(r.status, r.text).toBe(200);
    expect(await runInDurableObject(stub, (_i, state) => ballastDigest(state.storage.sql))).toBe(digestBefore);
    expect(await answers(f)).toEqual(answersBefore);

    // The daily copy of a large object goes part by part too, and re-verifies the SHA-256 on the way.
    await copySnapshot(env.BACKUPS, env.BACKUPS_REMOTE, f.db.id, snapshot);
    const copied = await env.BACKUPS_REMOTE.head(snapshotPrefix(f.db.id, snapshot, "remote") + shardFile(0));
    expect(copied!.size).toBe(head!.size);
    expect(copied!.etag).toMatch(/-2$/);
    const fromRemote = await ops("POST", `/admin/databases/${f.db.id}/restore`, { snapshot, location: "remote" });
    expect(fromRemote.status, fromRemote.text).toBe(200);
    expect(fromRemote.body.location).toBe("remote");
  });
});

async function ballastDigest(sql: SqlStorage): Promise<string> {
  const parts = sql
    .exec(`SELECT b FROM ballast ORDER BY id`)
    .toArray()
    .map((r) => new Uint8Array(r["b"] as ArrayBuffer));
  const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return `${parts.length}:${await sha256(all)}`;
}

describe("retention", () => {
  const HOUR = 3_600_000;
  const db = "0123456789abcdef0123";
  const at = (h: number) => Date.UTC(2032, 0, 1, h);
  async function seed(bucket: R2Bucket): Promise<void> {
    for (let h = 0; h <= 6; h++) {
      const prefix = snapshotPrefix(db, hourlySnapshotId(at(h)), "local");
      await bucket.put(prefix + shardFile(0), "x");
      if (h >= 1 && h <= 4) await bucket.put(prefix + MANIFEST_FILE, "{}"); // 0 abandoned, 5 and 6 in progress
    }
  }

  it("keeps the newest complete snapshots and any that may still be in progress", async () => {
    await seed(env.BACKUPS);
    const now = at(6) + 10 * 60_000;
    const list = await listSnapshots(env.BACKUPS, db, "local");
    expect(list.map((s) => s.id)).toEqual([6, 5, 4, 3, 2, 1, 0].map((h) => hourlySnapshotId(at(h))));
    expect(planPrune(list, 2, now).sort()).toEqual([0, 1, 2].map((h) => hourlySnapshotId(at(h))).sort());
    await prune(env.BACKUPS, list, 2, now);
    const left = await listSnapshots(env.BACKUPS, db, "local");
    expect(left.map((s) => s.id)).toEqual([6, 5, 4, 3].map((h) => hourlySnapshotId(at(h))));
  });

  it("never removes the newest complete snapshot, whatever keep says", async () => {
    const list = await listSnapshots(env.BACKUPS, db, "local");
    await prune(env.BACKUPS, list, 0, at(6) + HOUR);
    const left = await listSnapshots(env.BACKUPS, db, "local");
    expect(left.filter((s) => s.manifest).map((s) => s.id)).toEqual([hourlySnapshotId(at(4))]);
  });
});
