// The operator API: create, list and delete databases (each with its master/write/read keys),
// shard health, fault injection (only where ALLOW_FAULT_INJECTION is "true"), dead letters, and a
// no-op fan-out that measures the platform's floor. Guarded by `Authorization: Bearer <ADMIN_TOKEN>`.

import { Hono } from "hono";
import { forgetDatabase, forgetKeys } from "../middleware/auth";
import { catalogOf, directoryOf, intakeInLane, shardStub } from "../../durable-objects/stubs";
import { intakeLanes } from "../../durable-objects/intake/lanes";
import { readJson } from "../middleware/body-limits";
import { success } from "./respond";
import { type AppContext, type AppEnv } from "../app-env";
import { newApiKey, newDatabaseId, sha256Hex, type KeyLevel } from "../crypto/api-key-tokens";
import { guardAdmin } from "../middleware/admin-guard";
import { requireEncryptionOrConsent } from "../middleware/deployment";
import { fanOut } from "../query/fanout";
import { ApiError } from "../../contract/errors";
import { AUTH_CACHE_MS, QUERY_BODY_BYTES_MAX } from "../../contract/limits";
import { layoutAddresses, shardAddress, type ReplicaMark, type ShardHealth } from "../../contract/shard-rpc";
import type { DatabaseInfo } from "../../contract/schema";
import type { Jurisdiction } from "../../contract/placement";
import { backups } from "./backups";
import { reshard } from "./reshard";
import { progressOf } from "../../durable-objects/reshard/job";
// ---- encryption at rest (docs/security.md) ----
import { DataKeyError, dataKeyUnavailable, newDataKey, secretsOf, unwrapDataKey, wrapDataKey } from "../../durable-objects/shard/data-key";
import { rotateDataKeys } from "../crypto/rotate";
import { parseWith } from "./validation";
import { createDatabaseSchema, faultSchema } from "./admin-schemas";
import { databaseOr404 } from "./database-param";

const SHARDS_DEFAULT = 8;
/** Copies kept of every shard when creation does not say: a primary and 2 replicas, as SlicingDice kept 3 (README: cost). */
const REPLICAS_DEFAULT = 2;

export const admin = new Hono<AppEnv>();

admin.use("*", async (c, next) => {
  await guardAdmin(c); // token configured and strong enough, wrong tokens limited per address
  await next();
});

admin.post("/databases", async (c) => {
  requireEncryptionOrConsent(c.env, c.req.url); // a new database would be born unencrypted
  const body = parseWith(createDatabaseSchema, await readJson(c, QUERY_BODY_BYTES_MAX, {}), {}, "ADMIN_INVALID", "database");
  const now = new Date().toISOString();
  const info: DatabaseInfo = {
    id: newDatabaseId(),
    name: body.name,
    description: body.description ?? "",
    shards: body.shards ?? defaultShards(c),
    replicas: body.replicas ?? REPLICAS_DEFAULT,
    createdAt: now,
    updatedAt: now,
  };
  if (body.placement) {
    if (body.placement.length > info.replicas + 1) {
      throw new ApiError(
        "ADMIN_INVALID",
        `database: 'placement' names ${body.placement.length} location hints but the database keeps ${info.replicas + 1} copies of each shard (replicas ${info.replicas}): hint ${info.replicas + 2} would never be used`,
      );
    }
    info.placement = body.placement;
  }
  if (body.jurisdiction) info.jurisdiction = usableJurisdiction(c.env, body.jurisdiction);
  const keys = { master: newApiKey(info.id), write: newApiKey(info.id), read: newApiKey(info.id) };
  const hashed = await Promise.all((Object.entries(keys) as Array<[KeyLevel, string]>).map(async ([level, key]) => ({ level, hash: await sha256Hex(key) })));
  // The data key is born with the database and stored only wrapped (none while DATA_KEY_SECRET is unset).
  const secret = secretsOf(c.env).current;
  const wrappedKey = secret === null ? null : await wrapDataKey(secret, info.id, newDataKey());
  await catalogOf(c.env, info.id).init(info, hashed, wrappedKey);
  await directoryOf(c.env).register(info);
  if (info.placement) await placeCopies(c.env, info);
  return success(c, { database: databaseJson(info), "api-keys": keys }, 201);
});

admin.get("/databases", async (c) => {
  const list = await directoryOf(c.env).list();
  return success(c, { databases: list.map(databaseJson) });
});

admin.delete("/databases/:id", async (c) => {
  const info = await databaseOr404(c);
  // Unlist first so nothing new is routed to it, then remove every copy of every shard of every layout
  // (the current one, those a reshard left, one a running reshard is building) and the catalog.
  await directoryOf(c.env).remove(info.id);
  const job = await catalogOf(c.env, info.id).reshardStatus();
  const layouts = [
    { epoch: info.epoch ?? 0, shards: info.shards },
    ...(info.pastLayouts ?? []),
    ...(job === null ? [] : [job.to, ...job.abandoned.map((epoch) => ({ epoch, shards: job.to.shards }))]),
  ];
  await Promise.all(layouts.flatMap((l) => layoutAddresses(info, l.shards, l.epoch)).map((addr) => shardStub(c.env, addr).destroy()));
  await catalogOf(c.env, info.id).destroy();
  forgetDatabase(info.id);
  return success(c, { deleted: info.id });
});

