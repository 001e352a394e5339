// Every failure answered in the SlicingDice error envelope (API.md §2.2) with the request's id:
// domain errors with their own status, unknown paths as 26 and known paths called with the wrong
// method as 25 (told apart from the registered routes), anything else as a logged 500 that reveals nothing.

import type { Context, Hono } from "hono";
import { ApiError, errorEnvelope } from "../../contract/errors";
import type { AppEnv } from "../app-env";
import { log } from "../log";
import { normalisePath } from "./paths";

/** The notFound handler of `app`: its registered routes' paths as patterns, built on first use. */
export function notFound(app: Hono<AppEnv>): (c: Context<AppEnv>) => Response {
  let routePatterns: RegExp[] | null = null;
  const isRoutePath = (path: string): boolean => {
    routePatterns ??= app.routes
      .filter((r) => r.method !== "ALL") // middleware
      .map((r) => new RegExp(`^${r.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[^/]+/g, "[^/]+")}$`));
    const normalised = normalisePath(path);
    return routePatterns.some((p) => p.test(normalised));
  };
  return (c) => {
    const err = isRoutePath(c.req.path) ? new ApiError("METHOD_NOT_ALLOWED", `${c.req.method} is not allowed on ${c.req.path}`) : new ApiError("UNKNOWN_ROUTE", `there is no ${c.req.path} endpoint`);
    return answerError(c, err);
  };
}

export function onError(e: Error, c: Context<AppEnv>): Response {
  if (e instanceof ApiError) return answerError(c, e);
  log("error", "internal error", { method: c.req.method, path: c.req.path, error: e.stack ?? String(e) });
  return answerError(c, new ApiError("INTERNAL", "an internal error occurred; it has been logged"));
}

function answerError(c: Context<AppEnv>, err: ApiError): Response {
  c.set("errorCode", err.code);
  return c.json(errorEnvelope(err, c.get("requestId")), err.status as 400);
}
