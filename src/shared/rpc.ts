// What crosses the Worker ↔ Durable Object boundary: ingest messages, RPC results, and the
// ShardEngine interface the shard's storage engine implements. Plain data only (RPC keeps only
// structured-cloneable values; custom error classes lose everything but name and message).

import type { ApiErrorData } from "./errors";
import type { EntityWrite, Mutation, ShardAnswer, ShardQuery } from "./plan";

/** Every DO RPC method answers this instead of throwing domain errors. */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: ApiErrorData };

/**
 * One queue message: the entities of one insert request that route to one shard.
 * `recordId` is derived from the request (its Idempotency-Key when given) and the part index, so a
 * retried request or a redelivered message carries the same id and is applied once.
 * The entities travel as JSON text (v2): the Worker stringifies each entity once anyway to size the
 * message, and a string crosses the queue and the shard RPC as one cheap copy where nested objects
 * would be serialised and rebuilt at every hop. v1 (entities as objects) is still applied, for
 * messages queued by an older deployment.
 */
export interface IngestMessage {
  v: 2;
  db: string;
  shard: number;
  replicas: number; // the database's replica count, so the primary knows whom to forward to
  recordId: string;
  /** JSON array of EntityWrite. */
  entitiesJson: string;
}

/** The v1 shape, queued by deployments before v2. */
export interface IngestMessageV1 {
  v: 1;
  db: string;
  shard: number;
  replicas: number;
  recordId: string;
  entities: EntityWrite[];
}

/** What a shard applies (`ShardDO.apply`): plaintext entities, v2 or the older v1. */
export type AnyIngestMessage = IngestMessage | IngestMessageV1;

/**
 * v3, what the Worker queues while encryption at rest is on: v2 with the entities sealed
 * (src/crypto/edge-seal.ts, purpose "ingest-queue", a key of the database derived from DATA_KEY_SECRET),
 * so entity ids and values do not sit readable in the queues, the dead-letter queue included.
 * `entitiesSealed` is the box of the UTF-8 bytes of the very JSON text v2 carries, bound to
 * `ingestSealContext` (record id and shard) so it cannot be replayed as another record. It travels as
 * binary (content type "v8"). The queue consumer opens it and hands the shard v2: shards never see v3.
 */
export interface SealedIngestMessage {
  v: 3;
  db: string;
  shard: number;
  replicas: number;
  recordId: string;
  entitiesSealed: Uint8Array;
}

/** Any message the ingest queues may hold. */
export type QueuedIngestMessage = AnyIngestMessage | SealedIngestMessage;

/** The AAD context of a v3 box: a box moved to another record id or shard fails to open. */
export function ingestSealContext(m: { recordId: string; shard: number }): string {
  return `${m.recordId}/${m.shard}`;
}

export function entitiesOf(m: AnyIngestMessage): EntityWrite[] {
  return m.v === 1 ? m.entities : (JSON.parse(m.entitiesJson) as EntityWrite[]);
}

/** Where a shard copy lives: idFromName(shardObjectName(db, shard, copy)); copy 0 is the primary. */
export function shardObjectName(db: string, shard: number, copy: number): string {
  return `${db}/${shard}/${copy}`;
}

/**
 * The storage engine of one shard. Pure: it reaches storage only through the SqlLike it was built
 * with, and the caller wraps every mutating call in one storage transaction (so a throw rolls back).
 */
export interface ShardEngine {
  /** Applies one mutation; answers how many entities it touched (written, deleted or updated). */
  apply(mutation: Mutation): MutationOutcome;
  /**
   * Applies mutations in order and persists them once at the end: a batch of queued inserts then
   * rewrites each touched segment once instead of once per message.
   */
  applyAll(mutations: readonly Mutation[]): MutationOutcome[];
  query(q: ShardQuery): ShardAnswer;
  stats(): EngineStats;
  /** Drops every cached byte (the next call pages from storage again). */
  dropCaches(): void;
}

export interface MutationOutcome {
  entities: number;
  values: number;
}

export interface EngineStats {
  entities: number; // live entities, all dimensions
  dimensions: Record<string, number>;
  storageBytes: number;
  cachedBytes: number;
}

/** The slice of DO SqlStorage the engine uses; node:sqlite is adapted to it in tests and benchmarks. */
export interface SqlLike {
  exec(query: string, ...bindings: unknown[]): SqlCursorLike;
}
export interface SqlCursorLike {
  toArray(): Record<string, unknown>[];
  one(): Record<string, unknown>;
  readonly rowsWritten: number;
}

export type { EntityWrite };

/** Which shard copy an RPC is for; a shard object learns its identity from its first call. */
export interface ShardAddress {
  db: string;
  shard: number;
  copy: number; // 0 = primary
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
}
