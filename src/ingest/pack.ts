// Packs normalised entities into per-shard queue messages below the queue's message size limit.
// Record ids are derived from the request id, shard and part index, so the same request body sent
// again under the same Idempotency-Key yields the same record ids and is applied once.

import { ApiError } from "../shared/errors";
import { QUEUE_MESSAGE_BYTES_MAX } from "../shared/limits";
import type { EntityWrite } from "../shared/plan";
import type { IngestMessage } from "../shared/rpc";
import { shardOf } from "./route";

const encoder = new TextEncoder();

export function packMessages(db: { id: string; shards: number; replicas: number }, requestId: string, entities: EntityWrite[]): IngestMessage[] {
  const shards = db.shards;
  const byShard = new Map<number, EntityWrite[]>();
  for (const e of entities) {
    const s = shardOf(e.dimension, e.id, shards);
    let list = byShard.get(s);
    if (!list) byShard.set(s, (list = []));
    list.push(e);
  }
  const messages: IngestMessage[] = [];
  for (const shard of [...byShard.keys()].sort((a, b) => a - b)) {
    let part: EntityWrite[] = [];
    let bytes = 0;
    const flush = () => {
      if (part.length === 0) return;
      messages.push({ v: 1, db: db.id, shard, replicas: db.replicas, recordId: `${requestId}/${shard}/${messages.filter((m) => m.shard === shard).length}`, entities: part });
      part = [];
      bytes = 0;
    };
    for (const e of byShard.get(shard)!) {
      const size = encoder.encode(JSON.stringify(e)).length + 1;
      if (size > QUEUE_MESSAGE_BYTES_MAX - 512) {
        throw new ApiError("BODY_TOO_LARGE", `entity '${e.id}' alone is ${size} bytes once normalised; one entity may hold at most ${QUEUE_MESSAGE_BYTES_MAX - 512}`, { max: QUEUE_MESSAGE_BYTES_MAX - 512 });
      }
      if (bytes + size > QUEUE_MESSAGE_BYTES_MAX - 512) flush();
      part.push(e);
      bytes += size;
    }
    flush();
  }
  return messages;
}