admin.get("/databases/:id/health", async (c) => {
  const info = await databaseOr404(c);
  const copies: Array<Promise<ShardHealth | { shard: number; copy: number; error: string }>> = [];
  for (let shard = 0; shard < info.shards; shard++) {
    for (let copy = 0; copy <= info.replicas; copy++) {
      const addr = shardAddress(info, shard, copy);
      copies.push(
        shardStub(c.env, addr)
          .health(addr)
          .catch((e: unknown) => ({ shard, copy, error: e instanceof Error ? e.message : String(e) })),
      );
    }
  }
  const deadLetters = await catalogOf(c.env, info.id).deadLetters();
  const encryption = await encryptionState(c.env, info.id);
  // Replicas their primary could not bring up to date: queries will not fall back to them until caught up.
  const behind = await catalogOf(c.env, info.id).replicaMarks(info.epoch ?? 0);
  const shards = await Promise.all(copies);
  const intake = await intakeHealth(c.env, info.id);
  const job = await catalogOf(c.env, info.id).reshardStatus();
  return success(c, {
    database: databaseJson(info),
    shards,
    "dead-letters": deadLetters.length,
    "replicas-behind": behind,
    "refusing-queries": refusingQueries(shards, behind),
    restoring: shards.flatMap((h) => ("restoring" in h && h.restoring !== null ? [{ shard: h.shard, copy: h.copy, restore: h.restoring }] : [])),
    encryption,
    intake,
    reshard: job === null ? null : progressOf(job),
  });
});

/** Acknowledged insert messages the durable intake still holds (not yet known applied by their primary). */
async function intakeHealth(env: Env, db: string): Promise<{ pending: number; "dead-lettered": number; "oldest-accepted-at": string | null }> {
  const lanes = await Promise.all(intakeLanes().map((lane) => intakeInLane(env, db, lane).counts()));
  const oldest = lanes.flatMap((l) => (l.oldestAcceptedAt === null ? [] : [l.oldestAcceptedAt]));
  return {
    pending: lanes.reduce((n, l) => n + l.pending, 0),
    "dead-lettered": lanes.reduce((n, l) => n + l.deadLettered, 0),
    "oldest-accepted-at": oldest.length === 0 ? null : new Date(Math.min(...oldest)).toISOString(),
  };
}

admin.get("/databases/:id/dead-letters", async (c) => {
  const info = await databaseOr404(c);
  return success(c, { "dead-letters": await catalogOf(c.env, info.id).deadLetters() });
});

admin.post("/databases/:id/faults", async (c) => {
  if (String(c.env.ALLOW_FAULT_INJECTION) !== "true") throw new ApiError("FAULTS_DISABLED", "fault injection is not enabled on this deployment");
  const info = await databaseOr404(c);
  const f = parseWith(faultSchema, await readJson(c, QUERY_BODY_BYTES_MAX), {}, "ADMIN_INVALID", "fault");
  if (f.shard >= info.shards) throw new ApiError("ADMIN_INVALID", `fault: shard ${f.shard} does not exist (the database has ${info.shards})`);
  if (f.replica > info.replicas) throw new ApiError("ADMIN_INVALID", `fault: replica ${f.replica} does not exist (the database keeps ${info.replicas})`);
  const addr = shardAddress(info, f.shard, f.replica);
  await shardStub(c.env, addr).setFault(addr, f.mode);
  return success(c, { shard: f.shard, replica: f.replica, mode: f.mode });
});

/** Recovery when a database's master key is lost or leaked: a new master, the old one invalid (within AUTH_CACHE_MS everywhere). */
admin.post("/databases/:id/keys/master/rotate", async (c) => {
  const info = await databaseOr404(c);
  const secret = newApiKey(info.id);
  const result = await catalogOf(c.env, info.id).rotateMaster(await sha256Hex(secret), null);
  if (!result.ok) throw ApiError.from(result.error);
  forgetKeys(info.id);
  return success(c, { id: result.value.id, level: "master", "api-key": secret });
});

/**
 * Master-secret rotation (docs/security.md): deploy the new DATA_KEY_SECRET with the old one as
 * DATA_KEY_SECRET_PREVIOUS, call this until `failed` is empty, then delete DATA_KEY_SECRET_PREVIOUS.
 */
admin.post("/rotate-data-key-secret", async (c) => {
  try {
    const r = await rotateDataKeys(c.env, secretsOf(c.env));
    return success(c, { secret: r.secret, databases: r.databases, rewrapped: r.rewrapped, "already-current": r.alreadyCurrent, "without-key": r.withoutKey, failed: r.failed });
  } catch (e) {
    if (e instanceof DataKeyError) throw new ApiError("ADMIN_INVALID", e.message);
    throw e;
  }
});

admin.route("/", backups); // POST /databases/:id/backup, GET /databases/:id/backups, POST /databases/:id/restore
admin.route("/", reshard); // POST, GET and DELETE /databases/:id/reshard

