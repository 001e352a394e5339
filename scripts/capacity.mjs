// The capacity model of docs/capacity.md: from the per-shard figures measured by `npm run
// bench:capacity` (bench/results/capacity.json) and Cloudflare's published limits, how many shards,
// ingest queues and copies a target insert rate and entity count need, and which limit binds first.
//
//   npm run capacity -- [--inserts-per-s 1000000] [--entities 1000000000] [--copies 3] [--utilisation 0.5]
//                       [--shards 8 --queues Q  (the configuration whose first bottleneck is reported;
//                        Q defaults to the ingest queues wrangler.toml binds)] [--json]
//                       [--apply-ms-per-call X] [--queue-bytes-per-entity B]  (what-ifs; default: as measured)
//
// An "insert" is one entity written (with the measured number of values per entity).

import { readFileSync } from "node:fs";
import { configuredQueueCount } from "./ingest-queues.mjs";

/** Cloudflare's limits, as documented (URLs in docs/capacity.md). */
export const LIMITS = {
  doRequestsPerS: 1000, // soft limit per Durable Object (DO FAQ)
  doStorageBytes: 10e9, // per SQLite-backed Durable Object (DO limits)
  isolateBytes: 128 * 2 ** 20, // per isolate, shared by objects of one class in it (Workers limits)
  queueMessagesPerS: 5000, // per queue (Queues limits)
  queueMessageBytes: 128_000, // per message, ~100 B of metadata included (Queues limits)
  consumerBatchMessages: 100, // per consumer batch (Queues limits; wrangler.toml uses the maximum)
  consumerConcurrency: 250, // concurrent push-consumer invocations per queue (Queues limits)
};

/** What our packer puts in one message (contract/limits.ts QUEUE_ENTITY_TEXT_BYTES_MAX). */
const MESSAGE_ENTITY_BYTES = 120_000 - 512;
/** The engine's decoded-segment cache per shard (contract/limits.ts SEGMENT_CACHE_BYTES_DEFAULT). */
const SEGMENT_CACHE_BYTES = 64 * 2 ** 20;

const argv = process.argv.slice(2);
const arg = (k, d) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : d;
};

export function model(m, o) {
  const bytesPerEntity = o.queueBytesPerEntity ?? m.queue.v3BytesPerEntity; // encryption at rest is on in production
  const perMessage = Math.max(1, Math.floor(MESSAGE_ENTITY_BYTES / bytesPerEntity));
  const R = m.data.entitiesPerRequest; // a request at the API limits (1000 entities, 20,000 values)
  const applyMs = (e) => (o.applyMsPerCall ?? m.apply.fit.msPerCall) + m.apply.fit.msPerEntity * e;

  /** The load one configuration (S shards, Q shard-affine queues) sees at T inserts/s. */
  function load(T, S, Q) {
    const perShardOfRequest = R / S; // entities of one request that land on one shard
    const messagesPerRequest = S >= R ? R : S * Math.ceil(perShardOfRequest / perMessage); // at most one per entity
    const entitiesPerMessage = R / messagesPerRequest;
    const messagesPerS = (T / R) * messagesPerRequest;
    // A full consumer batch of queue q holds messages of its S/Q shards only (shard-affine queues):
    // the consumer applies each shard's messages of the batch in one call.
    const messagesPerShardPerBatch = Math.max(1, LIMITS.consumerBatchMessages / Math.max(1, S / Q));
    const entitiesPerCall = messagesPerShardPerBatch * entitiesPerMessage;
    const callsPerShardPerS = T / S / entitiesPerCall;
    const shardBusy = (callsPerShardPerS * applyMs(entitiesPerCall)) / 1000; // fraction of one object's single thread
    return { messagesPerS, entitiesPerMessage, entitiesPerCall, callsPerShardPerS, shardBusy, perQueue: messagesPerS / Q };
  }

  /** The inserts/s each limit allows a configuration, and the first one reached. */
  function ceilings(S, Q) {
    const at = (T) => load(T, S, Q);
    const unit = at(1); // every load figure is linear in T
    const c = {
      "queue messages/s (5,000 per queue)": LIMITS.queueMessagesPerS / unit.perQueue,
      "shard apply CPU (one thread per object)": 1 / unit.shardBusy,
      "Durable Object requests/s (1,000 per object)": LIMITS.doRequestsPerS / unit.callsPerShardPerS,
    };
    const first = Object.entries(c).sort((a, b) => a[1] - b[1])[0];
    return { ceilings: c, first: { limit: first[0], insertsPerS: first[1] } };
  }

  const u = o.utilisation;
  // Shards: the least S (and queues for it) that keeps every object and queue under `u` of its limit.
  let plan = null;
  const storageShards = Math.ceil((o.entities * m.storage.bytesPerEntity) / (LIMITS.doStorageBytes * u));
  // More queues than the message rate needs still help: each queue's batches then carry fewer
  // shards, so each apply call carries more entities and the per-call cost is paid less often.
  for (let S = Math.max(1, storageShards); S <= 4096 && plan === null; S++) {
    const qMin = Math.max(1, Math.ceil(load(o.insertsPerS, S, 1).messagesPerS / (LIMITS.queueMessagesPerS * u)));
    for (let Q = qMin; Q <= S && plan === null; Q++) {
      const l = load(o.insertsPerS, S, Q);
      if (l.shardBusy <= u && l.callsPerShardPerS <= LIMITS.doRequestsPerS * u) plan = { shards: S, queues: Q, load: l };
    }
  }
  const copies = o.copies;
  const storageBytes = o.entities * m.storage.bytesPerEntity;
  return {
    inputs: { ...o, bytesPerEntityQueued: bytesPerEntity, entitiesPerMessageMax: perMessage, entitiesPerRequest: R, valuesPerEntity: m.data.valuesPerEntity },
    plan: plan && {
      shards: plan.shards,
      queues: plan.queues,
      copies,
      objects: plan.shards * copies,
      storageShardsAlone: storageShards,
      messagesPerS: Math.round(plan.load.messagesPerS),
      messagesPerQueuePerS: Math.round(plan.load.perQueue),
      entitiesPerMessage: round(plan.load.entitiesPerMessage),
      entitiesPerCall: round(plan.load.entitiesPerCall),
      callsPerShardPerS: round(plan.load.callsPerShardPerS),
      shardBusy: round(plan.load.shardBusy, 2),
      doWriteRequestsPerS: Math.round(plan.load.callsPerShardPerS * plan.shards * copies), // each copy applies every call
      storagePerCopyBytes: storageBytes,
      storageAllCopiesBytes: storageBytes * copies,
      storagePerObjectBytes: Math.round(storageBytes / plan.shards),
      entitiesPerShard: Math.round(o.entities / plan.shards),
      memoryPerShardBound: SEGMENT_CACHE_BYTES,
    },
    today: { shards: o.shards, queues: o.queues, ...ceilings(o.shards, o.queues) },
    atPlan: plan && ceilings(plan.shards, plan.queues),
  };
}

