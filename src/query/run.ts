// Running a compiled query: the result cache (a fresh exact answer, unless bypassed), the schema
// retry (a column another isolate just created), the fan-out to every shard (twice when an
// extraction page needs more rows from some shards) and the merge. Shared by every query route,
// saved queries and SQL.

import { ApiError } from "../../contract/errors";
import { RESULT_CACHE_FRESH_MS } from "../../contract/limits";
import type { DatabaseInfo, SchemaIndex } from "../../contract/schema";
import { secretsOf } from "../../durable-objects/shard/data-key";
import type { AppContext } from "../app-env";
import { onCurrentLayout } from "./current-layout";
import { refreshSchema } from "../schema-cache";
import { checkQuery, schemaSeenBy } from "../permissions";
import { successFromText } from "../routes/respond";
import { extendAnswers, type CompiledQuery } from "./compiled";
import { dataChangedSince } from "./data-changes";
import { queryShards } from "./fanout";
import { stringifyResponse } from "./json";
import { stableJson } from "./page-token";
import { cacheKeyOf, planHash, readCached, writeCached, type CacheSealing } from "./result-cache";

export type Compiler = (body: unknown, schema: SchemaIndex, now: number) => CompiledQuery;

/** Compiles (looking at a fresh schema once before calling a column unknown), then answers. */
export async function runQuery(c: AppContext, body: unknown, compile: Compiler): Promise<Response> {
  const now = Date.now();
  const { compiled } = await compileWithFreshSchema(c, (s) => compile(body, s, now));
  // Keyed by the request, not the plan: a plan holds `now` resolved to the millisecond, which would
  // make relative-date queries ("-1d") never hit; the request text is what "the same query" means.
  return answer(c, { ...compiled, cacheKey: requestCacheKey(c.req.path, body) });
}

export function requestCacheKey(path: string, body: unknown): string {
  return `${path}\u0000${stableJson(withoutBypass(body))}`;
}

/** The request minus its bypass-cache flags: the flag says how to use the cache, not which query it is. */
function withoutBypass(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(withoutBypass);
  if (typeof body !== "object" || body === null) return body;
  return Object.fromEntries(Object.entries(body).filter(([k]) => k !== "bypass-cache"));
}

/**
 * Answers a compiled query from the result cache when a fresh exact answer is there (unless the
 * request bypasses it), else fans out, merges, and stores the answer if it is exact and not bypassing.
 */
export async function answer(c: AppContext, compiled: CompiledQuery, freshMs = RESULT_CACHE_FRESH_MS): Promise<Response> {
  const caller = c.get("caller");
  // Security: a custom key may read only the columns it was granted (403 / code 16), checked on the
  // compiled plan before the cache so a cached answer cannot leak either. Covers JSON, saved and SQL queries.
  checkQuery(caller, compiled);
  const now = Date.now();
  // A bypassing request skips the cache both ways: no key hashing, no KV read or write on its path.
  // A custom key compiles against the schema its grants show it (SELECT *, all columns): its answers
  // are kept apart from other keys' for the same request text.
  const scope = caller.level === "custom" ? `\u0000custom:${caller.keyId}:${JSON.stringify(caller.permissions)}` : "";
  const key = compiled.bypassCache ? null : cacheKeyOf(caller.db, caller.schema.version, await planHash(compiled.cacheKey + scope));
  const sealing = key === null ? null : cacheSealing(c.env, caller.db);
  if (key !== null) {
    const hit = await readCached(c.env.RESULT_CACHE, key, now, { freshMs, changedSince: dataChangedSince(caller.db), sealing });
    if (hit !== null) return successFromText(c, hit);
  }
  const body = await execute(c, compiled);
  const text = stringifyResponse(body);
  // Approximate answers are never kept: a recovered shard must be seen at once.
  if (key !== null && !("approximate" in body)) c.executionCtx.waitUntil(writeCached(c.env.RESULT_CACHE, key, text, now, { freshMs, sealing }));
  return successFromText(c, text);
}

/** How this database's cache entries are sealed: null when no master secret is configured. */
function cacheSealing(env: Env, db: string): CacheSealing | null {
  const secrets = secretsOf(env);
  return secrets.current === null && secrets.previous === null ? null : { secrets, db };
}

const SCHEMA_SENSITIVE = new Set(["QUERY_UNKNOWN_COLUMN", "QUERY_UNKNOWN_DIMENSION"]);

/** The error says the request names a column or dimension the schema used did not know. */
export function namesUnknownSchema(e: ApiError): boolean {
  return SCHEMA_SENSITIVE.has(e.errorName);
}

/**
 * Compiles against the caller's cached schema; when that names an unknown column or dimension
 * (`stale` says which errors mean that), looks at the catalog once more (another isolate may have
 * just created it) before refusing, and from then on the request's caller carries that schema.
 */
export async function compileWithFreshSchema<T>(
  c: AppContext,
  compile: (schema: SchemaIndex) => T,
  stale: (e: ApiError) => boolean = namesUnknownSchema,
): Promise<{ compiled: T; schema: SchemaIndex }> {
  const caller = c.get("caller");
  try {
    // Security: a custom key compiles against what its grants show it (forbidden = missing, src/permissions.ts).
    return { compiled: compile(schemaSeenBy(caller, caller.schema)), schema: caller.schema };
  } catch (e) {
    if (!(e instanceof ApiError) || !stale(e)) throw e;
    const schema = await refreshSchema(c.env, caller.db);
    // Security: permission checks and cache keys after this must see the schema the plan was compiled with.
    c.set("caller", { ...caller, schema });
    return { compiled: compile(schemaSeenBy(caller, schema)), schema };
  }
}

export function execute(c: AppContext, compiled: CompiledQuery): Promise<Record<string, unknown>> {
  return onCurrentLayout(c, (db) => executeOn(c, db, compiled));
}

async function executeOn(c: AppContext, db: DatabaseInfo, compiled: CompiledQuery): Promise<Record<string, unknown>> {
  const first = await queryShards(c.env, db, compiled.planFor);
  let answers = first.answers;
  const again = compiled.followUp?.plans(answers) ?? null;
  if (again !== null) {
    const asked = [...again.keys()];
    const more = await queryShards(c.env, db, (shard) => again.get(shard)!, asked);
    answers = extendAnswers(compiled, answers, asked, more.answers);
  }
  const missingShards = answers.flatMap((a, shard) => (a === null ? [shard] : []));
  return compiled.merge(answers, { missingShards, totalShards: db.shards });
}
