// The capacity measurement inside workerd: the production ShardDO and CatalogDO classes, driven
// through their RPC methods exactly as the queue consumer drives them (apply of v2 messages built by
// the insert path's packer), timed in the Worker around each RPC. Run by bench/capacity/measure.ts.

import { CatalogDO } from "../../durable-objects/catalog";
import { ShardDO } from "../../durable-objects/shard/shard-do";
import type { IngestMessage } from "../../contract/queue-messages";
import type { ShardAddress } from "../../contract/shard-rpc";
import type { DatabaseInfo } from "../../contract/schema";

export { CatalogDO };

/** The production shard plus one read-only figure the RPC surface does not expose. */
export class MeasuredShard extends ShardDO {
  async storageBytes(): Promise<number> {
    return this.ctx.storage.sql.databaseSize;
  }
}

interface MeasureEnv {
  SHARD: DurableObjectNamespace<MeasuredShard>;
  CATALOG: DurableObjectNamespace<CatalogDO>;
}

const stub = (env: MeasureEnv, addr: ShardAddress) => env.SHARD.get(env.SHARD.idFromName(`${addr.db}/${addr.shard}/${addr.copy}`));

export default {
  async fetch(req: Request, env: MeasureEnv): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/init") {
      const info = (await req.json()) as DatabaseInfo;
      await env.CATALOG.get(env.CATALOG.idFromName(info.id)).init(info, [], null); // the shard creates the data key on first use
      return Response.json({ ok: true });
    }
    if (url.pathname === "/apply") {
      const { addr, messages } = (await req.json()) as { addr: ShardAddress; messages: IngestMessage[] };
      const t = performance.now(); // advances across the RPC (I/O), so the figure is wall time of the call
      const r = await stub(env, addr).apply(addr, messages);
      const ms = performance.now() - t;
      if (!r.ok) return new Response(JSON.stringify(r.error), { status: 500 });
      return Response.json({ ms, applied: r.value.applied.length });
    }
    if (url.pathname === "/size") {
      const addr = (await req.json()) as ShardAddress;
      const s = stub(env, addr);
      return Response.json({ bytes: await s.storageBytes(), health: await s.health(addr) });
    }
    return new Response("not found", { status: 404 });
  },
};
