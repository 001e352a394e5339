// Moves a database to another shard count while it keeps taking inserts and answering queries
// (docs/resharding.md). The catalog's alarm calls advance(): each phase is a step that can be
// repeated after a crash at any point without changing the outcome.
//
//   freezing   every old primary holds its writes (inserts wait in the intake and the queue; deletes
//              and updates answer 3401), and notes what it holds. Queries still read the old layout,
//              which is complete and no longer changes: every answer is of one consistent epoch.
//   copying    each old primary's entities, page by page, re-routed by shardOf(…, new count) and
//              applied on the new layout's primaries (which replicate as usual). A page's record id
//              names (job, source, page, target), so a page copied twice lands once.
//   publishing the sources must still hold exactly what they held when frozen (else the copy starts
//              over into a fresh epoch); then the catalog publishes the new layout with a new schema
//              version, and the directory learns it. Queries and inserts move to it from here on.
//   retiring   every old primary forwards the inserts that still reach it (shard/reshard.ts).

import { ApiError } from "../../contract/errors";
import type { EntityWrite } from "../../contract/plan";
import type { IngestMessage } from "../../contract/queue-messages";
import type { DatabaseInfo } from "../../contract/schema";
import { shardOf } from "../../contract/shard-of";
import { layoutAddresses, shardAddress } from "../../contract/shard-rpc";
import { directoryOf, shardStub } from "../stubs";
import { freshSources, type ReshardJob, type SourceProgress } from "./job";

/** What the driver needs from the catalog it runs in. */
export interface ReshardHost {
  env: Env;
  database(): DatabaseInfo | null;
  /** Stores the new layout as the database's, with a new schema version (idempotent for the same epoch). */
  publish(next: DatabaseInfo): void;
  save(job: ReshardJob): void;
  /** Entities per export page (tests make it small to see many pages). */
  pageEntities: number;
  /** Test hook: a pause after each step, so a test can act between phases; 0 in production. */
  stepDelayMs: number;
}

/** Runs steps until the job ends or `deadline` passes; answers whether there is more to do. */
export async function advance(host: ReshardHost, job: ReshardJob, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (job.phase === "done" || job.phase === "cancelled") return false;
    const info = host.database();
    if (info === null) return false; // the database was deleted: its shards went with it
    await step(host, info, job);
    job.lastError = null;
    job.updatedAt = new Date().toISOString();
    host.save(job);
    if (host.stepDelayMs > 0) await scheduler.wait(host.stepDelayMs);
  }
  return true;
}

async function step(host: ReshardHost, info: DatabaseInfo, job: ReshardJob): Promise<void> {
  switch (job.phase) {
    case "freezing":
      return freezeSources(host.env, info, job);
    case "copying":
      return copyPages(host, info, job);
    case "publishing":
      return publish(host, info, job);
    case "retiring":
      return retireSources(host.env, info, job);
    case "cancelling":
      return cancel(host.env, info, job);
    default:
      return;
  }
}

/** The old layout's address of shard `s` (before publishing it is `info`'s; after, a past layout). */
const oldAddress = (info: DatabaseInfo, job: ReshardJob, s: number) => shardAddress(info, s, 0, job.from.epoch);

function newLayout(info: DatabaseInfo, job: ReshardJob): DatabaseInfo {
  return { ...info, shards: job.to.shards, epoch: job.to.epoch };
}

async function freezeSources(env: Env, info: DatabaseInfo, job: ReshardJob): Promise<void> {
  await Promise.all(
    job.sources.map(async (src) => {
      const addr = oldAddress(info, job, src.shard);
      const result = await shardStub(env, addr).reshardFreeze(addr, job.to.epoch);
      if (!result.ok) throw ApiError.from(result.error);
      src.appliedRecords = result.value.appliedRecords;
      src.entities = result.value.entities;
    }),
  );
  // Every copy of the new layout is created now, each with its location hint (only the first call to
  // an object places it), before any data reaches it.
  await Promise.all(
    layoutAddresses(info, job.to.shards, job.to.epoch).map(async (addr) => {
      const result = await shardStub(env, addr).ping(addr);
      if (!result.ok) throw ApiError.from(result.error);
    }),
  );
  job.phase = "copying";
}

