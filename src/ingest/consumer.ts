// The queue consumer: groups a batch by shard, applies each group on the primary shard copy in one
// RPC, and acks a message only after that call returned; failures retry with capped backoff and end
// in the dead-letter queue, whose consumer records them in the database's catalog.

import type { AnyIngestMessage, QueuedIngestMessage } from "../../contract/queue-messages";
import { catalogOf, intakeInLane, shardStub } from "../../durable-objects/stubs";
import { intakeLanes } from "../../durable-objects/intake/lanes";
import { durableIntakeOn } from "./deliver";
import { secretsOf } from "../../durable-objects/shard/data-key";
import { openMessage } from "../../durable-objects/ingest-seal";
import { INGEST_RETRY_DELAY_MAX_S } from "../../contract/limits";
import { shardAddress, type ShardAddress } from "../../contract/shard-rpc";
import { schemaOf } from "../schema-cache";
import { errorText, log } from "../log";

function retryDelay(m: Message<unknown>): { delaySeconds: number } {
  return { delaySeconds: Math.min(INGEST_RETRY_DELAY_MAX_S, 2 ** (m.attempts - 1)) };
}

export async function consumeIngest(batch: MessageBatch<QueuedIngestMessage>, env: Env): Promise<void> {
  const secrets = secretsOf(env);
  const groups = new Map<string, Message<QueuedIngestMessage>[]>();
  for (const msg of batch.messages) {
    const key = `${msg.body.db}/${msg.body.epoch ?? 0}/${msg.body.shard}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(msg);
  }
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const first = group[0]!.body;
      const addr = await primaryOf(env, first);
      // Sealed (v3) messages are opened here, so the shard RPC and replication keep taking v2. One that
      // cannot be opened is never acked: it retries alone (then is dead-lettered), the others apply.
      const opened = await Promise.all(
        group.map((m) =>
          openMessage(secrets, m.body).then(
            (body) => ({ m, body, error: null }),
            (e: unknown) => ({ m, body: null, error: errorText(e) }),
          ),
        ),
      );
      const msgs: Message<QueuedIngestMessage>[] = [];
      const bodies: AnyIngestMessage[] = []; // in batch order: the shard applies them in this order
      for (const o of opened) {
        if (o.body === null) o.m.retry(retryDelay(o.m));
        else {
          msgs.push(o.m);
          bodies.push(o.body);
        }
      }
      const unopened = opened.filter((o) => o.error !== null);
      if (unopened.length > 0) log("warn", "ingest: sealed messages cannot be opened and will retry", { db: addr.db, shard: addr.shard, messages: unopened.length, error: unopened[0]!.error });
      if (msgs.length === 0) return;
      let failure: string | null = null;
      let held = false; // frozen for a reshard: the expected wait of a move, not a fault
      try {
        const result = await shardStub(env, addr).apply(addr, bodies);
        if (!result.ok) {
          failure = result.error.message;
          held = result.error.name === "RESHARD_IN_PROGRESS";
        }
      } catch (e) {
        failure = errorText(e);
      }
      for (const m of msgs) {
        if (failure === null) m.ack();
        else m.retry(retryDelay(m));
      }
      if (held) log("info", "ingest: shard frozen by a reshard, messages will retry", { db: addr.db, shard: addr.shard, messages: msgs.length });
      else if (failure !== null) log("warn", "ingest: shard failed, messages will retry", { db: addr.db, shard: addr.shard, messages: msgs.length, error: failure });
    }),
  );
}

/**
 * Dead letters: record each in its database's catalog so nothing is dropped silently, then ack.
 * With the durable intake on, a message the queue gave up on is usually still the intake's: it
 * keeps retrying it (and records its own dead letter after INTAKE_DEAD_LETTER_ATTEMPTS); one the
 * primary has applied meanwhile (the intake got it there) is no loss either. Recording those here
 * would report a loss that is not one.
 */
export async function consumeDeadLetters(batch: MessageBatch<QueuedIngestMessage>, env: Env): Promise<void> {
  const secrets = secretsOf(env);
  for (const msg of batch.messages) {
    const m = msg.body;
    const addr = await primaryOf(env, m);
    if (durableIntakeOn(env)) {
      const held = await Promise.all(intakeLanes().map((lane) => intakeInLane(env, m.db, lane).holds(m.recordId)));
      if (held.includes(true)) {
        log("warn", "ingest: a record left the queue after its last retry; the intake keeps retrying it", { db: m.db, shard: m.shard, recordId: m.recordId });
        msg.ack();
        continue;
      }
    }
    if (await appliedOnPrimary(env, addr, m.recordId)) {
      msg.ack();
      continue;
    }
    // A sealed message that cannot be opened never reached its shard: that is why it died.
    let lastError = await openMessage(secrets, m).then(
      () => null,
      (e: unknown) => `the sealed insert could not be opened (not applied): ${errorText(e)}`,
    );
    if (lastError === null) {
      try {
        lastError = (await shardStub(env, addr).health(addr)).lastError ?? "no error recorded by the shard";
      } catch (e) {
        lastError = `shard unreachable: ${errorText(e)}`;
      }
    }
    const recorded = await catalogOf(env, m.db).recordDeadLetter({ at: new Date().toISOString(), recordId: m.recordId, shard: m.shard, error: lastError });
    if (recorded) log("error", "ingest: record dead-lettered after its last retry", { db: m.db, shard: m.shard, recordId: m.recordId, error: lastError });
    else log("warn", "ingest: record of a deleted database dropped after its last retry", { db: m.db, recordId: m.recordId });
    msg.ack();
  }
}

async function appliedOnPrimary(env: Env, addr: ShardAddress, recordId: string): Promise<boolean> {
  try {
    const result = await shardStub(env, addr).appliedAmong(addr, [recordId]);
    return result.ok && result.value.includes(recordId);
  } catch {
    return false; // unreachable: not known applied, so it is recorded
  }
}

/**
 * The primary copy a message goes to, with its database's placement (a jurisdiction is part of the
 * object's id, so an address without it would reach another object), in the layout the message was
 * packed for: after a reshard that shard is retired and forwards it. A database that is gone has
 * none: the bare address reaches its destroyed shard, which skips the message.
 */
async function primaryOf(env: Env, m: QueuedIngestMessage): Promise<ShardAddress> {
  try {
    return shardAddress((await schemaOf(env, m.db)).database, m.shard, 0, m.epoch ?? 0);
  } catch {
    return { db: m.db, shard: m.shard, copy: 0, replicas: m.replicas, ...(m.epoch ? { epoch: m.epoch } : {}) };
  }
}
