// Idempotency-Key (Stripe's rule): a key is scoped to (database, operation, API key) and bound to a
// digest of the request body. The first request under a key runs and its answer is kept; the same
// key with the same body replays that answer; the same key with another body is refused (2015), so
// a reused key never swallows a different request. Record ids derive from the scope, so a retry of
// a request that died halfway carries the same ids and the shards apply it once.
// Without a key, record ids are random and nothing is stored.

import { sha256Hex } from "./crypto/api-key-tokens";
import { ApiError } from "../contract/errors";
import { IDEMPOTENCY_KEY_CHARS_MAX } from "../contract/limits";
import { catalogOf } from "../durable-objects/stubs";
import type { Caller } from "./middleware/auth";

/** The writes that take an Idempotency-Key; each is its own scope. */
export type IdempotentOperation = "insert" | "sql-insert" | "delete" | "update";

const RECORD_PREFIX: Record<IdempotentOperation, { random: string; keyed: string }> = {
  insert: { random: "r", keyed: "k" },
  "sql-insert": { random: "r", keyed: "k" },
  delete: { random: "m", keyed: "mk" },
  update: { random: "m", keyed: "mk" },
};

export interface IdempotentRequest<T> {
  /** The record id of the request's writes. */
  recordId: string;
  /** The first answer under this key and body, to send again instead of running the request. */
  replay: T | null;
  /** Keeps the answer for later retries (nothing to do without a key). */
  remember(answer: T): Promise<void>;
}

export async function beginIdempotent<T>(env: Env, caller: Caller, operation: IdempotentOperation, idempotencyKey: string | undefined, body: unknown): Promise<IdempotentRequest<T>> {
  const prefix = RECORD_PREFIX[operation];
  if (idempotencyKey === undefined) return { recordId: `${prefix.random}${crypto.randomUUID().replace(/-/g, "")}`, replay: null, remember: async () => {} };
  if (idempotencyKey.trim() === "" || idempotencyKey.length > IDEMPOTENCY_KEY_CHARS_MAX) {
    throw new ApiError("INSERT_IDEMPOTENCY_KEY", `the Idempotency-Key header must be 1 to ${IDEMPOTENCY_KEY_CHARS_MAX} characters`);
  }
  const scope = await sha256Hex([caller.db, operation, caller.keyId, idempotencyKey].join("\u0000"));
  const digest = await sha256Hex(JSON.stringify(body) ?? "");
  const catalog = catalogOf(env, caller.db);
  const claim = await catalog.claimIdempotencyKey(scope, digest);
  if (!claim.ok) {
    throw new ApiError(
      "IDEMPOTENCY_KEY_REUSED",
      `the Idempotency-Key '${idempotencyKey}' was already used by this API key for a ${operation} with a different body; send a new key with a new request`,
    );
  }
  return {
    recordId: `${prefix.keyed}${scope.slice(0, 32)}`,
    replay: claim.answer === null ? null : (JSON.parse(claim.answer) as T),
    remember: (answer) => catalog.rememberIdempotentAnswer(scope, JSON.stringify(answer)),
  };
}
