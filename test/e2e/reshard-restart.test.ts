// A reshard survives stops of `npm run dev`: against a real wrangler dev, a database moves from 2 to 5
// shards while writers insert; the server is killed (SIGKILL) mid-copy and stopped (SIGTERM) later,
// and restarted on the same state each time. The catalog's alarm resumes the move, and in the end
// every acknowledged entity is present exactly once (one event each), on the shard shardOf names.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shardOf } from "../../contract/shard-of";
import { createDatabase, http, startDevServer, type DevServer } from "./helpers/dev-server";

const BEFORE = 600; // entities before the move
const WINDOW = ["2025-12-31", "2026-01-02"];

let server: DevServer;
let db: { id: string; master: string; write: string; read: string };
const acknowledged = new Set<string>();

beforeAll(async () => {
  // Small pages and a pause per step make the copy last a few seconds, long enough to kill it mid-way.
  server = await startDevServer({ overrides: { RESHARD_PAGE_ENTITIES: "20", RESHARD_PAUSE_MS: "150" } });
  db = await createDatabase(server, { shards: 2, replicas: 1, name: "reshard-restart" });
  const cols = await http(server.base, "POST", "/v1/column", { key: db.master, body: [{ name: "Hits", "api-name": "hits", type: "integer-event" }] });
  expect(cols.status, cols.text).toBe(200);
});

afterAll(async () => {
  await server?.dispose();
});

const admin = () => ({ authorization: `Bearer ${server.adminToken}` });

async function insert(ids: string[], wait = false): Promise<boolean> {
  const body = Object.fromEntries(ids.map((id) => [id, { hits: { value: 1, date: "2026-01-01T00:00:00Z" } }]));
  try {
    const r = await http(server.base, "POST", `/v1/insert${wait ? "?wait=true" : ""}`, { key: db.write, body, timeoutMs: 10_000 });
    if (r.status !== 200) return false;
  } catch {
    return false; // the server died under it: not acknowledged
  }
  for (const id of ids) acknowledged.add(id);
  return true;
}

async function reshardPhase(): Promise<{ phase: string; copied: number } | null> {
  try {
    const r = await http(server.base, "GET", `/admin/databases/${db.id}/reshard`, { headers: admin(), timeoutMs: 5_000 });
    return r.status === 200 && r.body.reshard ? { phase: r.body.reshard.phase, copied: r.body.reshard["entities-copied"] } : null;
  } catch {
    return null;
  }
}

/** Writers insert fresh entities until stopped (failures while the server is down are not acknowledged). */
function writers(tag: string): { stop: () => Promise<void> } {
  let stopped = false;
  let seq = 0;
  const one = async (w: number) => {
    while (!stopped) {
      const n = seq++;
      if (!(await insert(Array.from({ length: 10 }, (_, i) => `${tag}-${w}-${n}-${i}`)))) await new Promise((r) => setTimeout(r, 100));
    }
  };
  const all = Promise.all([one(0), one(1)]);
  return {
    stop: async () => {
      stopped = true;
      await all;
    },
  };
}

async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const giveUpAt = Date.now() + ms;
  while (Date.now() < giveUpAt) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `not within ${ms} ms: ${what}\n${server
      .log()
      .split("\n")
      .filter((l) => /reshard|error/i.test(l))
      .slice(-20)
      .join("\n")}`,
  );
}

describe("a reshard across stops of wrangler dev", () => {
  it("resumes after SIGKILL mid-copy and SIGTERM, and keeps every acknowledged entity exactly once", async () => {
    for (let i = 0; i < BEFORE; i += 100)
      expect(
        await insert(
          Array.from({ length: 100 }, (_, j) => `pre-${i + j}`),
          true,
        ),
      ).toBe(true);
    const started = await http(server.base, "POST", `/admin/databases/${db.id}/reshard`, { headers: admin(), body: { shards: 5 } });
    expect(started.status, started.text).toBe(202);

    let w = writers("a");
    await until(
      "copying has begun",
      async () => {
        const s = await reshardPhase();
        return s !== null && s.phase === "copying" && s.copied >= 100;
      },
      60_000,
    );
    await server.stop("SIGKILL");
    await w.stop();
    const killedAt = await (async () => {
      await server.start();
      return reshardPhase();
    })();
    expect(killedAt?.phase, "the move was caught mid-copy").toBe("copying");
    expect(killedAt!.copied).toBeLessThan(BEFORE);

    w = writers("b");
    await new Promise((r) => setTimeout(r, 1500));
    await server.stop("SIGTERM");
    await w.stop();
    await server.start();

    w = writers("c");
    await until("the move is done", async () => (await reshardPhase())?.phase === "done", 120_000);
    await new Promise((r) => setTimeout(r, 500));
    await w.stop();

    // Every acknowledged insert applied (the intake empties), each entity once, nothing invented.
    let entities = 0;
    let events = 0;
    await until(
      "every acknowledged entity is visible",
      async () => {
        const health = await http(server.base, "GET", `/admin/databases/${db.id}/health`, { headers: admin() });
        const total = await http(server.base, "POST", "/v1/query/count/entity/total", { key: db.read, body: { "bypass-cache": true } });
        const ev = await http(server.base, "POST", "/v1/query/count/event", { key: db.read, body: { "query-name": "q", "bypass-cache": true, query: [{ hits: { equals: 1, between: WINDOW } }] } });
        if (health.status !== 200 || total.status !== 200 || ev.status !== 200) return false;
        entities = total.body.result.total;
        events = ev.body.result.q;
        return health.body.intake.pending === 0 && entities >= acknowledged.size;
      },
      120_000,
    );
    expect(entities).toBeGreaterThan(BEFORE);
    expect(events, "no entity applied twice").toBe(entities);

    // Each entity on the shard the new count names: compare per-primary counts with the ids written.
    const health = await http(server.base, "GET", `/admin/databases/${db.id}/health`, { headers: admin() });
    expect(health.body.database).toMatchObject({ shards: 5, epoch: 1 });
    const primaries = (health.body.shards as Array<{ shard: number; copy: number; entities: number }>).filter((s) => s.copy === 0).sort((a, b) => a.shard - b.shard);
    expect(primaries.reduce((n, p) => n + p.entities, 0)).toBe(entities);
    const acked = new Array<number>(5).fill(0);
    for (const id of acknowledged) acked[shardOf("default", id, 5)]!++;
    primaries.forEach((p, s) => expect(p.entities, `shard ${s} holds at least its acknowledged entities`).toBeGreaterThanOrEqual(acked[s]!));
    const ids = [...acknowledged];
    const lost: string[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const exists = await http(server.base, "POST", "/v1/query/exists/entity", { key: db.read, body: { ids: ids.slice(i, i + 100), "bypass-cache": true } });
      expect(exists.status, exists.text).toBe(200);
      lost.push(...exists.body["not-exists"]);
    }
    expect(lost, `${lost.length} of ${ids.length} acknowledged entities lost`).toEqual([]);
  });
});
