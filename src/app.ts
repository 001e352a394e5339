// The Hono app: path normalisation (trailing slashes, the historical /v1/test prefix and route
// names), timing, API-key authentication for /v1, the routes, and one error handler that answers
// every failure in the SlicingDice error envelope (API.md §2.2).

import { Hono } from "hono";
import { authenticate } from "./middleware/auth";
import type { AppEnv } from "./middleware/body-limits";
import { admin } from "./routes/admin";
import { columns } from "./routes/columns";
import { inserts } from "./routes/insert";
import { keys } from "./routes/api-keys";
import { enforceRateLimit } from "./middleware/rate-limit";
import { openApiDocument } from "./openapi/index";
import { extraction } from "./routes/extraction";
import { mutations } from "./routes/mutations";
import { queries } from "./routes/query";
import { saved } from "./routes/saved";
import { sql } from "./routes/sql";
import { ApiError, errorEnvelope } from "../contract/errors";

/** Old spellings that existing clients still send (API.md §1.1, §10). */
const PATH_ALIASES: Array<[RegExp, string]> = [
  [/^\/v1\/test(\/|$)/, "/v1$1"],
  [/^\/v1\/field$/, "/v1/column"],
  [/^\/v1\/index$/, "/v1/insert"],
  [/^\/v1\/project$/, "/v1/database"],
  [/^\/v1\/query\/count\/events$/, "/v1/query/count/event"],
  [/^\/v1\/query\/sql$/, "/v1/sql"],
];

export function normalisePath(pathname: string): string {
  let p = pathname.replace(/\/+$/, "") || "/";
  for (const [pattern, replacement] of PATH_ALIASES) p = p.replace(pattern, replacement);
  return p;
}

export const app = new Hono<AppEnv>({ getPath: (req) => normalisePath(new URL(req.url).pathname) });

app.use("*", async (c, next) => {
  c.set("started", Date.now());
  await next();
});

app.get("/", (c) => c.json({ service: "sliced", description: "SlicingDice-compatible analytics database", api: "/v1", docs: "README.md", openapi: "/openapi.json" }));
app.get("/openapi.json", (c) => c.json(openApiDocument()));

app.route("/admin", admin);

app.use("/v1/*", async (c, next) => {
  const caller = await authenticate(c.env, c.req.header("authorization"));
  c.set("caller", caller);
  // Per key, after authentication: 429 / 1502. A busy key's requests are mostly admitted on the
  // isolate's last verdict (src/middleware/rate-limit.ts), so waiting for it rarely waits for a call.
  await enforceRateLimit(c, caller);
  return next();
});
app.route("/v1", columns);
app.route("/v1", inserts);
app.route("/v1", queries);
app.route("/v1", extraction);
app.route("/v1", saved);
app.route("/v1", mutations);
app.route("/v1", sql);
app.route("/v1", keys);

/** The registered routes' paths as patterns, for telling "wrong method" (25) from "no such route" (26). */
let routePatterns: RegExp[] | null = null;

function isRoutePath(path: string): boolean {
  routePatterns ??= app.routes
    .filter((r) => r.method !== "ALL") // middleware
    .map((r) => new RegExp(`^${r.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[^/]+/g, "[^/]+")}$`));
  const normalised = normalisePath(path);
  return routePatterns.some((p) => p.test(normalised));
}

app.notFound((c) => {
  const known = isRoutePath(c.req.path);
  const err = known
    ? new ApiError("METHOD_NOT_ALLOWED", `${c.req.method} is not allowed on ${c.req.path}`)
    : new ApiError("UNKNOWN_ROUTE", `there is no ${c.req.path} endpoint`);
  return c.json(errorEnvelope(err), err.status as 404 | 405);
});

app.onError((e, c) => {
  if (e instanceof ApiError) return c.json(errorEnvelope(e), e.status as 400);
  console.error(`internal error on ${c.req.method} ${c.req.path}:`, e);
  const err = new ApiError("INTERNAL", "an internal error occurred; it has been logged");
  return c.json(errorEnvelope(err), 500);
});
