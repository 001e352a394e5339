// Sealed boxes of the Worker's own stores (durable-objects/edge-seal.ts): round trip, binding to purpose,
// database and context, tamper detection, rotation through DATA_KEY_SECRET_PREVIOUS, and "off".

import { describe, expect, it } from "vitest";
import { DataKeyError } from "../../durable-objects/shard/data-key";
import { isSealed, open, seal } from "../../durable-objects/edge-seal";

const utf8 = new TextEncoder();
const text = new TextDecoder();
const A = { current: "secret-a-0123456789abcdef0123456789", previous: null };
const plain = utf8.encode('{"result":{"q":42},"entity":"ana@example.com"}');

describe("edge seal", () => {
  it("round-trips, hides the plaintext and uses a fresh nonce each time", async () => {
    const box = (await seal(A, "result-cache", "db1", "ctx", plain))!;
    expect(isSealed(box)).toBe(true);
    expect(text.decode(box)).not.toContain("ana@example.com");
    expect(text.decode(await open(A, "result-cache", "db1", "ctx", box))).toBe(text.decode(plain));
    const again = (await seal(A, "result-cache", "db1", "ctx", plain))!;
    expect(Array.from(again)).not.toEqual(Array.from(box));
  });

  it("fails for another purpose, database or context, and for any changed byte", async () => {
    const box = (await seal(A, "result-cache", "db1", "ctx", plain))!;
    await expect(open(A, "ingest-queue", "db1", "ctx", box)).rejects.toBeInstanceOf(DataKeyError);
    await expect(open(A, "result-cache", "db2", "ctx", box)).rejects.toBeInstanceOf(DataKeyError);
    await expect(open(A, "result-cache", "db1", "other", box)).rejects.toBeInstanceOf(DataKeyError);
    for (const at of [4, 15, 30, box.length - 1]) {
      const bad = box.slice();
      bad[at]! ^= 1;
      await expect(open(A, "result-cache", "db1", "ctx", bad), `byte ${at}`).rejects.toBeInstanceOf(DataKeyError);
    }
    await expect(open(A, "result-cache", "db1", "ctx", plain)).rejects.toThrow(/no SEB1 header/);
  });

  it("opens boxes of the previous secret during a rotation, and names the secret when neither fits", async () => {
    const old = (await seal(A, "ingest-queue", "db1", "rec-1", plain))!;
    const rotated = { current: "secret-b-fedcba9876543210fedcba98", previous: A.current };
    expect(text.decode(await open(rotated, "ingest-queue", "db1", "rec-1", old))).toBe(text.decode(plain));
    await expect(open({ current: rotated.current, previous: null }, "ingest-queue", "db1", "rec-1", old)).rejects.toThrow(/neither DATA_KEY_SECRET nor DATA_KEY_SECRET_PREVIOUS/);
  });

  it("answers null when no secret is configured (encryption off)", async () => {
    expect(await seal({ current: null, previous: null }, "result-cache", "db1", "ctx", plain)).toBeNull();
  });
});
