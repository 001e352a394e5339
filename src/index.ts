import { DurableObject } from "cloudflare:workers";
export class ShardDO extends DurableObject {}
export class CatalogDO extends DurableObject {}
export class DirectoryDO extends DurableObject {}
export default {
  async fetch() { return new Response("ok"); },
  async queue() {},
  async scheduled() {},
} satisfies ExportedHandler<Env>;
