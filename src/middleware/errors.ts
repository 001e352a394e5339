// Every failure answered in the SlicingDice error envelope (API.md §2.2): domain errors with their
// own status, unknown paths as 26 and known paths called with the wrong method as 25 (told apart
// from the registered routes), anything else as a logged 500 that reveals nothing.

import type { Context, Hono } from "hono";
import { ApiError, errorEnvelope } from "../../contract/errors";
import type { AppEnv } from "../app-env";
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
    return c.json(errorEnvelope(err), err.status as 404 | 405);
  };
}

export function onError(e: Error, c: Context<AppEnv>): Response {
  if (e instanceof ApiError) return c.json(errorEnvelope(e), e.status as 400);
  console.error(`internal error on ${c.req.method} ${c.req.path}:`, e);
  const err = new ApiError("INTERNAL", "an internal error occurred; it has been logged");
  return c.json(errorEnvelope(err), 500);
}
