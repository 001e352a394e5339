// Measures the per-shard figures the capacity model (scripts/capacity.mjs, docs/capacity.md) needs,
// on this machine, with the production code: the insert path's packer (src/ingest/pack.ts) and
// sealer, and the production ShardDO inside workerd (Miniflare, SQLite storage, encryption at rest on).
// Writes bench/results/capacity.json (or --json <file>).
//
//   npm run bench:capacity -- [--entities N] [--json file]
//
// Figures: values and queue-message bytes per entity; entities per insert request and per message;
// apply throughput of one shard (entities/s) for several entities-per-RPC sizes, with a linear fit
// ms = perCall + perEntity * E; the same with 2 replicas; SQLite bytes per entity after the inserts.

import { cpus, loadavg } from "node:os";
import { writeFileSync } from "node:fs";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { makeGenerator, toEntityWrite } from "../generator";
import { batches, messageBytes, packMessages } from "../../src/ingest/pack";
import { sealMessages } from "../../durable-objects/ingest-seal";
import { INSERT_ENTITIES_MAX, INSERT_VALUES_MAX } from "../../contract/limits";
import type { EntityWrite } from "../../contract/plan";
import type { IngestMessage } from "../../contract/queue-messages";
import type { DatabaseInfo } from "../../contract/schema";
import type { ShardAddress } from "../../contract/shard-rpc";
import { bundleForWorkerd, workerdVersion } from "../workerd/run";

const args = process.argv.slice(2);
const opt = (k: string, d: string): string => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : d;
};
const N = Number(opt("entities", "60000"));
const OUT_JSON = opt("json", "bench/results/capacity.json");
const SECRET = "capacity-measurement-secret";
const OUT = ".wrangler/bench/capacity";
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** Values the server counts for an entity (2013): one per attribute, one per event. */
const valuesOf = (e: EntityWrite): number => e.attrs.length + e.events.length;

// ---- the data, as the insert path would queue it ----
const gen = makeGenerator(42);
const entities: EntityWrite[] = Array.from({ length: N }, (_, i) => toEntityWrite(gen(i)));
const valuesPerEntity = entities.reduce((n, e) => n + valuesOf(e), 0) / N;

