// The database's browser-access setting (master key): GET and PUT /v1/database/cors, the origins
// whose pages may read the API's answers (src/middleware/cors.ts). A new database allows none.

import { Hono } from "hono";
import { z } from "zod";
import { requireLevel } from "../middleware/auth";
import { catalogOf } from "../../durable-objects/stubs";
import { readJson } from "../middleware/body-limits";
import { rememberSchema } from "../schema-cache";
import { success } from "./respond";
import { parseWith } from "./validation";
import type { AppEnv } from "../app-env";
import { ApiError } from "../../contract/errors";
import { CORS_ORIGIN_CHARS_MAX, CORS_ORIGINS_MAX, QUERY_BODY_BYTES_MAX } from "../../contract/limits";

/**
 * An origin as browsers send it in the Origin header: http(s)://host[:port], lower-case, no default
 * port, no path; or "*" for any page. Written otherwise (upper case, a trailing "/", ":443") it is
 * stored normalised, since an exact match is all the check does.
 */
const origin = z
  .string({ error: "must be a string" })
  .trim()
  .max(CORS_ORIGIN_CHARS_MAX, `must be at most ${CORS_ORIGIN_CHARS_MAX} characters`)
  .transform((text, ctx) => {
    const normal = normaliseOrigin(text);
    if (normal === null) ctx.addIssue({ code: "custom", message: `${JSON.stringify(text)} is not an origin: use scheme://host[:port] (http or https, no path) or "*"` });
    return normal ?? "";
  });

export const corsSettingSchema = z.strictObject({
  "allowed-origins": z.array(origin, { error: 'is required: a list of origins, e.g. ["https://app.example.com"]' }).max(CORS_ORIGINS_MAX, `must hold at most ${CORS_ORIGINS_MAX} origins`),
});

export function normaliseOrigin(text: string): string | null {
  if (text === "*") return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "" || url.pathname !== "/") return null;
  if (!/^[a-z]+:\/\/[^/?#]+\/?$/i.test(text)) return null; // "https://a.com/." parses to pathname "/", yet is not an origin
  return url.origin;
}

export const databaseSettings = new Hono<AppEnv>();

databaseSettings.get("/database/cors", (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "read the database's settings");
  return success(c, { "allowed-origins": caller.schema.snapshot.allowedOrigins ?? [] });
});

databaseSettings.put("/database/cors", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "change the database's settings");
  const body = parseWith(corsSettingSchema, await readJson(c, QUERY_BODY_BYTES_MAX), {}, "CORS_ORIGINS_INVALID", "cors");
  const origins = [...new Set(body["allowed-origins"])];
  const result = await catalogOf(c.env, caller.db).setAllowedOrigins(origins);
  if (!result.ok) throw ApiError.from(result.error);
  // Here at once; other isolates within AUTH_CACHE_MS, when their cached schema expires.
  rememberSchema(caller.db, result.value);
  return success(c, { "allowed-origins": origins });
});