/** One export page from every source not yet copied, in parallel; progress is kept for those that succeeded. */
async function copyPages(host: ReshardHost, info: DatabaseInfo, job: ReshardJob): Promise<void> {
  const target = newLayout(info, job);
  const pending = job.sources.filter((s) => !s.done);
  const results = await Promise.allSettled(pending.map((src) => copyPage(host.env, info, target, job, src, host.pageEntities)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    host.save(job);
    throw failed.reason;
  }
  if (job.sources.every((s) => s.done)) job.phase = "publishing";
}

async function copyPage(env: Env, info: DatabaseInfo, target: DatabaseInfo, job: ReshardJob, src: SourceProgress, limit: number): Promise<void> {
  const from = oldAddress(info, job, src.shard);
  const page = await shardStub(env, from).reshardExport(from, job.to.epoch, src.cursor, limit);
  if (!page.ok) throw ApiError.from(page.error);
  const byTarget = new Map<number, EntityWrite[]>();
  for (const e of JSON.parse(page.value.entitiesJson) as EntityWrite[]) {
    const t = shardOf(e.dimension, e.id, target.shards);
    let list = byTarget.get(t);
    if (!list) byTarget.set(t, (list = []));
    list.push(e);
  }
  await Promise.all(
    [...byTarget].map(async ([t, writes]) => {
      const addr = shardAddress(target, t, 0);
      const message: IngestMessage = {
        v: 2,
        db: info.id,
        shard: t,
        epoch: target.epoch!,
        replicas: target.replicas,
        recordId: `reshard:${job.id}/e${job.to.epoch}/${src.shard}/${src.page}>${t}`,
        entitiesJson: JSON.stringify(writes),
      };
      const result = await shardStub(env, addr).apply(addr, [message]);
      if (!result.ok) throw ApiError.from(result.error);
    }),
  );
  src.page++;
  src.copied += page.value.count;
  src.cursor = page.value.next;
  src.done = page.value.next === null;
}

async function publish(host: ReshardHost, info: DatabaseInfo, job: ReshardJob): Promise<void> {
  if ((info.epoch ?? 0) !== job.to.epoch) {
    // The freeze makes the sources immutable; checking it costs one call each and turns a broken
    // promise (a hold lost with its storage, a write that slipped past it) into a fresh copy, not a loss.
    const changed: number[] = [];
    await Promise.all(
      job.sources.map(async (src) => {
        const addr = oldAddress(info, job, src.shard);
        const result = await shardStub(host.env, addr).reshardFreeze(addr, job.to.epoch);
        if (!result.ok) throw ApiError.from(result.error);
        if (result.value.appliedRecords !== src.appliedRecords || result.value.entities !== src.entities) changed.push(src.shard);
      }),
    );
    if (changed.length > 0) {
      startOver(job, `shard(s) ${changed.join(", ")} changed while frozen; copying again into a fresh layout`);
      return;
    }
    host.publish({ ...newLayout(info, job), pastLayouts: [...(info.pastLayouts ?? []), job.from], updatedAt: new Date().toISOString() });
  }
  const published = host.database()!;
  await directoryOf(host.env).update(published);
  job.phase = "retiring";
}

/** Every copy of the old layout, replicas too: a query that falls back to one must not read the frozen past. */
async function retireSources(env: Env, info: DatabaseInfo, job: ReshardJob): Promise<void> {
  await Promise.all(layoutAddresses(info, job.from.shards, job.from.epoch).map((addr) => shardStub(env, addr).reshardRetire(addr, info)));
  await destroyAbandoned(env, info, job);
  job.phase = "done";
  job.finishedAt = new Date().toISOString();
}

async function cancel(env: Env, info: DatabaseInfo, job: ReshardJob): Promise<void> {
  await Promise.all(
    job.sources.map(async (src) => {
      const addr = oldAddress(info, job, src.shard);
      await shardStub(env, addr).reshardThaw(addr, job.to.epoch);
    }),
  );
  job.abandoned.push(job.to.epoch);
  await destroyAbandoned(env, info, job);
  job.phase = "cancelled";
  job.finishedAt = new Date().toISOString();
}

/** A copy that cannot be trusted is not repaired: the next epoch starts empty, and this one is destroyed at the end. */
function startOver(job: ReshardJob, reason: string): void {
  job.abandoned.push(job.to.epoch);
  job.to = { epoch: job.to.epoch + 1, shards: job.to.shards };
  job.sources = freshSources(job.from);
  job.phase = "freezing";
  job.lastError = reason;
  console.warn(`reshard ${job.id}: ${reason}`);
}

async function destroyAbandoned(env: Env, info: DatabaseInfo, job: ReshardJob): Promise<void> {
  const copies = job.abandoned.flatMap((epoch) => layoutAddresses(info, job.to.shards, epoch));
  await Promise.all(copies.map((addr) => shardStub(env, addr).destroy()));
}
