// Browser access to /v1 (hono/cors). A preflight (OPTIONS) carries no API key, so it cannot tell
// which database it is for: it is answered for any origin with the methods and headers the API
// takes. The answer to the real request then carries Access-Control-Allow-Origin only when the
// origin is in the allowed-origins of the key's database (GET/PUT /v1/database/cors; none by default).
//
// Why the permissive preflight is safe: it only lets the browser send the request; whether the page
// may read the answer is decided on that answer, per database. The API has no ambient credentials
// (no cookies, no Access-Control-Allow-Credentials): a request is authorised by the key the page
// itself puts in Authorization, which works as well from curl, so a page can do nothing through a
// browser that its key could not do without one. The operator API (/admin) gets no CORS at all.

import { cors } from "hono/cors";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import type { Caller } from "./auth";
import { CORS_PREFLIGHT_MAX_AGE_S } from "../../contract/limits";

/** Response headers a page may read besides the simple ones. */
const EXPOSED = ["X-Request-Id", "Retry-After"];

const answerPreflight = cors({
  origin: (origin) => origin || null,
  allowMethods: ["GET", "POST", "PUT", "DELETE"],
  allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
  exposeHeaders: EXPOSED,
  maxAge: CORS_PREFLIGHT_MAX_AGE_S,
});

/** Before authentication: answers OPTIONS (204), lets every other method through untouched. */
export const corsPreflight: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "OPTIONS") return next();
  return answerPreflight(c, next);
};

/**
 * After authentication: the allowed origin of the caller's database, echoed (or `*` when the database
 * allows any); nothing for other origins, so the browser keeps the answer from the page. The same
 * origin (the console at /console) needs no header: browsers do not apply CORS to it.
 */
export const corsAllowedOrigin: MiddlewareHandler<AppEnv> = cors({
  // hono/cors types its context without this app's variables; the caller was set by authentication.
  origin: (origin, c) => (origin ? (c.get("caller") as Caller).schema.corsOrigin(origin) : null),
  exposeHeaders: EXPOSED,
});
