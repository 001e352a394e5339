// The Hono app: path normalisation (trailing slashes, the historical /v1/test prefix and route
// names), request ids, the request context logs read, one log line per request, CORS, API-key
// authentication and rate limits for /v1, the routes, and the error handlers of
// middleware/errors.ts that answer every failure in the SlicingDice envelope.

import { Hono } from "hono";
import { contextStorage } from "hono/context-storage";
import { requestId } from "hono/request-id";
import { accessLog } from "./middleware/access-log";
import { corsAllowedOrigin, corsPreflight } from "./middleware/cors";
import { databaseSettings } from "./routes/database-settings";
import { REQUEST_ID_CHARS_MAX } from "../contract/limits";
import { authenticate } from "./middleware/auth";
import type { AppEnv } from "./app-env";
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
import { notFound, onError } from "./middleware/errors";
import { normalisePath } from "./middleware/paths";
import { requireEncryptionOrConsent } from "./middleware/deployment";
import { resumeIntakeOnce } from "./ingest/resume-intake";

export const app = new Hono<AppEnv>({ getPath: (req) => normalisePath(new URL(req.url).pathname) });

// Hono's requestId keeps a client's X-Request-Id only when it is [A-Za-z0-9_=-] and short enough,
// else it makes a UUID; it sets the response header before the route runs, which every answer keeps
// (routes/respond.ts and the error handlers build on c's headers).
app.use("*", requestId({ limitLength: REQUEST_ID_CHARS_MAX }));
app.use("*", contextStorage());
app.use("*", accessLog);

app.get("/", (c) => c.json({ service: "sliced", description: "SlicingDice-compatible analytics database", api: "/v1", docs: "/docs", console: "/console", openapi: "/openapi.json" }));
app.get("/openapi.json", (c) => c.json(openApiDocument()));

app.route("/admin", admin);

app.use("/v1/*", corsPreflight);
app.use("/v1/*", async (c, next) => {
  requireEncryptionOrConsent(c.env, c.req.url); // no silent plaintext service (src/middleware/deployment.ts)
  const caller = await authenticate(c.env, c.req.header("authorization"));
  c.set("caller", caller);
  c.set("db", caller.db);
  resumeIntakeOnce(c.env, caller.db, (p) => c.executionCtx.waitUntil(p));
  return next();
});
// After authentication, so it knows the database; before anything can fail, so errors carry it too.
app.use("/v1/*", corsAllowedOrigin);
app.use("/v1/*", async (c, next) => {
  // Per key, after authentication: 429 / 1502. A busy key's requests are mostly admitted on the
  // isolate's last verdict (src/middleware/rate-limit.ts), so waiting for it rarely waits for a call.
  await enforceRateLimit(c, c.get("caller"));
  return next();
});
app.route("/v1", columns);
app.route("/v1", databaseSettings);
app.route("/v1", inserts);
app.route("/v1", queries);
app.route("/v1", extraction);
app.route("/v1", saved);
app.route("/v1", mutations);
app.route("/v1", sql);
app.route("/v1", keys);

app.notFound(notFound(app));
app.onError(onError);