/** Insert requests as a client at the API limits sends them: at most 1000 entities and 20,000 values. */
function requests(list: EntityWrite[], maxEntities = INSERT_ENTITIES_MAX): EntityWrite[][] {
  const out: EntityWrite[][] = [];
  let cur: EntityWrite[] = [];
  let values = 0;
  for (const e of list) {
    if (cur.length === maxEntities || values + valuesOf(e) > INSERT_VALUES_MAX) {
      out.push(cur);
      cur = [];
      values = 0;
    }
    cur.push(e);
    values += valuesOf(e);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

const fullRequests = requests(entities);
const entitiesPerRequest = N / fullRequests.length;
const oneShard = { id: "c0ffee0000000000cafe", shards: 1, replicas: 0 };
const plainMessages = fullRequests.flatMap((r, i) => packMessages(oneShard, `req-${i}`, r));
const sealed = await sealMessages({ current: SECRET, previous: null }, plainMessages);
const v2Bytes = plainMessages.reduce((n, m) => n + messageBytes(m), 0);
const v3Bytes = sealed.reduce((n, m) => n + messageBytes(m), 0);
console.log(`${N} entities, ${round(valuesPerEntity)} values each; ${fullRequests.length} requests of ${round(entitiesPerRequest)} entities; ${plainMessages.length} messages`);
console.log(`queue bytes per entity: ${round(v2Bytes / N)} (v2, plaintext), ${round(v3Bytes / N)} (v3, sealed)`);
const sendBatches = batches(sealed).length;

// ---- the production shard inside workerd ----
const modules = await bundleForWorkerd("bench/capacity/worker.ts", OUT, ["cloudflare:workers"]);
const runtime = `workerd ${workerdVersion()}`;
const mf = new Miniflare({
  ...convertV4MiniflareOptions({
    modules,
    compatibilityDate: "2026-10-01",
    bindings: { DATA_KEY_SECRET: SECRET },
    durableObjects: { SHARD: { className: "MeasuredShard", useSQLite: true }, CATALOG: { className: "CatalogDO", useSQLite: true } },
  }),
});

async function post<T>(path: string, body: unknown): Promise<T> {
  const r = await mf.dispatchFetch(`http://capacity${path}`, { method: "POST", body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

let dbSeq = 0;
async function freshDatabase(replicas: number): Promise<DatabaseInfo> {
  const id = (0xc0ffee00 + ++dbSeq).toString(16).padStart(20, "0");
  const info: DatabaseInfo = { id, name: "capacity", description: "", shards: 1, replicas, createdAt: "", updatedAt: "" };
  await post("/init", info);
  return info;
}

interface ApplyRun {
  entitiesPerCall: number;
  messagesPerCall: number;
  replicas: number;
  calls: number;
  entities: number;
  msPerCall: number;
  entitiesPerSecond: number;
}

/** Applies `list` to a fresh shard, `perCall` entities per RPC (messages of at most one request each). */
async function applyRun(list: EntityWrite[], perCall: number, replicas: number): Promise<{ run: ApplyRun; info: DatabaseInfo }> {
  const info = await freshDatabase(replicas);
  const addr: ShardAddress = { db: info.id, shard: 0, copy: 0, replicas };
  const reqs = requests(list, Math.min(perCall, INSERT_ENTITIES_MAX));
  const messages: IngestMessage[] = reqs.flatMap((r, i) => packMessages(info, `r${i}`, r));
  let ms = 0;
  let calls = 0;
  let applied = 0;
  const perCallMessages = Math.max(1, Math.round(perCall / (list.length / messages.length)));
  for (let i = 0; i < messages.length; i += perCallMessages) {
    const part = messages.slice(i, i + perCallMessages);
    const r = await post<{ ms: number; applied: number }>("/apply", { addr, messages: part });
    ms += r.ms;
    applied += part.reduce((n, m) => n + (JSON.parse(m.entitiesJson) as unknown[]).length, 0);
    calls++;
  }
  const run: ApplyRun = {
    entitiesPerCall: round(applied / calls),
    messagesPerCall: perCallMessages,
    replicas,
    calls,
    entities: applied,
    msPerCall: round(ms / calls, 2),
    entitiesPerSecond: Math.round(applied / (ms / 1000)),
  };
  console.log(`apply: ${String(run.entitiesPerCall).padStart(7)} entities/call, replicas ${replicas}: ${run.msPerCall} ms/call, ${run.entitiesPerSecond} entities/s (${calls} calls)`);
  return { run, info };
}

const runs: ApplyRun[] = [];
try {
  // Small calls on a slice (their per-call cost dominates), full requests and 10 requests per call on all N.
  for (const [count, perCall] of [
    [Math.min(N, 5_000), 10],
    [Math.min(N, 20_000), 100],
  ] as const) {
    runs.push((await applyRun(entities.slice(0, count), perCall, 0)).run);
  }
  const full = await applyRun(entities, Math.round(entitiesPerRequest), 0);
  runs.push(full.run);
  runs.push((await applyRun(entities, Math.round(entitiesPerRequest) * 10, 0)).run);
  // With 2 replicas the primary forwards every change before acknowledging; locally the replicas run
  // on the same 2 cores, so this is the whole write cost of 3 copies, not what the primary alone pays.
  const replicated = await applyRun(entities.slice(0, Math.min(N, 20_000)), Math.round(entitiesPerRequest), 2);
  runs.push(replicated.run);

  const size = await post<{ bytes: number; health: { entities: number } }>("/size", { db: full.info.id, shard: 0, copy: 0, replicas: 0 });
  const empty = await freshDatabase(0);
  const emptySize = await post<{ bytes: number }>("/size", { db: empty.id, shard: 0, copy: 0, replicas: 0 });
  const replicaSize = await post<{ bytes: number; health: { entities: number } }>("/size", { db: replicated.info.id, shard: 0, copy: 2, replicas: 2 });

  // Least-squares fit of ms per call = perCall + perEntity * E over the replica-free runs.
  const pts = runs.filter((r) => r.replicas === 0).map((r) => [r.entitiesPerCall, r.msPerCall] as const);
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const slope = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  const intercept = Math.max(0, my - slope * mx);

  const report = {
    machine: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      node: process.version,
      runtime,
      encryption: "on (DATA_KEY_SECRET set: segments and queued inserts sealed as in production)",
      loadAvg: loadavg().map((x) => round(x, 2)),
      date: new Date().toISOString(),
      note: "workerd in Miniflare on this machine: one process, no network between Worker, queue and objects; production adds the storage replication of every Durable Object write (output gate latency)",
    },
    data: {
      generator: "bench/generator.ts (notes/engine.md §5.1: 10 latest-value columns, 2 event columns)",
      entities: N,
      valuesPerEntity: round(valuesPerEntity, 2),
      entitiesPerRequest: round(entitiesPerRequest, 1),
      requestLimits: { entities: INSERT_ENTITIES_MAX, values: INSERT_VALUES_MAX },
    },
    queue: {
      v2BytesPerEntity: round(v2Bytes / N, 1),
      v3BytesPerEntity: round(v3Bytes / N, 1),
      entitiesPerMessage: round(N / plainMessages.length, 1),
      messagesPerSendBatch: round(sealed.length / sendBatches, 1),
    },
    apply: {
      runs,
      fit: { msPerCall: round(intercept, 3), msPerEntity: round(slope, 5) },
      entitiesPerSecondFullRequests: full.run.entitiesPerSecond,
    },
    storage: {
      shardBytes: size.bytes,
      entities: size.health.entities,
      emptyShardBytes: emptySize.bytes,
      bytesPerEntity: round((size.bytes - emptySize.bytes) / size.health.entities, 1),
      replicaBytesPerEntity: round((replicaSize.bytes - emptySize.bytes) / replicaSize.health.entities, 1),
    },
  };
  writeFileSync(OUT_JSON, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${OUT_JSON}`);
  console.log(JSON.stringify({ queue: report.queue, fit: report.apply.fit, storage: report.storage }));
} finally {
  await mf.dispose();
}
