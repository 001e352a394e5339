// Packs normalised entities into per-shard queue messages below the queue's message size limit, and
// messages into sendBatch calls below its batch limits.
// Record ids are derived from the request id, shard and part index, so the same request body sent
// again under the same Idempotency-Key yields the same record ids and is applied once.

import { ApiError } from "../../contract/errors";
import { QUEUE_SEND_BATCH_BYTES_MAX, QUEUE_SEND_BATCH_MESSAGES_MAX, QUEUE_MESSAGE_OVERHEAD_BYTES, QUEUE_ENTITY_TEXT_BYTES_MAX } from "../../contract/limits";
import type { EntityWrite } from "../../contract/plan";
import type { IngestMessage, OutgoingIngestMessage } from "../../contract/queue-messages";
import { shardOf } from "../../contract/shard-of";
import { utf8Bytes } from "../../contract/utf8";

const NON_ASCII = /[^\u0000-\u007f]/;
const NON_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * Bytes a string takes in a queue message (V8 serialisation): one byte per character when every
 * character fits Latin-1, else two. Cheaper than encoding it just to measure it.
 */
export function serialisedBytes(text: string): number {
  return NON_LATIN1.test(text) ? 2 * text.length : text.length;
}

/** A message's size on the queue: its entity text or sealed box plus the other fields' allowance. */
export function messageBytes(m: OutgoingIngestMessage): number {
  // V8 serialises a typed array's whole buffer, so that is what counts (seal() returns an exact one).
  if (m.v === 3) return m.entitiesSealed.buffer.byteLength + QUEUE_MESSAGE_OVERHEAD_BYTES;
  return serialisedBytes(m.entitiesJson) + QUEUE_MESSAGE_OVERHEAD_BYTES;
}

/**
 * The most a part's entity text can take in either form it may travel in: V8-serialised (v2; the
 * joined text is two bytes per character as soon as one character is outside Latin-1, so that is
 * tracked for the whole part, not per entity) or as UTF-8 under a seal (v3; up to three bytes per
 * character). The same bound whether encryption is on or off, so switching it never changes record ids.
 */
function partBytes(chars: number, utf8: number, wide: boolean): number {
  return Math.max(wide ? 2 * chars : chars, utf8);
}

export function packMessages(db: { id: string; shards: number; replicas: number; epoch?: number }, requestId: string, entities: EntityWrite[]): IngestMessage[] {
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
    let chars = 0; // characters of the part's text (each entity counted with its comma)
    let utf8 = 0; // its UTF-8 bytes, the same way
    let wide = false; // whether any of it is outside Latin-1
    let index = 0;
    const flush = () => {
      if (part.length === 0) return;
      const m: IngestMessage = { v: 2, db: db.id, shard, replicas: db.replicas, recordId: `${requestId}/${shard}/${index++}`, entitiesJson: `[${part.join(",")}]` };
      if (db.epoch) m.epoch = db.epoch; // the layout `shard` is of: a reshard may publish another before it is applied
      messages.push(m);
      part = [];
      chars = utf8 = 0;
      wide = false;
    };
    for (const e of byShard.get(shard)!) {
      const json = JSON.stringify(e);
      const eChars = json.length + 1;
      let eUtf8 = eChars;
      let eWide = false;
      // The common all-ASCII entity costs one regex scan: one byte per character in both forms.
      if (NON_ASCII.test(json)) {
        eUtf8 = utf8Bytes(json) + 1;
        eWide = NON_LATIN1.test(json);
      }
      const size = partBytes(eChars, eUtf8, eWide);
      if (size > QUEUE_ENTITY_TEXT_BYTES_MAX) {
        throw new ApiError("BODY_TOO_LARGE", `entity '${e.id}' alone is ${size} bytes once normalised; one entity may hold at most ${QUEUE_ENTITY_TEXT_BYTES_MAX}`, {
          max: QUEUE_ENTITY_TEXT_BYTES_MAX,
        });
      }
      if (partBytes(chars + eChars, utf8 + eUtf8, wide || eWide) > QUEUE_ENTITY_TEXT_BYTES_MAX) flush();
      part.push(json);
      chars += eChars;
      utf8 += eUtf8;
      wide ||= eWide;
    }
    flush();
  }
  return messages;
}

/** Splits messages into sendBatch calls of at most 100 messages and 250 KB. */
export function batches<M extends OutgoingIngestMessage>(messages: M[]): M[][] {
  const out: M[][] = [];
  let current: M[] = [];
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
