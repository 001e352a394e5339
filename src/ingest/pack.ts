// Packs normalised entities into per-shard queue messages below the queue's message size limit, and
// messages into sendBatch calls below its batch limits.
// Record ids are derived from the request id, shard and part index, so the same request body sent
// again under the same Idempotency-Key yields the same record ids and is applied once.

import { ApiError } from "../shared/errors";
import { QUEUE_MESSAGE_BYTES_MAX, QUEUE_SEND_BATCH_BYTES_MAX, QUEUE_SEND_BATCH_MESSAGES_MAX } from "../shared/limits";
import type { EntityWrite } from "../shared/plan";
import type { IngestMessage } from "../shared/rpc";
import { shardOf } from "./route";

/** Room kept in each message for its fields other than the entities. */
const MESSAGE_OVERHEAD_BYTES = 512;
const ENTITY_BYTES_MAX = QUEUE_MESSAGE_BYTES_MAX - MESSAGE_OVERHEAD_BYTES;

/**
 * Bytes a string takes in a queue message (V8 serialisation): one byte per character when every
 * character fits Latin-1, else two. Cheaper than encoding it just to measure it.
 */
export function serialisedBytes(text: string): number {
  return /[^\u0000-\u00ff]/.test(text) ? 2 * text.length : text.length;
}

/** A message's size on the queue (its entity text plus the other fields' allowance). */
export function messageBytes(m: IngestMessage): number {
  return serialisedBytes(m.entitiesJson) + MESSAGE_OVERHEAD_BYTES;
}

export function packMessages(db: { id: string; shards: number; replicas: number }, requestId: string, entities: EntityWrite[]): IngestMessage[] {
  const byShard = new Map<number, EntityWrite[]>();
  for (const e of entities) {
    const s = shardOf(e.dimension, e.id, db.shards);
    let list = byShard.get(s);
    if (!list) byShard.set(s, (list = []));
    list.push(e);
  }
  const messages: IngestMessage[] = [];
  for (const shard of [...byShard.keys()].sort((a, b) => a - b)) {
    let part: string[] = [];
    let bytes = 0;
    let index = 0;
    const flush = () => {
      if (part.length === 0) return;
      messages.push({ v: 2, db: db.id, shard, replicas: db.replicas, recordId: `${requestId}/${shard}/${index++}`, entitiesJson: `[${part.join(",")}]` });
      part = [];
      bytes = 0;
    };
    for (const e of byShard.get(shard)!) {
      const json = JSON.stringify(e);
      const size = serialisedBytes(json) + 1;
      if (size > ENTITY_BYTES_MAX) {
        throw new ApiError("BODY_TOO_LARGE", `entity '${e.id}' alone is ${size} bytes once normalised; one entity may hold at most ${ENTITY_BYTES_MAX}`, { max: ENTITY_BYTES_MAX });
      }
      if (bytes + size > ENTITY_BYTES_MAX) flush();
      part.push(json);
      bytes += size;
    }
    flush();
  }
  return messages;
}

/** Splits messages into sendBatch calls of at most 100 messages and 250 KB. */
export function batches(messages: IngestMessage[]): IngestMessage[][] {
  const out: IngestMessage[][] = [];
  let current: IngestMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = messageBytes(m);
    if (current.length > 0 && (current.length >= QUEUE_SEND_BATCH_MESSAGES_MAX || bytes + size > QUEUE_SEND_BATCH_BYTES_MAX)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
