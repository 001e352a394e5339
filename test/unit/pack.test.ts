// Packing inserts into queue messages: every message and send batch stays within the queue's limits
// as measured by the real V8 serialiser (the queue's content type), in plaintext (v2) and sealed (v3)
// form alike, record ids are stable per request and part, and the entities come back exactly as packed.

import { serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import { SEALED_OVERHEAD_BYTES } from "../../durable-objects/edge-seal";
import { batches, messageBytes, packMessages, serialisedBytes } from "../../src/ingest/pack";
import { utf8Bytes } from "../../contract/utf8";
import { shardOf } from "../../contract/shard-of";
import { ApiError } from "../../contract/errors";
import { QUEUE_MESSAGE_BYTES_MAX, QUEUE_SEND_BATCH_BYTES_MAX, QUEUE_SEND_BATCH_MESSAGES_MAX } from "../../contract/limits";
import type { EntityWrite } from "../../contract/plan";
import { sealMessages } from "../../durable-objects/ingest-seal";
import { entitiesOf, type SealedIngestMessage } from "../../contract/queue-messages";

const db = { id: "0123456789abcdef0123", shards: 4, replicas: 1 };
const col = { id: 7, type: "string" as const, storage: "latest-value" as const };
const secrets = { current: "unit-test-secret-0123456789abcdef", previous: null };

function entity(i: number, text: string): EntityWrite {
  return { dimension: "default", id: `user${i}`, attrs: [{ col, value: text }], events: [] };
}

describe("packMessages", () => {
  it("keeps every message under the queue limit as V8 serialises it, Latin-1 and wider text alike", () => {
    for (const text of ["x".repeat(900), "é".repeat(900), "日本語".repeat(300), "😀".repeat(300)]) {
      const entities = Array.from({ length: 2000 }, (_, i) => entity(i, text));
      const messages = packMessages(db, "req", entities);
      expect(messages.length).toBeGreaterThan(db.shards); // big enough to need several parts per shard
      for (const m of messages) {
        const real = serialize(m).byteLength;
        expect(real).toBeLessThanOrEqual(QUEUE_MESSAGE_BYTES_MAX);
        expect(messageBytes(m)).toBeGreaterThanOrEqual(real); // the estimate never undercounts
      }
      const unpacked = messages.flatMap((m) => entitiesOf(m).map((e) => [m.shard, e] as const));
      expect(unpacked.map(([, e]) => e.id).sort()).toEqual(entities.map((e) => e.id).sort());
      for (const [shard, e] of unpacked) expect(shard).toBe(shardOf(e.dimension, e.id, db.shards));
      expect(unpacked.find(([, e]) => e.id === "user5")![1]).toEqual(entities[5]);
    }
  });

  it("keeps every sealed (v3) message under the queue limit, though UTF-8 outgrows V8's size for non-ASCII text", async () => {
    for (const text of ["x".repeat(900), "é".repeat(900), "€".repeat(900), "日本語".repeat(300), "😀".repeat(300), "aé€😀".repeat(200)]) {
      const entities = Array.from({ length: 1000 }, (_, i) => entity(i, text));
      const plain = packMessages(db, "req", entities);
      const sealed = (await sealMessages(secrets, plain)) as SealedIngestMessage[];
      expect(sealed.map((m) => m.recordId)).toEqual(plain.map((m) => m.recordId)); // sealing keeps the parts
      for (const [i, m] of sealed.entries()) {
        expect(m.v).toBe(3);
        const utf8 = Buffer.byteLength(plain[i]!.entitiesJson, "utf8");
        expect(m.entitiesSealed.byteLength).toBe(utf8 + SEALED_OVERHEAD_BYTES);
        const real = serialize(m).byteLength;
        expect(real).toBeLessThanOrEqual(QUEUE_MESSAGE_BYTES_MAX);
        expect(messageBytes(m)).toBeGreaterThanOrEqual(real);
        expect(serialize(plain[i]).byteLength).toBeLessThanOrEqual(QUEUE_MESSAGE_BYTES_MAX); // and the v2 form
      }
    }
  });

  it("sizes a part by its widest form when ASCII, Latin-1 and wider entities share it", async () => {
    // One wide character makes V8 store the whole joined text two bytes per character.
    const entities = Array.from({ length: 3000 }, (_, i) => entity(i, i % 50 === 7 ? "€" : i % 50 === 8 ? "é".repeat(300) : "a".repeat(300)));
    const plain = packMessages(db, "req", entities);
    const sealed = await sealMessages(secrets, plain);
    for (const m of [...plain, ...sealed]) {
      const real = serialize(m).byteLength;
      expect(real).toBeLessThanOrEqual(QUEUE_MESSAGE_BYTES_MAX);
      expect(messageBytes(m)).toBeGreaterThanOrEqual(real);
    }
  });

  it("packs all-ASCII bodies into the same parts as before v3 (record ids of retries across the upgrade hold)", () => {
    const entities = Array.from({ length: 5000 }, (_, i) => entity(i, "k".repeat(i % 700)));
    // The rule before v3: each entity counts its JSON length plus a comma, against 120,000 - 512 bytes.
    const expected: string[] = [];
    for (let shard = 0; shard < db.shards; shard++) {
      let bytes = 0;
      let count = 0;
      for (const e of entities.filter((x) => shardOf(x.dimension, x.id, db.shards) === shard)) {
        const size = JSON.stringify(e).length + 1;
        if (count > 0 && bytes + size > QUEUE_MESSAGE_BYTES_MAX - 512) {
          expected.push(`${shard}:${count}`);
          bytes = count = 0;
        }
        bytes += size;
        count++;
      }
      if (count > 0) expected.push(`${shard}:${count}`);
    }
    expect(packMessages(db, "req", entities).map((m) => `${m.shard}:${entitiesOf(m).length}`)).toEqual(expected);
  });

  it("derives record ids from the request, shard and part, so a retried request repeats them", () => {
    const entities = Array.from({ length: 3000 }, (_, i) => entity(i, "v".repeat(200)));
    const a = packMessages(db, "req-A", entities).map((m) => m.recordId);
    const b = packMessages(db, "req-A", entities).map((m) => m.recordId);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
    expect(a).toContain("req-A/0/0");
    expect(a).toContain("req-A/0/1");
  });

  it("refuses one entity too large for a message, naming it", () => {
    try {
      packMessages(db, "req", [entity(1, "z".repeat(QUEUE_MESSAGE_BYTES_MAX))]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).message).toContain("user1");
    }
  });

  it("counts two bytes per character once any character is outside Latin-1", () => {
    expect(serialisedBytes("abcé")).toBe(4);
    expect(serialisedBytes("abc€")).toBe(8);
  });

  it("counts UTF-8 bytes as TextEncoder writes them", () => {
    for (const text of ["", "abc", "é", "€", "日本語", "😀", "a😀b", "\ud83d", "x\ude00y", "\ud83d\ud83d", "\u007f\u0080\u07ff\u0800\uffff"]) {
      expect(utf8Bytes(text), JSON.stringify(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
});

describe("batches", () => {
  it("splits messages into sendBatch calls within the message count and byte limits, v2 and v3", async () => {
    const entities = Array.from({ length: 20_000 }, (_, i) => entity(i, "q".repeat(i % 2 === 0 ? 10 : 3000)));
    const messages = packMessages(db, "req", entities);
    for (const form of [messages, await sealMessages(secrets, messages)]) {
      const out = batches(form);
      expect(out.flat()).toEqual(form);
      for (const b of out) {
        expect(b.length).toBeLessThanOrEqual(QUEUE_SEND_BATCH_MESSAGES_MAX);
        expect(b.reduce((n, m) => n + serialize(m).byteLength, 0)).toBeLessThanOrEqual(QUEUE_SEND_BATCH_BYTES_MAX);
      }
    }
  });
});
