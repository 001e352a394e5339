// The ingest queues a deployment binds: INGEST (queue 0, "sliced-ingest") and INGEST_1 … INGEST_<n-1>
// ("sliced-ingest-<i>"), as many as wrangler.toml lists (`npm run queues -- <n>` writes them). One
// Cloudflare queue carries about 5,000 messages/s for the whole deployment, every database together,
// so the producer spreads shards over the queues (contract/ingest-queue-of.ts says which one).

import { ingestQueueBinding } from "../../contract/ingest-queue-of";
import type { QueueLike } from "./send";

/**
 * Every ingest queue bound, in index order: INGEST, then INGEST_1, INGEST_2, … up to the first
 * missing one (a unit test keeps wrangler.toml's list contiguous, each with its consumer).
 */
export function ingestQueues(env: Env): QueueLike[] {
  const bindings = env as unknown as Record<string, QueueLike | undefined>;
  const queues: QueueLike[] = [];
  for (let i = 0; bindings[ingestQueueBinding(i)] !== undefined; i++) queues.push(bindings[ingestQueueBinding(i)]!);
  return queues;
}
