// Encryption at rest of segment rows (Node): the AES-256-GCM cipher wrapper, the sealed-row envelope,
// an encrypted engine answering like the reference engine, the plaintext → sealed migration, and
// refusals (tampered, swapped, plaintext substituted, wrong key, no key) with clear errors.

import { describe, expect, it } from "vitest";
import { createReferenceEngine } from "../../engine/testing/reference/index";
import { createSegmentEngine, SegmentSealError } from "../../engine/index";
import { BlobStore } from "../../engine/store/blobs";
import { isSealed, openRow, sealRow } from "../../engine/store/sealed";
import { createSegmentCipher } from "../../durable-objects/shard/segment-cipher";
import { answerDifference } from "../engine/helpers/compare";
import { randomMutation, randomQuery } from "../engine/helpers/random-plans";
import { Rng } from "../engine/helpers/seeded";
import { openSqlite, type SqliteHarness } from "../engine/helpers/sqlite";

const key = (fill: number) => new Uint8Array(32).fill(fill);
const bytes = (s: string) => new TextEncoder().encode(s);

describe("segment cipher", () => {
  const c = createSegmentCipher(key(1), "db1/0");

  it("round-trips under fresh nonces", () => {
    const a = c.seal(bytes("hello"), bytes("aad"));
    const b = c.seal(bytes("hello"), bytes("aad"));
    expect(a).not.toEqual(b); // a fresh 96-bit nonce per seal
    expect(a.length).toBe(12 + 5 + 16);
    expect(new TextDecoder().decode(c.open(a, bytes("aad")))).toBe("hello");
  });

  it("refuses a changed byte, another AAD, another context and another key", () => {
    const box = c.seal(bytes("hello"), bytes("aad"));
    const flipped = box.slice();
    flipped[14]! ^= 1;
    expect(() => c.open(flipped, bytes("aad"))).toThrow();
    expect(() => c.open(box, bytes("aae"))).toThrow();
    expect(() => createSegmentCipher(key(1), "db1/1").open(box, bytes("aad"))).toThrow();
    expect(() => createSegmentCipher(key(2), "db1/0").open(box, bytes("aad"))).toThrow();
  });

  it("wants a 256-bit key", () => {
    expect(() => createSegmentCipher(new Uint8Array(16), "x")).toThrow(/256 bits/);
  });

  it("frames rows bound to their key", () => {
    const row = sealRow(c, "3:1:0:0", bytes("segment"));
    expect(isSealed(row)).toBe(true);
    expect(new TextDecoder().decode(openRow(c, "3:1:0:0", row))).toBe("segment");
    expect(() => openRow(c, "3:1:0:1", row)).toThrow(SegmentSealError);
  });
});

function run(h: SqliteHarness, seed: number, engines: ReturnType<typeof createSegmentEngine>[]) {
  const rng = new Rng(seed * 104729);
  const ref = createReferenceEngine(h.sql);
  for (let step = 0; step < 20; step++) {
    const m = randomMutation(rng, 20);
    h.transactionSync(() => ref.apply(m));
    for (const e of engines) h.transactionSync(() => e.apply(m));
  }
  return { ref, rng };
}

function allBlobs(h: SqliteHarness): Uint8Array[] {
  return h.sql
    .exec(`SELECT bytes FROM seg_blobs`)
    .toArray()
    .map((r) => new Uint8Array(r["bytes"] as ArrayBuffer | Uint8Array));
}

