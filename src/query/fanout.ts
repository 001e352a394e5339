// Calls every shard of a database in parallel with a deadline; a copy that errors or misses the
// deadline is replaced by the next copy (primary, then replicas). A shard none of whose copies
// answered comes back as null, and the merge decides (extrapolate and flag, or refuse).

import { shardStub } from "../bindings";
import { ApiError, type ApiErrorData } from "../shared/errors";
import { SHARD_DEADLINE_MS_DEFAULT } from "../shared/limits";
import type { ShardAnswer, ShardQuery } from "../shared/plan";
import type { RpcResult, ShardAddress } from "../shared/rpc";
import type { DatabaseInfo } from "../shared/schema";

/** Errors that mean "this copy is unavailable", as opposed to "the plan is wrong" (which a replica would repeat). */
const AVAILABILITY_ERRORS = new Set<ApiErrorData["name"]>(["SHARDS_UNAVAILABLE", "INTERNAL"]);

export interface FanOutResult<T> {
  answers: Array<T | null>;
  missingShards: number[];
}

export function shardDeadline(env: Env): number {
  const ms = Number(env.SHARD_DEADLINE_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : SHARD_DEADLINE_MS_DEFAULT;
}

export async function fanOut<T>(
  env: Env,
  db: DatabaseInfo,
  call: (stub: ReturnType<typeof shardStub>, addr: ShardAddress) => Promise<RpcResult<T>>,
  options: { primaryOnly?: boolean } = {},
): Promise<FanOutResult<T>> {
  const deadline = shardDeadline(env);
  const lastCopy = options.primaryOnly ? 0 : db.replicas; // writes go to the primary, which feeds its replicas
  const answers = await Promise.all(
    Array.from({ length: db.shards }, async (_, shard) => {
      for (let copy = 0; copy <= lastCopy; copy++) {
        const addr: ShardAddress = { db: db.id, shard, copy, replicas: db.replicas };
        const outcome = await withDeadline(() => call(shardStub(env, addr), addr), deadline);
        if (outcome.kind === "answer") return outcome.value;
        if (outcome.kind === "refused") throw ApiError.from(outcome.error);
      }
      return null;
    }),
  );
  return { answers, missingShards: answers.flatMap((a, i) => (a === null ? [i] : [])) };
}

/** One query plan per shard (planFor), answers in shard order. */
export function queryShards(env: Env, db: DatabaseInfo, planFor: (shard: number) => ShardQuery): Promise<FanOutResult<ShardAnswer>> {
  // The stub's RPC typing widens tuples to arrays; the answer is the engine's ShardAnswer as sent.
  return fanOut(env, db, (stub, addr) => stub.query(addr, planFor(addr.shard)) as Promise<RpcResult<ShardAnswer>>);
}

type Outcome<T> = { kind: "answer"; value: T } | { kind: "unavailable" } | { kind: "refused"; error: ApiErrorData };

async function withDeadline<T>(call: () => Promise<RpcResult<T>>, ms: number): Promise<Outcome<T>> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "unavailable" }), ms);
  });
  const attempt = call().then(
    (r): Outcome<T> => (r.ok ? { kind: "answer", value: r.value } : AVAILABILITY_ERRORS.has(r.error.name) ? { kind: "unavailable" } : { kind: "refused", error: r.error }),
    (): Outcome<T> => ({ kind: "unavailable" }),
  );
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}
