// POST /v1/delete and /v1/update (API.md §7.10, §7.11): applied once per shard primary (record ids
// from the request, or its Idempotency-Key, so a retry does not apply twice), then replicated.

import { Hono } from "hono";
import { requireLevel } from "../middleware/auth";
import { noteDataChange } from "../query/data-changes";
import { readJson } from "../middleware/body-limits";
import { success } from "./respond";
import { type AppContext, type AppEnv } from "../app-env";
import { beginIdempotent } from "../idempotency";
import { checkMutation } from "../permissions";
import { fanOut } from "../query/fanout";
import { onCurrentLayout } from "../query/current-layout";
import { compileDelete, compileUpdate, type CompiledMutation } from "../query/mutations";
import { QUERY_BODY_BYTES_MAX } from "../../contract/limits";
import type { SchemaIndex } from "../../contract/schema";
import { compileWithFreshSchema } from "../query/run";

export const mutations = new Hono<AppEnv>();

type MutationCompiler = (body: unknown, schema: SchemaIndex, now: number) => CompiledMutation;

for (const [path, compile, what, operation] of [
  ["/delete", compileDelete, "delete entities", "delete"],
  ["/update", compileUpdate, "update entities", "update"],
] as const) {
  mutations.post(path, async (c) => {
    requireLevel(c.get("caller"), ["custom"], what); // custom keys too: checkMutation below limits them to their grants
    const body = await readJson(c, QUERY_BODY_BYTES_MAX);
    return success(c, await mutate(c, body, compile, operation));
  });
}

async function mutate(c: AppContext, body: unknown, compile: MutationCompiler, operation: "delete" | "update"): Promise<Record<string, unknown>> {
  const caller = c.get("caller");
  const now = Date.now();
  const { compiled, schema } = await compileWithFreshSchema(c, (s) => compile(body, s, now));
  // Security: a custom key's selection needs query grants, what it changes insert grants (403 / code 16).
  checkMutation({ ...caller, schema }, compiled.mutationFor(0));
  const request = await beginIdempotent<Record<string, unknown>>(c.env, caller, operation, c.req.header("idempotency-key"), body);
  if (request.replay !== null) return request.replay;
  const requestId = request.recordId;
  // A retired layout changed nothing: the request goes again to the published one.
  const { db, result } = await onCurrentLayout(c, async (db) => ({
    db,
    result: await fanOut(c.env, db, (stub, addr) => stub.mutate(addr, `${requestId}/${addr.shard}`, compiled.mutationFor(addr.shard)), { primaryOnly: true }),
  }));
  noteDataChange(caller.db, Date.now()); // applied (on the shards that answered): older cached answers are stale here
  const answer = compiled.merge(
    result.answers.map((a) => (a === null ? null : a.entities)),
    { missingShards: result.missingShards, totalShards: db.shards },
  );
  // Only a complete answer is replayed: one with missing shards must run again to reach them.
  if (result.missingShards.length === 0) await request.remember(answer);
  return answer;
}
