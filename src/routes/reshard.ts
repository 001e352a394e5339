// The operator's reshard API, mounted under /admin (bearer token): move a live database to another
// shard count, follow it, cancel it before it publishes (docs/resharding.md). The catalog's alarm
// does the work (durable-objects/reshard/driver.ts); these routes start, read and cancel it.

import { Hono } from "hono";
import { catalogOf } from "../../durable-objects/stubs";
import { progressOf } from "../../durable-objects/reshard/job";
import { durableIntakeOn } from "../ingest/deliver";
import { readJson } from "../middleware/body-limits";
import { success } from "./respond";
import { type AppEnv } from "../app-env";
import { ApiError } from "../../contract/errors";
import { QUERY_BODY_BYTES_MAX } from "../../contract/limits";
import { parseWith } from "./validation";
import { reshardSchema } from "./admin-schemas";
import { databaseOr404 } from "./database-param";

export const reshard = new Hono<AppEnv>();

reshard.post("/databases/:id/reshard", async (c) => {
  const info = await databaseOr404(c);
  const body = parseWith(reshardSchema, await readJson(c, QUERY_BODY_BYTES_MAX), {}, "RESHARD_INVALID", "reshard");
  // While shards are copied their inserts wait in the intake, which retries for as long as it takes;
  // the queue alone gives up after its retries and would dead-letter them.
  if (!durableIntakeOn(c.env)) throw new ApiError("RESHARD_UNAVAILABLE", 'resharding needs the durable intake; DURABLE_INTAKE is "false" on this deployment');
  const result = await catalogOf(c.env, info.id).startReshard(body.shards, Date.now());
  if (!result.ok) throw ApiError.from(result.error);
  return success(c, { reshard: progressOf(result.value) }, 202);
});

reshard.get("/databases/:id/reshard", async (c) => {
  const info = await databaseOr404(c);
  const job = await catalogOf(c.env, info.id).reshardStatus();
  return success(c, { reshard: job === null ? null : progressOf(job) });
});

reshard.delete("/databases/:id/reshard", async (c) => {
  const info = await databaseOr404(c);
  const result = await catalogOf(c.env, info.id).cancelReshard();
  if (!result.ok) throw ApiError.from(result.error);
  return success(c, { reshard: progressOf(result.value) }, 202);
});
