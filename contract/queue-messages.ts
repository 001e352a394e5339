// The ingest queue's messages, v1 to v3: what the Worker queues for one shard and what a shard applies.
// Messages of older versions may still sit in a queue after a deploy, so every version stays readable.

import type { EntityWrite } from "./plan";

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
  /** The routing epoch `shard` is of (absent: 0): a message packed before a reshard reaches the old layout, which forwards it. */
  epoch?: number;
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
  epoch?: number; // never set: v1 predates resharding (epoch 0)
  replicas: number;
  recordId: string;
  entities: EntityWrite[];
}

/** What a shard applies (`ShardDO.apply`): plaintext entities, v2 or the older v1. */
export type AnyIngestMessage = IngestMessage | IngestMessageV1;

/**
 * v3, what the Worker queues while encryption at rest is on: v2 with the entities sealed
 * (durable-objects/edge-seal.ts, purpose "ingest-queue", a key of the database derived from DATA_KEY_SECRET),
 * so entity ids and values do not sit readable in the queues, the dead-letter queue included.
 * `entitiesSealed` is the box of the UTF-8 bytes of the very JSON text v2 carries, bound to
 * `ingestSealContext` (record id and shard) so it cannot be replayed as another record. It travels as
 * binary (content type "v8"). The queue consumer opens it and hands the shard v2: shards never see v3.
 */
export interface SealedIngestMessage {
  v: 3;
  db: string;
  shard: number;
  /** The routing epoch `shard` is of (absent: 0): a message packed before a reshard reaches the old layout, which forwards it. */
  epoch?: number;
  replicas: number;
  recordId: string;
  entitiesSealed: Uint8Array;
}

/** What the insert path sends now: v2, or v3 when encryption at rest is on (durable-objects/ingest-seal.ts). */
export type OutgoingIngestMessage = IngestMessage | SealedIngestMessage;

/** Any message the ingest queues may hold. */
export type QueuedIngestMessage = AnyIngestMessage | SealedIngestMessage;

/** The AAD context of a v3 box: a box moved to another record id or shard fails to open. */
export function ingestSealContext(m: { recordId: string; shard: number }): string {
  return `${m.recordId}/${m.shard}`;
}

export function entitiesOf(m: AnyIngestMessage): EntityWrite[] {
  return m.v === 1 ? m.entities : (JSON.parse(m.entitiesJson) as EntityWrite[]);
}
