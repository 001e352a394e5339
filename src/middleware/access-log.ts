// One structured line per request (src/log.ts): method, path, status, milliseconds, the database
// when known and the error code when it failed. It also starts the request's clock (`took`).

import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { log } from "../log";

export const accessLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  c.set("started", started);
  await next();
  const status = c.res.status;
  const code = c.get("errorCode");
  log(status >= 500 ? "error" : "info", "request", {
    method: c.req.method,
    path: c.req.path,
    status,
    ms: Date.now() - started,
    ...(code === undefined ? {} : { code }),
  });
};
