// The Hono environment every route and middleware shares: the Worker's bindings and what the
// middleware sets on a request (when it started, its id, who is calling, which database, how it failed).

import type { Context } from "hono";
import type { Caller } from "./middleware/auth";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    started: number;
    /** X-Request-Id: the client's when well-formed, else a fresh UUID (src/middleware/request-id.ts). */
    requestId: string;
    caller: Caller;
    /** The database the request acts on, once known (the caller's, or an operator route's :id): for logs. */
    db: string | undefined;
    /** The SlicingDice code of the error answered, if any (src/middleware/errors.ts): for logs. */
    errorCode: number | undefined;
  };
}

export type AppContext = Context<AppEnv>;
