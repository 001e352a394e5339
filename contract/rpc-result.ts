// The answer of every Durable Object RPC method: a value, or a SlicingDice error as plain data
// (RPC keeps only structured-cloneable values; custom error classes lose everything but name and message).

import type { ApiErrorData } from "./errors";

/** Every DO RPC method answers this instead of throwing domain errors. */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: ApiErrorData };
