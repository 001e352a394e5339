// POST /v1/delete and /v1/update (API.md §7.10, §7.11): applied once per shard primary (record ids
// from the request, or its Idempotency-Key, so a retry does not apply twice), then replicated.

import { Hono } from "hono";
import { refreshSchema, requireLevel } from "../auth";
import { readJson, success, type AppContext, type AppEnv } from "../http";
import { sha256Hex } from "../keys";
import { checkMutation } from "../permissions";
import { fanOut } from "../query/fanout";
import { compileDelete, compileUpdate, type CompiledMutation } from "../query/mutations";
import { ApiError } from "../shared/errors";
import { IDEMPOTENCY_KEY_CHARS_MAX, QUERY_BODY_BYTES_MAX } from "../shared/limits";
import type { SchemaIndex } from "../shared/schema";

export const mutations = new Hono<AppEnv>();

type MutationCompiler = (body: unknown, schema: SchemaIndex, now: number) => CompiledMutation;

for (const [path, compile, what] of [["/delete", compileDelete, "delete entities"], ["/update", compileUpdate, "update entities"]] as const) {
  mutations.post(path, async (c) => {
    requireLevel(c.get("caller"), ["custom"], what); // custom keys too: checkMutation below limits them to their grants
    const body = await readJson(c, QUERY_BODY_BYTES_MAX);
    return success(c, await mutate(c, body, compile));
  });
}

async function mutate(c: AppContext, body: unknown, compile: MutationCompiler): Promise<Record<string, unknown>> {
  const caller = c.get("caller");
  const now = Date.now();
  let compiled: CompiledMutation;
  let schema = caller.schema;
  try {
    compiled = compile(body, schema, now);
  } catch (e) {
    if (!(e instanceof ApiError) || (e.errorName !== "QUERY_UNKNOWN_COLUMN" && e.errorName !== "QUERY_UNKNOWN_DIMENSION")) throw e;
    schema = await refreshSchema(c.env, caller.db);
    compiled = compile(body, schema, now);
  }
  // Security: a custom key's selection needs query grants, what it changes insert grants (403 / code 16).
  checkMutation({ ...caller, schema }, compiled.mutationFor(0));
  const requestId = await mutationId(caller.db, c.req.header("idempotency-key"));
  const db = caller.schema.database;
  const result = await fanOut(c.env, db, (stub, addr) => stub.mutate(addr, `${requestId}/${addr.shard}`, compiled.mutationFor(addr.shard)), { primaryOnly: true });
  return compiled.merge(result.answers.map((a) => (a === null ? null : a.entities)), { missingShards: result.missingShards, totalShards: db.shards });
}

async function mutationId(db: string, idempotencyKey: string | undefined): Promise<string> {
  if (idempotencyKey === undefined) return `m${crypto.randomUUID().replace(/-/g, "")}`;
  if (idempotencyKey.trim() === "" || idempotencyKey.length > IDEMPOTENCY_KEY_CHARS_MAX) {
    throw new ApiError("INSERT_IDEMPOTENCY_KEY", `the Idempotency-Key header must be 1 to ${IDEMPOTENCY_KEY_CHARS_MAX} characters`);
  }
  return `mk${(await sha256Hex(`${db}\u0000mutation\u0000${idempotencyKey}`)).slice(0, 32)}`;
}
