// The shard Durable Object's RPC contract: where a copy lives, which copy a call is for, fault
// injection modes, replica marks and health. Plain data only: it crosses the RPC boundary.

import type { Placement } from "./placement";
import type { DatabaseInfo } from "./schema";

/**
 * Where a shard copy lives: idFromName(shardObjectName(db, shard, copy, epoch)); copy 0 is the
 * primary. Epoch 0 (the layout of creation) keeps the names shards had before resharding existed.
 */
export function shardObjectName(db: string, shard: number, copy: number, epoch = 0): string {
  return epoch === 0 ? `${db}/${shard}/${copy}` : `${db}/e${epoch}/${shard}/${copy}`;
}

/**
 * The address of one copy of one shard of `info`, its placement included: addresses are built only
 * here. `epoch` defaults to the database's current routing epoch; a queued message names its own.
 */
export function shardAddress(info: DatabaseInfo, shard: number, copy: number, epoch = info.epoch ?? 0): ShardAddress {
  const addr: ShardAddress = { db: info.id, shard, copy, replicas: info.replicas };
  if (epoch > 0) addr.epoch = epoch;
  if (info.placement) addr.placement = info.placement;
  if (info.jurisdiction) addr.jurisdiction = info.jurisdiction;
  return addr;
}

/** Every copy (primaries and replicas) of the layout of `shards` shards at `epoch` of `info`: creating, retiring or destroying a layout. */
export function layoutAddresses(info: DatabaseInfo, shards: number, epoch: number): ShardAddress[] {
  return Array.from({ length: shards * (info.replicas + 1) }, (_, i) => shardAddress(info, Math.floor(i / (info.replicas + 1)), i % (info.replicas + 1), epoch));
}

/**
 * Which shard copy an RPC is for; a shard object learns its identity from its first call. The
 * database's placement travels with it: the stub factory (durable-objects/stubs.ts) needs it to reach
 * the object (a jurisdiction is part of the id), and a primary needs it to reach its replicas.
 */
export interface ShardAddress extends Placement {
  db: string;
  shard: number;
  copy: number; // 0 = primary
  /** The routing epoch of the layout this shard belongs to (absent: 0). */
  epoch?: number;
  replicas: number; // how many replica copies the database keeps (the primary forwards to copies 1..replicas)
}

/**
 * Operator fault injection (only when ALLOW_FAULT_INJECTION is "true"). "down" refuses calls (and a
 * replica remembers the changes it refused); "unreachable" makes calls throw as a lost network would,
 * so the copy never learns that anything was sent to it.
 */
export const FAULT_MODES = ["none", "down", "slow", "unreachable"] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/**
 * A replica copy the primary could not bring up to date before acknowledging a write, recorded in the
 * database's catalog so that a query falling back from a failed primary can tell (see shard.ts
 * forwardNow and fanout.ts). `since`..`through` are the primary's outbox sequence numbers it lacks.
 */
export interface ReplicaMark {
  shard: number;
  copy: number;
  since: number;
  through: number;
  at: string;
}

/** One shard copy's health, for GET /admin/databases/:id/health. */
export interface ShardHealth {
  shard: number;
  copy: number;
  entities: number;
  appliedRecords: number;
  outboxBacklog: number;
  lastError: string | null;
  errors: number; // calls that failed on this copy since it was created
  lastBackupAt: string | null;
  fault: FaultMode;
  /** A replica's own note that it missed changes: it refuses queries until its primary catches it up. */
  behind: string | null;
  /** A restore staged on this copy: it refuses writes until the restore commits or is aborted. */
  restoring: string | null;
  /** A reshard's hold on this copy: "frozen" (writes wait while it is copied) or "retired" (inserts are forwarded to the new layout), null: none. */
  resharding: string | null;
  /** The jurisdiction the object really lives in (its id's, as the runtime reports it), null: none. */
  jurisdiction: string | null;
}
