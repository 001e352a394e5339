// POST /v1/sql (API.md §7.12): one statement as plain text (Content-Type application/sql). SELECT
// compiles into the same plans as the JSON API (read key); INSERT becomes an insert body (write key).

import { Hono } from "hono";
import { requireLevel } from "../middleware/auth";
import { readText } from "../middleware/body-limits";
import { success } from "./respond";
import { type AppEnv } from "../app-env";
import { insert } from "../ingest/insert";
import { compileSql } from "../sql/index";
import { ApiError } from "../../contract/errors";
import { SQL_TEXT_CHARS_MAX } from "../../contract/limits";
import { answer, requestCacheKey } from "../query/run";
import { schemaSeenBy } from "../permissions";

export const sql = new Hono<AppEnv>();

sql.post("/sql", async (c) => {
  const caller = c.get("caller");
  const type = c.req.header("content-type");
  if (type !== undefined && !/^(application\/sql|text\/plain)\b/i.test(type.trim())) {
    throw new ApiError("CONTENT_TYPE_INVALID", `POST /sql takes the statement as plain text with Content-Type application/sql, got '${type}'`);
  }
  const text = await readText(c, SQL_TEXT_CHARS_MAX * 4);
  if (text.length > SQL_TEXT_CHARS_MAX) {
    throw new ApiError("BODY_TOO_LARGE", `the statement has ${text.length} characters; the limit is ${SQL_TEXT_CHARS_MAX}`, { max: SQL_TEXT_CHARS_MAX });
  }
  // Security: a custom key compiles against what its grants show it (forbidden = missing, src/permissions.ts).
  const statement = compileSql(text, schemaSeenBy(caller, caller.schema), Date.now());
  if (statement.kind === "insert") {
    requireLevel(caller, ["write"], "insert data");
    const wait = /^(1|true|yes)$/i.test(c.req.query("wait") ?? "");
    return success(c, { ...(await insert(c.env, caller, statement.body, { wait, idempotencyKey: c.req.header("idempotency-key"), operation: "sql-insert" })) });
  }
  requireLevel(caller, ["read"], "run queries");
  return answer(c, { ...statement.query, cacheKey: requestCacheKey("/v1/sql", text.trim()) });
});
