// Encryption at rest in the Workers runtime: sealed seg_ rows and outbox rows (no plaintext value) with
// correct answers, tampering detected, encrypted backup objects that restore only with the right
// secret, and master-secret rotation that re-wraps keys without rewriting a segment.

import { createExecutionContext, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { catalogOf, shardStub } from "../../durable-objects/stubs";
import { BackupOpener, importDataKey } from "../../durable-objects/shard/backup-cipher";
import { secretId, unwrapDataKey, wrappedBy, type MasterSecrets } from "../../durable-objects/shard/data-key";
import { rotateDataKeys } from "../../src/crypto/rotate";
import { shardFile, snapshotPrefix } from "../../durable-objects/shard/backup-objects";
import type { ShardAddress } from "../../contract/shard-rpc";
import { ADMIN_TOKEN, adminCall, call, createDatabase, type TestDatabase } from "../helpers/api";
import { app } from "../../src/app";

const SECRET = "test-data-key-secret"; // vitest.config.ts miniflare bindings
const MARKER = "plaintext-marker-Zq7Kx";

interface Shardish {
  keySecrets: MasterSecrets | null;
  forgetDataKey(): Promise<void>;
}

async function setup(): Promise<{ db: TestDatabase; addr: ShardAddress }> {
  const db = await createDatabase({ shards: 1, replicas: 0 });
  const r = await call("POST", "/v1/column", {
    key: db.master,
    body: [
      { name: "Word", "api-name": "word", type: "string" },
      { name: "Age", "api-name": "age", type: "integer" },
    ],
  });
  expect(r.status, r.text).toBe(200);
  const body: Record<string, unknown> = {};
  for (let i = 0; i < 30; i++) body[`u${i}`] = { word: i % 3 === 0 ? MARKER : `w${i % 5}`, age: 20 + i };
  const w = await call("POST", "/v1/insert?wait=true", { key: db.write, body });
  expect(w.status, w.text).toBe(200);
  return { db, addr: { db: db.id, shard: 0, copy: 0, replicas: 0 } };
}

async function countMarker(db: TestDatabase) {
  return call("POST", "/v1/query/count/entity", { key: db.read, body: [{ "query-name": "m", query: [{ word: { equals: MARKER } }], "bypass-cache": true }] });
}

const contains = (hay: Uint8Array, needle: string) => {
  const n = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + n.length <= hay.length; i++) {
    for (let j = 0; j < n.length; j++) if (hay[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
};

async function segRows(addr: ShardAddress): Promise<string[]> {
  return runInDurableObject(shardStub(env, addr), (_i, state) =>
    state.storage.sql
      .exec(`SELECT kind, a, b, c, part, hex(bytes) AS h FROM seg_blobs ORDER BY kind, a, b, c, part`)
      .toArray()
      .map((r) => `${r["kind"]}:${r["a"]}:${r["b"]}:${r["c"]}:${r["part"]}:${r["h"]}`),
  );
}

async function useSecrets(addr: ShardAddress, secrets: MasterSecrets | null): Promise<void> {
  await runInDurableObject(shardStub(env, addr), async (shard: Shardish) => {
    shard.keySecrets = secrets;
    await shard.forgetDataKey();
  });
}

describe("segments at rest", () => {
  it("holds no plaintext value in any seg_ BLOB and still answers", async () => {
    const { db, addr } = await setup();
    const blobs = await runInDurableObject(shardStub(env, addr), (_i, state) =>
      state.storage.sql
        .exec(`SELECT bytes FROM seg_blobs`)
        .toArray()
        .map((r) => new Uint8Array(r["bytes"] as ArrayBuffer)),
    );
    expect(blobs.length).toBeGreaterThan(0);
    for (const b of blobs) {
      expect(new TextDecoder().decode(b.subarray(0, 4))).toBe("SENC");
      expect(contains(b, MARKER)).toBe(false);
    }
    const r = await countMarker(db);
    expect(r.status, r.text).toBe(200);
    expect(r.body.result.m).toBe(10);
    const health = await adminCall("GET", `/admin/databases/${db.id}/health`);
    expect(health.body.encryption).toBe("on");
    // The catalog keeps only the wrapped key, under the configured secret.
    const wrapped = await catalogOf(env, db.id).dataKey();
    expect(wrappedBy(wrapped!)).toBe(await secretId(SECRET));
  });

  it("seals the replication outbox too, and the replica still gets every change, also after eviction", async () => {
    const db = await createDatabase({ shards: 1, replicas: 1 });
    await call("POST", "/v1/column", { key: db.master, body: { name: "Word", "api-name": "word", type: "string" } });
    const primary = shardStub(env, { db: db.id, shard: 0, copy: 0 });
    // The replica refuses while down, so the outbox keeps the change until the alarm catches it up.
    expect((await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 1, mode: "down" })).status).toBe(200);
    const w = await call("POST", "/v1/insert?wait=true", { key: db.write, body: { "outbox-1": { word: MARKER } } });
    expect(w.status, w.text).toBe(200);
    const bodies = await runInDurableObject(primary, (_i, state: DurableObjectState) =>
      state.storage.sql
        .exec(`SELECT body FROM shard_outbox`)
        .toArray()
        .map((r) => r["body"]),
    );
    expect(bodies.length).toBeGreaterThan(0);
    for (const b of bodies) {
      expect(b).toBeInstanceOf(ArrayBuffer);
      expect(contains(new Uint8Array(b as ArrayBuffer), MARKER)).toBe(false);
    }
    expect((await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 1, mode: "none" })).status).toBe(200);
    await evictDurableObject(primary); // the alarm must load the data key before it can open the outbox
    await runInDurableObject(primary, (_i, state: DurableObjectState) => state.storage.setAlarm(Date.now()));
    while (await runDurableObjectAlarm(primary)) {
      /* the primary catches its replica up */
    }
    expect(await runInDurableObject(primary, (_i, state: DurableObjectState) => state.storage.sql.exec(`SELECT COUNT(*) AS n FROM shard_outbox`).one()["n"])).toBe(0);
    expect((await adminCall("POST", `/admin/databases/${db.id}/faults`, { shard: 0, replica: 0, mode: "down" })).status).toBe(200);
    const r = await countMarker(db);
    expect(r.status, r.text).toBe(200);
    expect(r.body.result.m).toBe(1); // answered by the replica
    expect(r.body).not.toHaveProperty("approximate");
  });

  it("refuses a tampered segment row with a clear error instead of answering", async () => {
    const { db, addr } = await setup();
    await runInDurableObject(shardStub(env, addr), async (shard: Shardish, state) => {
      for (const r of state.storage.sql.exec(`SELECT kind, a, b, c, part, bytes FROM seg_blobs`).toArray()) {
        const b = new Uint8Array(r["bytes"] as ArrayBuffer).slice();
        b[b.length - 1]! ^= 1;
        state.storage.sql.exec(`UPDATE seg_blobs SET bytes = ? WHERE kind = ? AND a = ? AND b = ? AND c = ? AND part = ?`, b, r["kind"], r["a"], r["b"], r["c"], r["part"]);
      }
      await shard.forgetDataKey(); // nothing cached: the next query pages the rows in
    });
    const r = await countMarker(db);
    expect(r.status === 200 && r.body.result?.m === 10).toBe(false);
    const health = await adminCall("GET", `/admin/databases/${db.id}/health`);
    expect(String(health.body.shards[0].lastError)).toMatch(/failed authentication/);
  });
});

