// Data extraction (API.md §7.7, §7.8): result and score pages, merged across shards by order key.

import { Hono } from "hono";
import { requireLevel } from "../middleware/auth";
import { readJson } from "../middleware/body-limits";
import { type AppEnv } from "../app-env";
import { compileResult, compileScore } from "../query/extraction";
import { QUERY_BODY_BYTES_MAX } from "../../contract/limits";
import { runQuery } from "../query/run";

export const extraction = new Hono<AppEnv>();

for (const [path, compile] of [
  ["/data_extraction/result", compileResult],
  ["/data_extraction/score", compileScore],
] as const) {
  extraction.post(path, async (c) => {
    requireLevel(c.get("caller"), ["read"], "extract data");
    return runQuery(c, await readJson(c, QUERY_BODY_BYTES_MAX), compile);
  });
}
