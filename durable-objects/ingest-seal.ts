// Queued inserts at rest (docs/security.md, "Queued inserts"): the producer seals each packed message's
// entities into a v3 message; the consumer opens v3 back into the v2 message a shard applies.

import { DataKeyError, type MasterSecrets } from "./shard/data-key";
import { open, seal } from "./edge-seal";
import { ingestSealContext, type AnyIngestMessage, type IngestMessage, type OutgoingIngestMessage, type QueuedIngestMessage } from "../contract/queue-messages";

const utf8 = new TextEncoder();
const utf8Text = new TextDecoder();

/** The messages to queue: v3 when a master secret is configured, else the same v2 messages (encryption off). */
export async function sealMessages(secrets: MasterSecrets, messages: IngestMessage[]): Promise<OutgoingIngestMessage[]> {
  if (secrets.current === null) return messages;
  // All started at once: no box waits for the previous one's WebCrypto call to settle.
  return Promise.all(
    messages.map(async (m): Promise<OutgoingIngestMessage> => {
      const box = await seal(secrets, "ingest-queue", m.db, ingestSealContext(m), utf8.encode(m.entitiesJson));
      return box === null ? m : { v: 3, db: m.db, shard: m.shard, ...epochOf(m), replicas: m.replicas, recordId: m.recordId, entitiesSealed: box };
    }),
  );
}

/**
 * The message as a shard applies it: v1 and v2 as they are, v3 opened into v2. Throws DataKeyError
 * (its message names the database and the secret's fingerprint, never plaintext or key material)
 * when the box is damaged, moved to another record, or sealed under a secret no longer configured.
 */
export async function openMessage(secrets: MasterSecrets, m: QueuedIngestMessage): Promise<AnyIngestMessage> {
  if (m.v !== 3) return m;
  // A body that did not travel as "v8" (say, JSON) arrives without its bytes.
  if (!(m.entitiesSealed instanceof Uint8Array)) throw new DataKeyError(`queued insert ${m.recordId} of database ${m.db} carries no sealed bytes`);
  const plain = await open(secrets, "ingest-queue", m.db, ingestSealContext(m), m.entitiesSealed);
  return { v: 2, db: m.db, shard: m.shard, ...epochOf(m), replicas: m.replicas, recordId: m.recordId, entitiesJson: utf8Text.decode(plain) };
}

function epochOf(m: { epoch?: number }): { epoch?: number } {
  return m.epoch ? { epoch: m.epoch } : {};
}