/** The platform's floor for query latency: every shard is called and answers at once. */
admin.post("/databases/:id/noop", async (c) => {
  // Like a query, it must not pay a directory round trip per call: the database is cached briefly.
  const id = c.req.param("id");
  let info = noopDatabases.get(id);
  if (!info || info.until < Date.now()) {
    info = { db: await databaseOr404(c), until: Date.now() + AUTH_CACHE_MS };
    noopDatabases.set(id, info);
  }
  c.set("db", info.db.id);
  const result = await fanOut(c.env, info.db, (stub, addr) => stub.ping(addr));
  return success(c, { shards: result.answers.length });
});

const noopDatabases = new Map<string, { db: DatabaseInfo; until: number }>();

/**
 * Every copy a query would not use now, and why: unreachable, an injected fault, a replica that knows
 * it missed changes (it refuses queries itself), or one the catalog marks behind (the fan-out skips it).
 */
function refusingQueries(shards: Array<ShardHealth | { shard: number; copy: number; error: string }>, marks: ReplicaMark[]): Array<{ shard: number; copy: number; reason: string }> {
  const out: Array<{ shard: number; copy: number; reason: string }> = [];
  for (const h of shards) {
    if ("error" in h) out.push({ shard: h.shard, copy: h.copy, reason: `unreachable: ${h.error}` });
    else if (h.fault === "down" || h.fault === "unreachable") out.push({ shard: h.shard, copy: h.copy, reason: `injected fault: ${h.fault}` });
    else if (h.behind !== null) out.push({ shard: h.shard, copy: h.copy, reason: `behind its primary (${h.behind}): refuses queries until caught up` });
  }
  for (const m of marks) {
    if (!out.some((o) => o.shard === m.shard && o.copy === m.copy)) out.push({ shard: m.shard, copy: m.copy, reason: "marked behind in the catalog: queries skip it until its primary catches it up" });
  }
  return out.sort((a, b) => a.shard - b.shard || a.copy - b.copy);
}

/** Whether this database's data can be read here: a wrapped key this deployment's secrets cannot open is "unavailable". */
async function encryptionState(env: Env, db: string): Promise<string> {
  const secrets = secretsOf(env);
  const wrapped = await catalogOf(env, db).dataKey();
  if (wrapped === null) {
    return secrets.current === null
      ? "off: DATA_KEY_SECRET is not set, segments, backups, queued inserts and cached answers are written in plaintext"
      : "pending: the data key is created on the first write";
  }
  try {
    if (secrets.current === null && secrets.previous === null) throw new DataKeyError("DATA_KEY_SECRET is not set");
    (await unwrapDataKey(secrets, db, wrapped)).fill(0);
    return "on";
  } catch (e) {
    if (!(e instanceof DataKeyError)) throw e;
    return `unavailable: ${dataKeyUnavailable(e).message}; every query answers 4004`;
  }
}

function defaultShards(c: AppContext): number {
  const n = Number(c.env.DEFAULT_SHARDS);
  return Number.isInteger(n) && n >= 1 && n <= 256 ? n : SHARDS_DEFAULT;
}

/**
 * A jurisdiction the runtime cannot open would make every call to the database's shards throw
 * (workerd, locally: "Jurisdiction restrictions are not implemented"): refused before anything exists.
 */
function usableJurisdiction(env: Env, j: Jurisdiction): Jurisdiction {
  try {
    env.SHARD.jurisdiction(j);
    return j;
  } catch (e) {
    throw new ApiError(
      "ADMIN_INVALID",
      `database: 'jurisdiction' '${j}' is not available on this runtime (${(e instanceof Error ? e.message : String(e)).replace(/\.$/, "")}); local development cannot keep data in a jurisdiction`,
    );
  }
}

/**
 * A location hint counts only on the call that creates the object, and the first call to a shard may
 * come from a path that does not carry the placement (the ingest consumer): so every copy is created
 * here, with its hint, before the database is handed out. Costs one call per copy, once.
 */
async function placeCopies(env: Env, info: DatabaseInfo): Promise<void> {
  const calls: Array<Promise<unknown>> = [];
  for (let shard = 0; shard < info.shards; shard++) {
    for (let copy = 0; copy <= info.replicas; copy++) {
      const addr = shardAddress(info, shard, copy);
      calls.push(shardStub(env, addr).health(addr));
    }
  }
  // Best effort: a copy not created now is created by its first caller, only without the hint.
  const failed = (await Promise.allSettled(calls)).filter((r) => r.status === "rejected");
  if (failed.length > 0) console.warn(`placement: ${failed.length} shard copies of ${info.id} were not created at their hint: ${String((failed[0] as PromiseRejectedResult).reason)}`);
}

function databaseJson(info: DatabaseInfo): Record<string, unknown> {
  return {
    id: info.id,
    name: info.name,
    description: info.description,
    shards: info.shards,
    epoch: info.epoch ?? 0,
    replicas: info.replicas,
    placement: info.placement ?? null,
    jurisdiction: info.jurisdiction ?? null,
    "created-at": info.createdAt,
  };
}
