// Calls every shard of a database in parallel with a deadline; a copy that errors or misses the
// deadline is replaced by the next copy (primary, then replicas), copies that failed recently are
// tried last, and runtime-retryable errors are retried within a budget. A replica the catalog marks
// as behind its primary is not used. A shard none of whose usable copies answered comes back as null,
// and the merge decides (extrapolate and flag, or refuse).

import { catalogOf, shardStub } from "../../durable-objects/stubs";
import { fromWire, type WireAnswer } from "../../contract/answer-wire";
import { LATE, within } from "../../contract/deadline";
import { ApiError, type ApiErrorData } from "../../contract/errors";
import { SHARD_DEADLINE_MS_DEFAULT, SHARD_RETRIES_PER_COPY_MAX } from "../../contract/limits";
import type { ShardAnswer, ShardQuery } from "../../contract/plan";
import type { RpcResult } from "../../contract/rpc-result";
import { shardAddress, type ShardAddress } from "../../contract/shard-rpc";
import type { DatabaseInfo } from "../../contract/schema";
import { backoffMs, CopyHealth, isRetryable, RetryBudget } from "./shard-health";

/** Errors that mean "this copy is unavailable", as opposed to "the plan is wrong" (which a replica would repeat). */
const AVAILABILITY_ERRORS = new Set<ApiErrorData["name"]>(["SHARDS_UNAVAILABLE", "INTERNAL"]);

const health = new CopyHealth();
const budget = new RetryBudget();

export interface FanOutResult<T> {
  /** One per shard called, in the order called (every shard unless `shards` chose some). */
  answers: Array<T | null>;
  missingShards: number[];
}

export interface FanOutOptions {
  /** Writes: only primaries (they feed their replicas). */
  primaryOnly?: boolean;
  /** Only these shards (default: all of them, in order). */
  shards?: readonly number[];
}

type ShardCall<T> = (stub: ReturnType<typeof shardStub>, addr: ShardAddress) => Promise<RpcResult<T>>;

export function shardDeadline(env: Env): number {
  const ms = Number(env.SHARD_DEADLINE_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : SHARD_DEADLINE_MS_DEFAULT;
}

export async function fanOut<T>(env: Env, db: DatabaseInfo, call: ShardCall<T>, options: FanOutOptions = {}): Promise<FanOutResult<T>> {
  const deadline = shardDeadline(env);
  const lastCopy = options.primaryOnly ? 0 : db.replicas; // writes go to the primary, which feeds its replicas
  const epoch = db.epoch ?? 0;
  const behind = laggingReplicas(env, db.id, epoch, deadline);
  const shards = options.shards ?? Array.from({ length: db.shards }, (_, shard) => shard);
  const answers = await Promise.all(
    shards.map(async (shard) => {
      for (const copy of copyOrder(db.id, epoch, shard, lastCopy)) {
        const addr = shardAddress(db, shard, copy);
        // A replica may lack writes its primary acknowledged while it was unreachable: only the
        // catalog knows. It is asked before the replica, not alongside: a mark cleared after the read
        // means the replica already had those writes when it was asked.
        if (copy > 0 && (await behind(shard, copy))) continue;
        const outcome = await callCopy(env, addr, call, deadline);
        if (outcome.kind === "answer") return outcome.value;
        if (outcome.kind === "refused") throw ApiError.from(outcome.error);
      }
      return null;
    }),
  );
  return { answers, missingShards: answers.flatMap((a, i) => (a === null ? [shards[i]!] : [])) };
}

/** One query plan per shard (planFor), answers in shard order (of `shards` when given). */
export function queryShards(env: Env, db: DatabaseInfo, planFor: (shard: number) => ShardQuery, shards?: readonly number[]): Promise<FanOutResult<ShardAnswer>> {
  // Answers cross in their RPC form (contract/answer-wire.ts; the stub types widen it) and are turned back here.
  return fanOut(
    env,
    db,
    async (stub, addr) => {
      const r = (await stub.query(addr, planFor(addr.shard))) as RpcResult<WireAnswer>;
      return r.ok ? { ok: true, value: fromWire(r.value) } : r;
    },
    shards === undefined ? {} : { shards },
  );
}

/**
 * Whether a replica copy is marked behind its primary. The catalog is asked at most once per fan-out
 * and only when a replica is about to be used, so the normal path (primaries answer) costs nothing;
 * nothing is kept across fan-outs, since a mark must count from the moment it is recorded. A catalog
 * that does not answer in time counts as "behind": a stale answer must not pass as exact.
 */
function laggingReplicas(env: Env, db: string, epoch: number, ms: number): (shard: number, copy: number) => Promise<boolean> {
  let marked: Promise<Set<string> | null> | null = null;
  return async (shard, copy) => {
    marked ??= within(catalogOf(env, db).replicaMarks(epoch), ms).then(
      (marks) => (marks === LATE ? null : new Set(marks.map((m) => copyKey(db, epoch, m.shard, m.copy)))),
      () => null,
    );
    const marks = await marked;
    return marks === null || marks.has(copyKey(db, epoch, shard, copy));
  };
}

/** Healthy copies first (primary before replicas), recently failed ones last. */
function copyOrder(db: string, epoch: number, shard: number, lastCopy: number): number[] {
  const copies = Array.from({ length: lastCopy + 1 }, (_, c) => c);
  const sick = (c: number) => health.isSick(copyKey(db, epoch, shard, c));
  return [...copies.filter((c) => !sick(c)), ...copies.filter(sick)];
}

/** One shard copy of one layout: after a reshard, shard n of the new layout is another object than old shard n. */
const copyKey = (db: string, epoch: number, shard: number, copy: number) => `${db}/e${epoch}/${shard}/${copy}`;

type Outcome<T> = { kind: "answer"; value: T } | { kind: "unavailable" } | { kind: "refused"; error: ApiErrorData };
type Attempt<T> = { kind: "answer"; value: T } | { kind: "unavailable"; retryable: boolean } | { kind: "refused"; error: ApiErrorData };

async function callCopy<T>(env: Env, addr: ShardAddress, call: ShardCall<T>, deadline: number): Promise<Outcome<T>> {
  const key = copyKey(addr.db, addr.epoch ?? 0, addr.shard, addr.copy);
  for (let attempt = 0; ; attempt++) {
    budget.recordCall();
    const outcome = await withDeadline(() => call(shardStub(env, addr), addr), deadline);
    if (outcome.kind !== "unavailable") {
      health.succeeded(key);
      return outcome;
    }
    const retry = outcome.retryable && attempt < SHARD_RETRIES_PER_COPY_MAX && budget.tryRetry();
    if (!retry) {
      health.failed(key);
      return { kind: "unavailable" };
    }
    await scheduler.wait(backoffMs(attempt + 1));
  }
}

async function withDeadline<T>(call: () => Promise<RpcResult<T>>, ms: number): Promise<Attempt<T>> {
  const attempt = call().then(
    (r): Attempt<T> => (r.ok ? { kind: "answer", value: r.value } : AVAILABILITY_ERRORS.has(r.error.name) ? { kind: "unavailable", retryable: false } : { kind: "refused", error: r.error }),
    (e: unknown) => ({ kind: "unavailable" as const, retryable: isRetryable(e) }),
  );
  const outcome = await within(attempt, ms);
  return outcome === LATE ? { kind: "unavailable", retryable: false } : outcome;
}
