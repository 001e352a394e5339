// Reading a shard copy's own bookkeeping from inside its Durable Object (tests only).

import { runInDurableObject } from "cloudflare:test";
import type { shardStub } from "../../durable-objects/stubs";

/** The record ids a shard copy has applied, sorted: the exactly-once checks compare primary and replica. */
export function appliedRecordIds(stub: ReturnType<typeof shardStub>): Promise<unknown[]> {
  return runInDurableObject(stub, (_: unknown, state: DurableObjectState) =>
    state.storage.sql
      .exec("SELECT record_id FROM shard_applied ORDER BY record_id")
      .toArray()
      .map((r) => r["record_id"]),
  );
}