describe("an encrypted database without its secret", () => {
  // Issue 15 item 13: it answered 503 / 4001 "retry later" on every query, as if shards were down.
  it("answers 500 / 4004 naming the cause, for a missing and for a wrong secret, and health says so", async () => {
    const { db, addr } = await setup();
    for (const secrets of [
      { current: null, previous: null },
      { current: "a-wrong-secret-0123456789abcdef", previous: null },
    ]) {
      await useSecrets(addr, secrets);
      const r = await countMarker(db);
      expect(r.status, r.text).toBe(500);
      expect(r.body.errors[0].code).toBe(4004);
      expect(r.body.errors[0].message).toMatch(/data key unavailable: this database is encrypted and DATA_KEY_SECRET is missing or wrong/);
      expect(r.text).not.toContain("a-wrong-secret");
    }
    await useSecrets(addr, null);
    expect((await countMarker(db)).body.result.m).toBe(10);
    // The database health endpoint of a deployment without the secret (or with another) says why.
    for (const vars of [{ DATA_KEY_SECRET: undefined }, { DATA_KEY_SECRET: "a-wrong-secret-0123456789abcdef" }]) {
      const res = await app.fetch(
        new Request(`http://127.0.0.1/admin/databases/${db.id}/health`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
        { ...env, ...vars } as Env,
        createExecutionContext(),
      );
      const body = (await res.json()) as { encryption: string };
      expect(body.encryption).toMatch(/^unavailable: data key unavailable/);
    }
    expect((await adminCall("GET", `/admin/databases/${db.id}/health`)).body.encryption).toBe("on");
  });
});

describe("backups at rest", () => {
  it("are ciphertext, restore with the right secret, and not with another", async () => {
    const { db, addr } = await setup();
    const taken = await adminCall("POST", `/admin/databases/${db.id}/backup`);
    expect(taken.status, taken.text).toBe(201);
    const snapshot: string = taken.body.snapshot;
    const obj = await env.BACKUPS.get(snapshotPrefix(db.id, snapshot, "local") + shardFile(0));
    const bytes = new Uint8Array(await obj!.arrayBuffer());
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe("SLCDENC1");
    expect(contains(bytes, MARKER)).toBe(false);
    expect(contains(bytes, "SLCDSNAP")).toBe(false);
    expect(contains(bytes, "seg_blobs")).toBe(false); // table names and entity ids are inside the ciphertext too

    // The database's own key opens it; a different data key does not.
    const raw = await unwrapDataKey({ current: SECRET, previous: null }, db.id, (await catalogOf(env, db.id).dataKey())!);
    const right = new BackupOpener({ key: await importDataKey(raw), context: `${db.id}/0` });
    const plain = [...(await right.push(bytes)), ...right.finish()];
    expect(new TextDecoder().decode(plain[0]!.subarray(0, 8))).toBe("SLCDSNAP");
    const wrong = new BackupOpener({ key: await importDataKey(crypto.getRandomValues(new Uint8Array(32))), context: `${db.id}/0` });
    await expect(wrong.push(bytes)).rejects.toThrow(/fails decryption/);
    const otherShard = new BackupOpener({ key: await importDataKey(raw), context: `${db.id}/1` });
    await expect(otherShard.push(bytes)).rejects.toThrow(/fails decryption/);

    // Change the data, restore: the old answer is back.
    await call("POST", "/v1/insert?wait=true", { key: db.write, body: { extra: { word: MARKER } } });
    expect((await countMarker(db)).body.result.m).toBe(11);
    const restored = await adminCall("POST", `/admin/databases/${db.id}/restore`, { snapshot });
    expect(restored.status, restored.text).toBe(200);
    expect((await countMarker(db)).body.result.m).toBe(10);

    // A deployment with another DATA_KEY_SECRET cannot unwrap the key, so nothing is restored.
    await call("POST", "/v1/insert?wait=true", { key: db.write, body: { extra2: { word: MARKER } } });
    await useSecrets(addr, { current: "some-other-secret", previous: null });
    const refused = await adminCall("POST", `/admin/databases/${db.id}/restore`, { snapshot });
    expect(refused.status).not.toBe(200);
    expect(refused.text).toMatch(/neither DATA_KEY_SECRET nor DATA_KEY_SECRET_PREVIOUS/);
    expect(refused.text).not.toContain("some-other-secret");
    expect(refused.text).not.toContain(SECRET);
    await useSecrets(addr, null);
    expect((await countMarker(db)).body.result.m).toBe(11); // live data untouched
  });
});

describe("master secret rotation", () => {
  it("re-wraps every data key without rewriting a segment, and data stays readable", async () => {
    const { db, addr } = await setup();
    const before = await segRows(addr);
    const oldWrapped = (await catalogOf(env, db.id).dataKey())!;
    const rawBefore = await unwrapDataKey({ current: SECRET, previous: null }, db.id, oldWrapped);

    const report = await rotateDataKeys(env, { current: "next-secret", previous: SECRET });
    expect(report.failed).toEqual([]);
    expect(report.rewrapped).toBeGreaterThanOrEqual(1);
    expect(report.secret).toBe(await secretId("next-secret"));
    const newWrapped = (await catalogOf(env, db.id).dataKey())!;
    expect(newWrapped).not.toBe(oldWrapped);
    expect(wrappedBy(newWrapped)).toBe(await secretId("next-secret"));
    // Same data key inside; the old secret alone no longer opens it.
    expect(await unwrapDataKey({ current: "next-secret", previous: null }, db.id, newWrapped)).toEqual(rawBefore);
    await expect(unwrapDataKey({ current: SECRET, previous: null }, db.id, newWrapped)).rejects.toThrow(/neither/);

    // A shard running with only the new secret fetches, unwraps and reads the unchanged segments.
    await useSecrets(addr, { current: "next-secret", previous: null });
    const r = await countMarker(db);
    expect(r.status, r.text).toBe(200);
    expect(r.body.result.m).toBe(10);
    expect(await segRows(addr)).toEqual(before);

    // A second run is a no-op; the operator endpoint (env secrets) cannot undo it without the previous secret.
    expect((await rotateDataKeys(env, { current: "next-secret", previous: SECRET })).rewrapped).toBe(0);
    const viaApi = await adminCall("POST", "/admin/rotate-data-key-secret");
    expect(viaApi.status, viaApi.text).toBe(200);
    expect(viaApi.body.failed.some((f: { database: string }) => f.database === db.id)).toBe(true);
    expect(viaApi.text).not.toContain(SECRET);
    expect(viaApi.text).not.toContain("next-secret");

    // Rotate back (as a deployment with DATA_KEY_SECRET=SECRET, DATA_KEY_SECRET_PREVIOUS=next-secret would).
    expect((await rotateDataKeys(env, { current: SECRET, previous: "next-secret" })).failed).toEqual([]);
    await useSecrets(addr, null);
    expect((await countMarker(db)).body.result.m).toBe(10);
    expect(await segRows(addr)).toEqual(before);
  });
});
