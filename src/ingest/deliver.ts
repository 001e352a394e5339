// Where an insert's messages go before it is acknowledged. With DURABLE_INTAKE (the default), first
// into the database's intake object (durable-objects/intake/), so the 200 rests on storage that
// survives any stop of the server, then onto its shard's queue, the fast path that applies them moments
// later. A queue that refuses is then not the client's problem: the intake applies those messages
// itself, at once. With DURABLE_INTAKE="false" the queue alone holds them, as Cloudflare Queues do
// durably once send() resolves.

import type { OutgoingIngestMessage } from "../../contract/queue-messages";
import { intakeOf } from "../../durable-objects/stubs";
import { ApiError } from "../../contract/errors";
import { enqueue } from "./send";
import { ingestQueues } from "./queues";
import { errorText, log } from "../log";

export function durableIntakeOn(env: Env): boolean {
  return String(env.DURABLE_INTAKE) !== "false";
}

export async function deliver(env: Env, db: string, requestRecordId: string, messages: OutgoingIngestMessage[]): Promise<void> {
  if (!durableIntakeOn(env)) {
    await enqueue(db, ingestQueues(env), env.INGEST_FALLBACK, messages);
    return;
  }
  const intake = intakeOf(env, db, requestRecordId);
  try {
    await intake.accept(messages);
  } catch (e) {
    log("warn", "ingest: the intake did not take an insert; nothing acknowledged", { db, error: errorText(e) });
    throw new ApiError("QUEUE_UNAVAILABLE", "the insert could not be stored durably and was not acknowledged; retry it (with the same Idempotency-Key)");
  }
  try {
    await enqueue(db, ingestQueues(env), env.INGEST_FALLBACK, messages);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    log("warn", "ingest: the queues refused messages the intake holds; the intake applies them now", { db, messages: messages.length });
    await intake.expedite(messages.map((m) => m.recordId));
  }
}