function round(x, d = 1) {
  return Math.round(x * 10 ** d) / 10 ** d;
}

const fmt = (x) => Math.round(x).toLocaleString("en-US");
const gb = (b) => `${round(b / 1e9, 1)} GB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const measured = JSON.parse(readFileSync(new URL("../bench/results/capacity.json", import.meta.url), "utf8"));
  const o = {
    insertsPerS: arg("inserts-per-s", 1_000_000),
    entities: arg("entities", 1_000_000_000),
    copies: arg("copies", 3),
    utilisation: arg("utilisation", 0.5),
    shards: arg("shards", 8),
    queues: arg("queues", configuredQueueCount()),
    // What-ifs (default: as measured): the fixed cost of one apply call, and queued bytes per entity.
    applyMsPerCall: arg("apply-ms-per-call", undefined),
    queueBytesPerEntity: arg("queue-bytes-per-entity", undefined),
  };
  const r = model(measured, o);
  if (argv.includes("--json")) {
    console.log(JSON.stringify(r, null, 2));
  } else {
    const p = r.plan;
    console.log(
      `measured (${measured.machine.runtime}, ${measured.machine.date.slice(0, 10)}): ${measured.data.valuesPerEntity} values/entity, ${r.inputs.bytesPerEntityQueued} queue bytes/entity (<= ${r.inputs.entitiesPerMessageMax} per message), ${measured.storage.bytesPerEntity} SQLite bytes/entity`,
    );
    console.log(
      `apply per call: ${o.applyMsPerCall ?? measured.apply.fit.msPerCall} ms + ${measured.apply.fit.msPerEntity} ms/entity; ${fmt(measured.apply.entitiesPerSecondFullRequests)} entities/s per shard with full requests`,
    );
    console.log(`target: ${fmt(o.insertsPerS)} inserts/s, ${fmt(o.entities)} entities, ${o.copies} copies, every limit at most ${o.utilisation * 100}% used`);
    if (!p) console.log("no configuration up to 4,096 shards meets the target");
    else {
      console.log(`=> ${p.shards} shards x ${p.copies} copies = ${p.objects} Durable Objects, ${p.queues} shard-affine ingest queues`);
      console.log(
        `   ${fmt(p.messagesPerS)} messages/s (${fmt(p.messagesPerQueuePerS)} per queue, ${p.entitiesPerMessage} entities each); per shard ${p.callsPerShardPerS} apply calls/s of ${p.entitiesPerCall} entities, thread ${Math.round(p.shardBusy * 100)}% busy`,
      );
      console.log(
        `   ${fmt(p.doWriteRequestsPerS)} Durable Object write requests/s over all copies; storage ${gb(p.storagePerCopyBytes)} per copy, ${gb(p.storageAllCopiesBytes)} in all, ${gb(p.storagePerObjectBytes)} per object (${fmt(p.entitiesPerShard)} entities; storage alone needs ${p.storageShardsAlone} shards)`,
      );
    }
    console.log(`first bottleneck with ${o.shards} shards and ${o.queues} queue(s): ${r.today.first.limit} at ${fmt(r.today.first.insertsPerS)} inserts/s`);
    for (const [k, v] of Object.entries(r.today.ceilings)) console.log(`   ${k}: ${fmt(v)} inserts/s`);
    if (r.atPlan) console.log(`first bottleneck of the plan: ${r.atPlan.first.limit} at ${fmt(r.atPlan.first.insertsPerS)} inserts/s`);
  }
}
