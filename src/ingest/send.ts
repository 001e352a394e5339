// Hands packed messages to the INGEST queue, in sendBatch calls within the platform's limits,
// retrying with backoff; a batch INGEST keeps refusing goes to INGEST_FALLBACK (SlicingDice fell
// back to another data centre's Kafka). Duplicates are harmless: shards dedup by record id.

import { ApiError } from "../../contract/errors";
import { batches } from "./pack";
import { type OutgoingIngestMessage } from "../../contract/queue-messages";
import { QUEUE_SEND_ATTEMPTS_MAX } from "../../contract/limits";
import { log, errorText } from "../log";

export interface QueueLike {
  sendBatch(messages: Iterable<MessageSendRequest<OutgoingIngestMessage>>): Promise<unknown>;
}

export async function enqueue(primary: QueueLike, fallback: QueueLike, messages: OutgoingIngestMessage[]): Promise<{ fallbackBatches: number }> {
  let fallbackBatches = 0;
  for (const batch of batches(messages)) {
    // V8 serialisation: the entities are already one string (v2) or one byte array (v3, sealed),
    // copied as is; JSON would lose v3's bytes.
    const requests = batch.map((body) => ({ body, contentType: "v8" as const }));
    if (await trySend(primary, requests)) continue;
    if (await trySend(fallback, requests)) {
      fallbackBatches++;
      continue;
    }
    throw new ApiError("QUEUE_UNAVAILABLE", "the ingest queues did not accept the data; nothing of the failed part was stored, retry the request (with the same Idempotency-Key)");
  }
  return { fallbackBatches };
}

async function trySend(queue: QueueLike, requests: MessageSendRequest<OutgoingIngestMessage>[]): Promise<boolean> {
  for (let attempt = 0; attempt < QUEUE_SEND_ATTEMPTS_MAX; attempt++) {
    try {
      await queue.sendBatch(requests);
      return true;
    } catch (e) {
      log("warn", "queue send failed", { attempt: attempt + 1, attempts: QUEUE_SEND_ATTEMPTS_MAX, error: errorText(e) });
      if (attempt + 1 < QUEUE_SEND_ATTEMPTS_MAX) await scheduler.wait(50 * 4 ** attempt);
    }
  }
  return false;
}
