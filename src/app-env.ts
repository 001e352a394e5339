// The Hono environment every route and middleware shares: the Worker's bindings and what the
// middleware sets on a request (when it started, who is calling).

import type { Context } from "hono";
import type { Caller } from "./middleware/auth";

export interface AppEnv {
  Bindings: Env;
  Variables: { started: number; caller: Caller };
}

export type AppContext = Context<AppEnv>;
