// Packing inserts into queue messages: every message and send batch stays within the queue's limits
// as measured by the real V8 serialiser (the queue's content type), record ids are stable per
// request and part, and the entities come back exactly as packed.

import { serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import { batches, messageBytes, packMessages, serialisedBytes } from "../../src/ingest/pack";
import { shardOf } from "../../src/ingest/route";
import { ApiError } from "../../src/shared/errors";
import { QUEUE_MESSAGE_BYTES_MAX, QUEUE_SEND_BATCH_BYTES_MAX, QUEUE_SEND_BATCH_MESSAGES_MAX } from "../../src/shared/limits";
import type { EntityWrite } from "../../src/shared/plan";
import { entitiesOf } from "../../src/shared/rpc";

const db = { id: "0123456789abcdef0123", shards: 4, replicas: 1 };
const col = { id: 7, type: "string" as const, storage: "latest-value" as const };

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
});

describe("batches", () => {
  it("splits messages into sendBatch calls within the message count and byte limits", () => {
    const entities = Array.from({ length: 20_000 }, (_, i) => entity(i, "q".repeat(i % 2 === 0 ? 10 : 3000)));
    const messages = packMessages(db, "req", entities);
    const out = batches(messages);
    expect(out.flat()).toEqual(messages);
    for (const b of out) {
      expect(b.length).toBeLessThanOrEqual(QUEUE_SEND_BATCH_MESSAGES_MAX);
      expect(b.reduce((n, m) => n + serialize(m).byteLength, 0)).toBeLessThanOrEqual(QUEUE_SEND_BATCH_BYTES_MAX);
    }
  });
});
