// Hands packed messages to the ingest queues: each message to its shard's queue (queues.ts), in
// sendBatch calls within the platform's limits, retrying with backoff; a batch its queue keeps
// refusing goes to INGEST_FALLBACK (SlicingDice fell back to another data centre's Kafka).
// Duplicates are harmless: shards dedup by record id.

import { ApiError } from "../../contract/errors";
import { batches } from "./pack";
import { type OutgoingIngestMessage } from "../../contract/queue-messages";
import { QUEUE_SEND_ATTEMPTS_MAX } from "../../contract/limits";
import { ingestQueueOf } from "../../contract/ingest-queue-of";
import { log, errorText } from "../log";

export interface QueueLike {
  sendBatch(messages: Iterable<MessageSendRequest<OutgoingIngestMessage>>): Promise<unknown>;
}

/**
 * Sends every message to the queue `ingestQueueOf(db, shard)` picks among `queues` (at least one).
 * The queues are sent to concurrently; the call fails (QUEUE_UNAVAILABLE) if any part was refused by
 * both its queue and the fallback, after every other part was tried.
 */
export async function enqueue(db: string, queues: readonly QueueLike[], fallback: QueueLike, messages: OutgoingIngestMessage[]): Promise<void> {
  if (queues.length === 0) throw new Error("no ingest queue is bound (wrangler.toml: INGEST)");
  const perQueue: OutgoingIngestMessage[][] = queues.map(() => []);
  for (const m of messages) perQueue[ingestQueueOf(db, m.shard, queues.length)]!.push(m);
  const sent = await Promise.allSettled(
    perQueue.map(async (share, q) => {
      for (const batch of batches(share)) {
        // V8 serialisation: the entities are already one string (v2) or one byte array (v3, sealed),
        // copied as is; JSON would lose v3's bytes.
        const requests = batch.map((body) => ({ body, contentType: "v8" as const }));
        if (await trySend(queues[q]!, q, requests)) continue;
        if (!(await trySend(fallback, "fallback", requests))) throw new Error(`ingest queue ${q} and the fallback refused a batch`);
      }
    }),
  );
  if (sent.some((s) => s.status === "rejected")) {
    throw new ApiError("QUEUE_UNAVAILABLE", "the ingest queues did not accept the data; nothing of the failed part was stored, retry the request (with the same Idempotency-Key)");
  }
}

async function trySend(queue: QueueLike, name: number | "fallback", requests: MessageSendRequest<OutgoingIngestMessage>[]): Promise<boolean> {
  for (let attempt = 0; attempt < QUEUE_SEND_ATTEMPTS_MAX; attempt++) {
    try {
      await queue.sendBatch(requests);
      return true;
    } catch (e) {
      log("warn", "queue send failed", { queue: name, attempt: attempt + 1, attempts: QUEUE_SEND_ATTEMPTS_MAX, error: errorText(e) });
      if (attempt + 1 < QUEUE_SEND_ATTEMPTS_MAX) await scheduler.wait(50 * 4 ** attempt);
    }
  }
  return false;
}
