// Record ids of a request: random, or derived from the client's Idempotency-Key (per database and per
// kind of write), so a retried request carries the same ids and the shards apply it once.

import { sha256Hex } from "./crypto/api-key-tokens";
import { ApiError } from "../contract/errors";
import { IDEMPOTENCY_KEY_CHARS_MAX } from "../contract/limits";

const PREFIX = { insert: { random: "r", keyed: "k" }, mutation: { random: "m", keyed: "mk" } } as const;

export async function requestRecordId(db: string, kind: keyof typeof PREFIX, idempotencyKey: string | undefined): Promise<string> {
  if (idempotencyKey === undefined) return `${PREFIX[kind].random}${crypto.randomUUID().replace(/-/g, "")}`;
  if (idempotencyKey.trim() === "" || idempotencyKey.length > IDEMPOTENCY_KEY_CHARS_MAX) {
    throw new ApiError("INSERT_IDEMPOTENCY_KEY", `the Idempotency-Key header must be 1 to ${IDEMPOTENCY_KEY_CHARS_MAX} characters`);
  }
  // The kind is part of the hash: an insert and a delete sent with the same key are different requests.
  const material = kind === "insert" ? `${db}\u0000${idempotencyKey}` : `${db}\u0000${kind}\u0000${idempotencyKey}`;
  return `${PREFIX[kind].keyed}${(await sha256Hex(material)).slice(0, 32)}`;
}
