// Hands packed messages to the INGEST queue, in sendBatch calls within the platform's limits,
// retrying with backoff; a batch INGEST keeps refusing goes to INGEST_FALLBACK (SlicingDice fell
// back to another data centre's Kafka). Duplicates are harmless: shards dedup by record id.

import { ApiError } from "../shared/errors";
import { QUEUE_SEND_BATCH_BYTES_MAX, QUEUE_SEND_BATCH_MESSAGES_MAX } from "../shared/limits";
import type { IngestMessage } from "../shared/rpc";

const SEND_ATTEMPTS = 3;
const encoder = new TextEncoder();

export interface QueueLike {
  sendBatch(messages: Iterable<MessageSendRequest<IngestMessage>>): Promise<unknown>;
}

export async function enqueue(primary: QueueLike, fallback: QueueLike, messages: IngestMessage[]): Promise<{ fallbackBatches: number }> {
  let fallbackBatches = 0;
  for (const batch of batches(messages)) {
    const requests = batch.map((body) => ({ body, contentType: "json" as const }));
    if (await trySend(primary, requests)) continue;
    if (await trySend(fallback, requests)) {
      fallbackBatches++;
      continue;
    }
    throw new ApiError("QUEUE_UNAVAILABLE", "the ingest queues did not accept the data; nothing of the failed part was stored, retry the request (with the same Idempotency-Key)");
  }
  return { fallbackBatches };
}

async function trySend(queue: QueueLike, requests: MessageSendRequest<IngestMessage>[]): Promise<boolean> {
  for (let attempt = 0; attempt < SEND_ATTEMPTS; attempt++) {
    try {
      await queue.sendBatch(requests);
      return true;
    } catch (e) {
      console.warn(`queue send failed (attempt ${attempt + 1}/${SEND_ATTEMPTS}): ${e instanceof Error ? e.message : String(e)}`);
      if (attempt + 1 < SEND_ATTEMPTS) await scheduler.wait(50 * 4 ** attempt);
    }
  }
  return false;
}

/** Splits messages into sendBatch calls of at most 100 messages and 250 KB. */
export function batches(messages: IngestMessage[]): IngestMessage[][] {
  const out: IngestMessage[][] = [];
  let current: IngestMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = encoder.encode(JSON.stringify(m)).length;
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
