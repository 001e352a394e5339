// The success envelope of API.md §2.1: the payload plus `status` and `took` (seconds, as SlicingDice
// did), serialised with the exact number types of src/query/json.ts.

import type { AppContext } from "../app-env";
import { stringifyResponse } from "../query/json";

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

/** The success envelope: the payload plus status and took (seconds, as SlicingDice did); floats keep their ".0". */
export function success(c: AppContext, body: Record<string, unknown>, status: 200 | 201 | 202 = 200): Response {
  // c.body, not a bare Response: it keeps the headers middleware set before the route ran (X-Request-Id, CORS).
  return c.body(stringifyResponse({ status: "success", ...body, took: tookSeconds(c) }), status, JSON_TYPE);
}

/** The success envelope around a body already serialised (a cached answer): `{...}` text. */
export function successFromText(c: AppContext, bodyText: string): Response {
  const inner = bodyText.trim().slice(1, -1).trim();
  return c.body(`{"status":"success",${inner ? `${inner},` : ""}"took":${tookSeconds(c)}}`, 200, JSON_TYPE);
}

export function tookSeconds(c: AppContext): number {
  return Math.round(Date.now() - c.get("started")) / 1000;
}
