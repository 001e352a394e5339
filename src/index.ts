// The Worker's entry points: HTTP (the Hono app), the ingest queue consumers, and the hourly cron.
// The Durable Object classes are re-exported here because the runtime finds them on the main module.

import { app } from "./app";
import { runScheduledBackups } from "./backup/cron";
import { consumeDeadLetters, consumeIngest } from "./ingest/consumer";
import type { QueuedIngestMessage } from "../contract/queue-messages";

export { ShardDO } from "../durable-objects/shard/shard-do";
export { CatalogDO } from "../durable-objects/catalog";
export { DirectoryDO } from "../durable-objects/directory";
export { IntakeDO } from "../durable-objects/intake/intake-do";

const DEAD_LETTER_QUEUE = "sliced-ingest-dlq";

export default {
  fetch: app.fetch,
  async queue(batch: MessageBatch<QueuedIngestMessage>, env: Env): Promise<void> {
    if (batch.queue === DEAD_LETTER_QUEUE) await consumeDeadLetters(batch, env);
    else await consumeIngest(batch, env);
  },
  /** Hourly: every primary shard is asked to back itself up; then manifests, the daily copy, retention. */
  async scheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
    await runScheduledBackups(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env, QueuedIngestMessage>;
