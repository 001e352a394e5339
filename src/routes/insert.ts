// POST /v1/insert (API.md §5): the body is checked whole before anything is enqueued.

import { Hono } from "hono";
import { requireLevel } from "../middleware/auth";
import { readJson } from "../middleware/body-limits";
import { success } from "./respond";
import { type AppEnv } from "../app-env";
import { insert } from "../ingest/insert";
import { INSERT_BODY_BYTES_MAX } from "../../contract/limits";

export const inserts = new Hono<AppEnv>();

inserts.post("/insert", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, ["write"], "insert data");
  const body = await readJson(c, INSERT_BODY_BYTES_MAX);
  const wait = /^(1|true|yes)$/i.test(c.req.query("wait") ?? "");
  const outcome = await insert(c.env, caller, body, { wait, idempotencyKey: c.req.header("idempotency-key"), operation: "insert" });
  return success(c, { ...outcome });
});
