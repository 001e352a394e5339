// Test environments whose shard-affine ingest queues (INGEST, INGEST_1 …; src/ingest/queues.ts) are
// wrapped: to record what the insert path hands each one, or to refuse sends. The fallback queue is
// left as it is unless a test replaces it itself.

import { ingestQueues } from "../../src/ingest/queues";
import { ingestQueueBinding } from "../../contract/ingest-queue-of";
import type { QueueLike } from "../../src/ingest/send";

/** `environment` with every ingest queue replaced by `wrap(queue, index)`. */
export function withIngestQueues(environment: Env, wrap: (queue: QueueLike, index: number) => QueueLike): Env {
  const overrides = Object.fromEntries(ingestQueues(environment).map((queue, i) => [ingestQueueBinding(i), wrap(queue, i)]));
  return { ...environment, ...overrides } as Env;
}

/** A queue that refuses every send, as one that is down or over its rate does. */
export const refusingQueue: QueueLike = {
  sendBatch: () => Promise.reject(new Error("queue unavailable (injected)")),
};
