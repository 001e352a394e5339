// The queue consumer: groups a batch by shard, applies each group on the primary shard copy in one
// RPC, and acks a message only after that call returned; failures retry with capped backoff and end
// in the dead-letter queue, whose consumer records them in the database's catalog.

import type { AnyIngestMessage } from "../shared/rpc";
import { catalogOf, shardStub } from "../bindings";

const RETRY_DELAY_MAX_S = 60;

export async function consumeIngest(batch: MessageBatch<AnyIngestMessage>, env: Env): Promise<void> {
  const groups = new Map<string, Message<AnyIngestMessage>[]>();
  for (const msg of batch.messages) {
    const key = `${msg.body.db}/${msg.body.shard}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(msg);
  }
  await Promise.all(
    [...groups.values()].map(async (msgs) => {
      const first = msgs[0]!.body;
      const addr = { db: first.db, shard: first.shard, copy: 0, replicas: first.replicas };
      let failure: string | null = null;
      try {
        const result = await shardStub(env, addr).apply(addr, msgs.map((m) => m.body));
        if (!result.ok) failure = result.error.message;
      } catch (e) {
        failure = e instanceof Error ? e.message : String(e);
      }
      for (const m of msgs) {
        if (failure === null) m.ack();
        else m.retry({ delaySeconds: Math.min(RETRY_DELAY_MAX_S, 2 ** (m.attempts - 1)) });
      }
      if (failure !== null) console.warn(`ingest: shard ${addr.db}/${addr.shard} failed (${msgs.length} messages will retry): ${failure}`);
    }),
  );
}

/** Dead letters: record each in its database's catalog so nothing is dropped silently, then ack. */
export async function consumeDeadLetters(batch: MessageBatch<AnyIngestMessage>, env: Env): Promise<void> {
  for (const msg of batch.messages) {
    const m = msg.body;
    const addr = { db: m.db, shard: m.shard, copy: 0, replicas: m.replicas };
    let lastError = "unknown";
    try {
      lastError = (await shardStub(env, addr).health(addr)).lastError ?? "no error recorded by the shard";
    } catch (e) {
      lastError = `shard unreachable: ${e instanceof Error ? e.message : String(e)}`;
    }
    const recorded = await catalogOf(env, m.db).recordDeadLetter({ at: new Date().toISOString(), recordId: m.recordId, shard: m.shard, error: lastError });
    if (recorded) console.error(`ingest: record ${m.recordId} of shard ${m.db}/${m.shard} dead-lettered after its last retry: ${lastError}`);
    else console.warn(`ingest: record ${m.recordId} of deleted database ${m.db} dropped after its last retry`);
    msg.ack();
  }
}
