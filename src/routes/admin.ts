// The operator API: create, list and delete databases (each with its master/write/read keys),
// shard health, fault injection (only where ALLOW_FAULT_INJECTION is "true"), dead letters, and a
// no-op fan-out that measures the platform's floor. Guarded by `Authorization: Bearer <ADMIN_TOKEN>`.

import { Hono } from "hono";
import { z } from "zod";
import { forgetDatabase, forgetKeys } from "../middleware/auth";
import { catalogOf, directoryOf, shardStub } from "../../durable-objects/stubs";
import { readJson } from "../middleware/body-limits";
import { success } from "./respond";
import { type AppContext, type AppEnv } from "../app-env";
import { newApiKey, newDatabaseId, secretsEqual, sha256Hex, type KeyLevel } from "../crypto/api-key-tokens";
import { fanOut } from "../query/fanout";
import { ApiError } from "../../contract/errors";
import { AUTH_CACHE_MS, QUERY_BODY_BYTES_MAX } from "../../contract/limits";
import { FAULT_MODES, shardAddress, type ShardHealth } from "../../contract/shard-rpc";
import type { DatabaseInfo } from "../../contract/schema";
import { JURISDICTIONS, LOCATION_HINTS, type Jurisdiction } from "../../contract/placement";
import { backups } from "./backups";
// ---- encryption at rest (docs/security.md) ----
import { DataKeyError, newDataKey, secretsOf, wrapDataKey } from "../../durable-objects/shard/data-key";
import { rotateDataKeys } from "../crypto/rotate";
import { parseWith } from "./validation";

const SHARDS_DEFAULT = 8;
/** Copies kept of every shard when creation does not say: a primary and 2 replicas, as SlicingDice kept 3 (README: cost). */
const REPLICAS_DEFAULT = 2;

export const createDatabaseSchema = z.strictObject({
  name: z.string({ error: "is required and must be a string" }).trim().min(1, "must not be blank").max(200, "must be at most 200 characters"),
  description: z.string({ error: "must be a string" }).max(1000, "must be at most 1000 characters").optional(),
  shards: z.number({ error: "must be an integer" }).int("must be an integer").min(1, "must be at least 1").max(256, "must be at most 256").optional(),
  replicas: z.number({ error: "must be an integer" }).int("must be an integer").min(0, "must be at least 0").max(2, "must be at most 2").optional(),
  // Copy i of every shard is created near placement[i % length]; see contract/placement.ts.
  placement: z
    .array(z.enum(LOCATION_HINTS, { error: `must be one of ${LOCATION_HINTS.join(", ")}` }), { error: "must be an array of location hints" })
    .min(1, "must name at least 1 location hint")
    .max(3, "must name at most 3 location hints (one per copy)")
    .optional(),
  jurisdiction: z.enum(JURISDICTIONS, { error: `must be one of ${JURISDICTIONS.join(", ")}` }).optional(),
});

export const faultSchema = z.strictObject({
  shard: z.number({ error: "must be an integer" }).int("must be an integer").min(0, "must be at least 0"),
  replica: z.number({ error: "must be 0 (primary) or a replica number" }).int("must be an integer").min(0, "must be at least 0").max(2, "must be at most 2"),
  mode: z.enum(FAULT_MODES, { error: `must be one of ${FAULT_MODES.join(", ")}` }),
});

export const admin = new Hono<AppEnv>();

admin.use("*", async (c, next) => {
  const token = c.env.ADMIN_TOKEN;
  if (!token) throw new ApiError("ADMIN_NOT_CONFIGURED", "the operator API is disabled: set the ADMIN_TOKEN secret (locally: .dev.vars or --var ADMIN_TOKEN:<token>)");
  const header = c.req.header("authorization") ?? "";
  const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? "";
  if (!(await secretsEqual(given, token))) throw new ApiError("ADMIN_UNAUTHORIZED", "send the operator token as 'Authorization: Bearer <ADMIN_TOKEN>'");
  await next();
});

admin.post("/databases", async (c) => {
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
  // Unlist first so nothing new is routed to it, then remove every copy of every shard and the catalog.
  await directoryOf(c.env).remove(info.id);
  await Promise.all(
    Array.from({ length: info.shards }, (_, shard) => Promise.all(Array.from({ length: info.replicas + 1 }, (_, copy) => shardStub(c.env, shardAddress(info, shard, copy)).destroy()))),
  );
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
  const encryption =
    secretsOf(c.env).current === null
      ? "off: DATA_KEY_SECRET is not set, segments, backups, queued inserts and cached answers are written in plaintext"
      : (await catalogOf(c.env, info.id).dataKey()) === null
        ? "pending: the data key is created on the first write"
        : "on";
  // Replicas their primary could not bring up to date: queries will not fall back to them until caught up.
  const behind = await catalogOf(c.env, info.id).replicaMarks();
  return success(c, { database: databaseJson(info), shards: await Promise.all(copies), "dead-letters": deadLetters.length, "replicas-behind": behind, encryption });
});

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

/** The platform's floor for query latency: every shard is called and answers at once. */
admin.post("/databases/:id/noop", async (c) => {
  // Like a query, it must not pay a directory round trip per call: the database is cached briefly.
  const id = c.req.param("id");
  let info = noopDatabases.get(id);
  if (!info || info.until < Date.now()) {
    info = { db: await databaseOr404(c), until: Date.now() + AUTH_CACHE_MS };
    noopDatabases.set(id, info);
  }
  const result = await fanOut(c.env, info.db, (stub, addr) => stub.ping(addr));
  return success(c, { shards: result.answers.length });
});

const noopDatabases = new Map<string, { db: DatabaseInfo; until: number }>();

async function databaseOr404(c: AppContext): Promise<DatabaseInfo> {
  const id = c.req.param("id") ?? "";
  const info = /^[0-9a-f]{20}$/.test(id) ? await directoryOf(c.env).get(id) : null;
  if (!info) throw new ApiError("DATABASE_NOT_FOUND", `no database with id '${id}'`);
  return info;
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
    replicas: info.replicas,
    placement: info.placement ?? null,
    jurisdiction: info.jurisdiction ?? null,
    "created-at": info.createdAt,
  };
}
