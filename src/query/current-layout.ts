// Runs a fan-out against the shard layout the request's schema names, and once more against the
// published one when a reshard retired that layout meanwhile (shards answer LAYOUT_RETIRED, having
// changed nothing): an isolate's schema may be up to AUTH_CACHE_MS old, and its requests must neither
// read the frozen old layout nor fail because a reshard finished a moment ago.

import { ApiError } from "../../contract/errors";
import type { DatabaseInfo } from "../../contract/schema";
import type { AppContext } from "../app-env";
import { refreshSchema } from "../schema-cache";

export async function onCurrentLayout<T>(c: AppContext, run: (db: DatabaseInfo) => Promise<T>): Promise<T> {
  const caller = c.get("caller");
  try {
    return await run(caller.schema.database);
  } catch (e) {
    if (!(e instanceof ApiError) || e.errorName !== "LAYOUT_RETIRED") throw e;
    const schema = await refreshSchema(c.env, caller.db);
    c.set("caller", { ...caller, schema });
    return run(schema.database);
  }
}
