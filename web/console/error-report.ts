// A failed call as the console reports it: the HTTP status, every SlicingDice error in the envelope
// (code and message, API.md §2.2), the request id when the server sent X-Request-Id, and the raw
// text when the body is not an error envelope (a proxy's HTML page, an empty 502).

import type { ApiResponse } from "./api";

export interface ErrorReport {
  status: string;
  errors: Array<{ code: number | null; message: string }>;
  requestId: string | null;
  /** The body's text when it holds no error envelope. */
  raw: string | null;
}

/** null when the response is a success (2xx without an `errors` list). */
export function errorReport(res: ApiResponse): ErrorReport | null {
  const body = res.body as { errors?: unknown } | null;
  const list = body !== null && typeof body === "object" && Array.isArray(body.errors) ? body.errors : null;
  if (res.status >= 200 && res.status < 300 && list === null) return null;
  const errors = (list ?? []).map((e: unknown) => {
    const o = (typeof e === "object" && e !== null ? e : {}) as { code?: unknown; message?: unknown };
    return { code: typeof o.code === "number" ? o.code : null, message: typeof o.message === "string" ? o.message : JSON.stringify(e) };
  });
  const status = res.status === 0 ? res.statusText : `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
  return { status, errors, requestId: res.requestId, raw: errors.length === 0 ? res.text.slice(0, 2000) : null };
}

/** A client-side refusal (the editor's text is not JSON) in the same shape. */
export function localError(message: string): ErrorReport {
  return { status: "not sent", errors: [{ code: null, message }], requestId: null, raw: null };
}
