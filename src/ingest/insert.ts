// The insert path of DESIGN.md "Ingest, exactly once": validate and normalise the whole body
// (creating auto-created dimensions/columns first), route entities to shards, pack messages with
// record ids derived from the request, enqueue them, and optionally wait until the primaries applied them.

import { refreshSchema, rememberSchema } from "../schema-cache";
import { type Caller } from "../middleware/auth";
import { catalogOf, shardStub } from "../../durable-objects/stubs";
import { noteDataChange } from "../query/data-changes";
import { secretsOf } from "../../durable-objects/shard/data-key";
import { beginIdempotent } from "../idempotency";
import { enforce, insertTouches } from "../permissions";
import { ApiError } from "../../contract/errors";
import { COLUMNS_PER_REQUEST_MAX, INSERT_WAIT_MS, QUEUED_WRITE_SETTLE_MS } from "../../contract/limits";
import type { IngestMessage } from "../../contract/queue-messages";
import type { DatabaseInfo, SchemaIndex } from "../../contract/schema";
import { shardAddress } from "../../contract/shard-rpc";
import type { RpcResult } from "../../contract/rpc-result";
import { missingSchema, normaliseEntities, parseInsertBody, type ParsedInsert } from "./insert-body";
import { packMessages } from "./pack";
import { sealMessages } from "../../durable-objects/ingest-seal";
import { deliver } from "./deliver";

export interface InsertOptions {
  wait: boolean;
  idempotencyKey: string | undefined;
  /** Which write this is for the Idempotency-Key's scope: POST /v1/insert or an SQL INSERT. */
  operation: "insert" | "sql-insert";
}

export interface InsertOutcome {
  "inserted-entities": number;
  "inserted-columns": number;
}

export async function insert(env: Env, caller: Caller, body: unknown, options: InsertOptions): Promise<InsertOutcome> {
  const parsed = parseInsertBody(body);
  // Security: a custom key may write only the dimensions and columns it was granted (403 / code 16);
  // checked by name before anything is auto-created. Covers POST /insert and SQL INSERT.
  enforce(caller, "insert", insertTouches(parsed.entities));
  const request = await beginIdempotent<InsertOutcome>(env, caller, options.operation, options.idempotencyKey, body);
  if (request.replay !== null) return request.replay;
  const requestId = request.recordId;
  const schema = await schemaWithEverything(env, caller, parsed);
  const entities = normaliseEntities(parsed, schema, Date.now());
  const db = schema.database;
  const messages = packMessages(db, requestId, entities);
  // Sealed (v3) when encryption at rest is on: customer data never sits readable in the queues.
  await deliver(env, db.id, requestId, await sealMessages(secretsOf(env), messages));
  // From here the change will happen: this isolate stops answering from results cached before it.
  let visibleAt = Date.now() + QUEUED_WRITE_SETTLE_MS;
  try {
    if (options.wait) {
      await waitUntilApplied(env, db, messages, insertWaitMs(env));
      visibleAt = Date.now();
    }
  } finally {
    noteDataChange(db.id, visibleAt);
  }
  const outcome: InsertOutcome = {
    "inserted-entities": parsed.entities.length,
    "inserted-columns": parsed.entities.reduce((n, e) => n + e.fields.length, 0),
  };
  await request.remember(outcome);
  return outcome;
}

/** The schema once every dimension and column the insert names exists (created when auto-create allows). */
async function schemaWithEverything(env: Env, caller: Caller, parsed: ParsedInsert): Promise<SchemaIndex> {
  let schema = caller.schema;
  let missing;
  try {
    missing = missingSchema(parsed, schema);
  } catch {
    // Another isolate may have just created what is missing: look again before refusing.
    schema = await refreshSchema(env, caller.db);
    missing = missingSchema(parsed, schema);
  }
  if (caller.level === "custom" && (missing.dimensions.length > 0 || missing.columns.length > 0)) {
    // Security: custom keys never change the schema (API.md §2.4 code 15), even with a "*" grant.
    const what = missing.columns[0] ? `column '${missing.columns[0].apiName}' of dimension '${missing.columns[0].dimension}'` : `dimension '${missing.dimensions[0]}'`;
    throw new ApiError("CUSTOM_KEY_COLUMN_CREATION", `a custom key cannot create ${what}; create it with the master or a write key first`);
  }
  // auto-create obeys POST /v1/column's limit: one request cannot create more columns than that.
  if (missing.columns.length > COLUMNS_PER_REQUEST_MAX) {
    throw new ApiError(
      "COLUMN_LIMIT",
      `the insert would auto-create ${missing.columns.length} columns; one request may create at most ${COLUMNS_PER_REQUEST_MAX} (create them first with POST /v1/column)`,
      {
        max: COLUMNS_PER_REQUEST_MAX,
      },
    );
  }
  if (missing.dimensions.length > 0) schema = rememberSchema(caller.db, await catalogOf(env, caller.db).ensureDimensions(missing.dimensions));
  if (missing.columns.length > 0) {
    const result = await catalogOf(env, caller.db).createColumns(missing.columns, true);
    if (!result.ok) throw ApiError.from(result.error);
    schema = rememberSchema(caller.db, result.value);
  }
  return schema;
}

/** Polls the primaries until every record id is applied, or gives up with a timeout error (data stays queued). */
function insertWaitMs(env: Env): number {
  const ms = Number(env.INSERT_WAIT_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : INSERT_WAIT_MS;
}

async function waitUntilApplied(env: Env, info: DatabaseInfo, messages: IngestMessage[], waitMs: number): Promise<void> {
  const pending = new Map<number, Set<string>>();
  for (const m of messages) {
    let set = pending.get(m.shard);
    if (!set) pending.set(m.shard, (set = new Set()));
    set.add(m.recordId);
  }
  if (messages.length === 0) return;
  const giveUpAt = Date.now() + waitMs;
  let delay = 10;
  while (pending.size > 0) {
    await Promise.all(
      [...pending].map(async ([shard, ids]) => {
        const addr = shardAddress(info, shard, 0);
        try {
          // A slow primary must not stretch the wait: each poll gets only what is left of it.
          const result: RpcResult<string[]> | null = await withinDeadline<RpcResult<string[]>>(shardStub(env, addr).appliedAmong(addr, [...ids]), giveUpAt - Date.now());
          if (result !== null && result.ok) for (const id of result.value) ids.delete(id);
        } catch {
          // unreachable right now: keep waiting, the intake and the queue keep the data
        }
        if (ids.size === 0) pending.delete(shard);
      }),
    );
    if (pending.size === 0) return;
    if (Date.now() + delay >= giveUpAt) {
      throw new ApiError(
        "INSERT_WAIT_TIMEOUT",
        `the insert was accepted but ${[...pending.values()].reduce((n, s) => n + s.size, 0)} of its parts were not applied within ${waitMs / 1000} s; they stay queued and will be applied`,
        { "pending-shards": [...pending.keys()] },
      );
    }
    await scheduler.wait(delay);
    delay = Math.min(200, delay * 2);
  }
}

/** The promise's value, or null once `ms` have passed (the call itself is left to finish on its own). */
async function withinDeadline<T>(work: PromiseLike<T>, ms: number): Promise<T | null> {
  if (ms <= 0) return null;
  let timer: number | null = null;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