describe("encrypted segment engine", () => {
  for (const seed of [1, 2, 3]) {
    it(`answers like the reference engine, every row sealed (seed ${seed})`, () => {
      const h = openSqlite();
      const cipher = createSegmentCipher(key(7), "db/0");
      const seg = createSegmentEngine(h.sql, { cipher, cacheBytes: 4096 });
      const { ref, rng } = run(h, seed, [seg]);
      const blobs = allBlobs(h);
      expect(blobs.length).toBeGreaterThan(0);
      expect(blobs.every(isSealed)).toBe(true);
      const cold = createSegmentEngine(h.sql, { cipher });
      for (let k = 0; k < 20; k++) {
        const q = randomQuery(rng, 20);
        expect(answerDifference(seg.query(q), ref.query(q))).toBeNull();
        expect(answerDifference(cold.query(q), ref.query(q))).toBeNull();
      }
    });
  }

  it("seals a plaintext shard on first use with a key, then refuses plaintext rows", () => {
    const h = openSqlite();
    const plain = createSegmentEngine(h.sql);
    const { ref, rng } = run(h, 9, [plain]);
    expect(allBlobs(h).some(isSealed)).toBe(false);
    const cipher = createSegmentCipher(key(3), "db/0");
    const sealed = createSegmentEngine(h.sql, { cipher }); // migrates every row
    expect(allBlobs(h).every(isSealed)).toBe(true);
    for (let k = 0; k < 10; k++) {
      const q = randomQuery(rng, 20);
      expect(answerDifference(sealed.query(q), ref.query(q))).toBeNull();
    }
    // Without the key the sealed shard answers a clear error, and refuses to write plaintext.
    const keyless = createSegmentEngine(h.sql);
    expect(() => {
      for (let k = 0; k < 10; k++) keyless.query(randomQuery(rng, 20));
    }).toThrow(/no data key/);
    expect(() => h.transactionSync(() => keyless.apply(randomMutation(rng, 20)))).toThrow(SegmentSealError);
  });

  it("detects a tampered, a swapped and a plaintext-substituted row, and a wrong key", () => {
    const h = openSqlite();
    const cipher = createSegmentCipher(key(5), "db/0");
    const seg = createSegmentEngine(h.sql, { cipher });
    const { rng } = run(h, 4, [seg]);
    const rows = h.sql.exec(`SELECT kind, a, b, c, part, bytes FROM seg_blobs ORDER BY kind, a, b, c`).toArray();
    const queryAll = (e: ReturnType<typeof createSegmentEngine>) => {
      e.dropCaches();
      const r = new Rng(77);
      for (let k = 0; k < 40; k++) e.query(randomQuery(r, 20));
    };
    queryAll(seg); // intact: answers
    expect(() => queryAll(createSegmentEngine(h.sql, { cipher: createSegmentCipher(key(6), "db/0") }))).toThrow(/failed authentication/);
    expect(() => queryAll(createSegmentEngine(h.sql, { cipher: createSegmentCipher(key(5), "db/1") }))).toThrow(/failed authentication/);
    const update = (r: Record<string, unknown>, b: Uint8Array) =>
      h.sql.exec(`UPDATE seg_blobs SET bytes = ? WHERE kind = ? AND a = ? AND b = ? AND c = ? AND part = ?`, b, r["kind"], r["a"], r["b"], r["c"], r["part"]);
    const keyOf = (r: Record<string, unknown>) => ({ kind: Number(r["kind"]), a: Number(r["a"]), b: Number(r["b"]), c: Number(r["c"]) });
    const store = new BlobStore(h.sql, cipher);
    for (const r of rows) {
      const orig = new Uint8Array(r["bytes"] as Uint8Array);
      const t = orig.slice();
      t[t.length - 20]! ^= 0x40; // inside the ciphertext or tag
      update(r, t);
      expect(() => store.read(keyOf(r))).toThrow(/failed authentication/);
      update(r, orig);
      expect(store.read(keyOf(r))).not.toBeNull();
    }
    // Every row altered: the engine's queries fail loudly instead of answering from damaged data.
    for (const r of rows) {
      const t = new Uint8Array(r["bytes"] as Uint8Array).slice();
      t[t.length - 1]! ^= 1;
      update(r, t);
    }
    expect(() => queryAll(seg)).toThrow(/failed authentication/);
    for (const r of rows) update(r, new Uint8Array(r["bytes"] as Uint8Array));
    // A row replaced by its own plaintext (as if written before encryption): refused in a sealed shard.
    const r0 = rows[0]!;
    update(r0, store.read(keyOf(r0))!);
    expect(() => store.read(keyOf(r0))).toThrow(/plaintext/);
    update(r0, new Uint8Array(r0["bytes"] as Uint8Array));
    // Another row's valid ciphertext under this row's key: the AAD (row key) refuses it.
    const [x, y] = [rows[0]!, rows[rows.length - 1]!];
    update(x, new Uint8Array(y["bytes"] as Uint8Array));
    expect(() => store.read(keyOf(x))).toThrow(/failed authentication/);
    update(x, new Uint8Array(x["bytes"] as Uint8Array));
    queryAll(seg);
    expect(rng).toBeDefined();
  });
});
