// Operator fault injection on one shard copy (only reachable where ALLOW_FAULT_INJECTION is "true"):
// the mode is kept in shard_meta so it survives eviction, as a real outage would, and every RPC
// entry point passes through faultGate before doing any work.

import type { RpcResult } from "../../contract/rpc-result";
import type { FaultMode, ShardAddress } from "../../contract/shard-rpc";
import type { ShardLog } from "./log";
import { SLOW_FAULT_MS } from "../../contract/limits";

export function faultOf(log: ShardLog): FaultMode {
  return (log.getMeta("fault") as FaultMode | null) ?? "none";
}

export function setFault(log: ShardLog, mode: FaultMode): void {
  log.setMeta("fault", mode === "none" ? null : mode);
}

/**
 * What an injected fault does to a call: "down" refuses it (answered as data), "unreachable" throws
 * as a lost network would (nothing recorded: the caller cannot tell what happened), "slow" holds it.
 * Answers null when the call may go on.
 */
export async function faultGate(log: ShardLog, addr: ShardAddress): Promise<RpcResult<never> | null> {
  const fault = faultOf(log);
  if (fault === "down") return { ok: false, error: { name: "SHARDS_UNAVAILABLE", message: `shard ${addr.shard} copy ${addr.copy} is down (injected fault)` } };
  if (fault === "unreachable") throw new Error(`shard ${addr.shard} copy ${addr.copy}: network connection lost (injected fault)`);
  if (fault === "slow") await scheduler.wait(SLOW_FAULT_MS);
  return null;
}
