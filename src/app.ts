// The Hono app: path normalisation (trailing slashes, the historical /v1/test prefix and route
// names), timing, API-key authentication and rate limits for /v1, the routes, and the error
// handlers of middleware/errors.ts that answer every failure in the SlicingDice envelope.

import { Hono } from "hono";
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

export const app = new Hono<AppEnv>({ getPath: (req) => normalisePath(new URL(req.url).pathname) });

app.use("*", async (c, next) => {
  c.set("started", Date.now());
  await next();
});

app.get("/", (c) => c.json({ service: "sliced", description: "SlicingDice-compatible analytics database", api: "/v1", docs: "README.md", openapi: "/openapi.json" }));
app.get("/openapi.json", (c) => c.json(openApiDocument()));

app.route("/admin", admin);

app.use("/v1/*", async (c, next) => {
  requireEncryptionOrConsent(c.env, c.req.url); // no silent plaintext service (src/middleware/deployment.ts)
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

app.notFound(notFound(app));
app.onError(onError);
