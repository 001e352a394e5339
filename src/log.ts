// Structured logs: one JSON object per line (time, level, message and fields), which Workers Logs
// ([observability] in wrangler.toml) indexes field by field. Inside a request the line also carries
// the request's id and database, read from the request's context (hono/context-storage), so code far
// from the route (result cache, queue sends) logs them without having them passed down.

import { tryGetContext } from "hono/context-storage";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** What a request's context holds for its log lines (set by src/middleware/request-id.ts and auth). */
interface RequestVars {
  Variables: { requestId?: string; db?: string };
}

/** Writes one line. Fields given here win over the request's own (an explicit `db`, say). */
export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  const c = tryGetContext<RequestVars>();
  const request = c === undefined ? {} : { requestId: c.var.requestId, db: c.var.db };
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...request, ...fields });
  // The console method sets the level Workers Logs shows; the JSON repeats it for other readers.
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** An unknown thrown value as log text. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
