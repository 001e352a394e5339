// HTTP helpers (global fetch, keep-alive) and latency statistics for the API benchmark.

import { performance } from "node:perf_hooks";

export class HttpError extends Error {
  constructor(method, url, status, body) {
    super(`${method} ${url} → ${status}: ${typeof body === "string" ? body.slice(0, 400) : JSON.stringify(body).slice(0, 400)}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * One request; returns { status, json, ms } where ms covers sending the request and reading the
 * whole answer. Throws HttpError on a non-2xx status or an `errors` envelope unless allowError.
 */
export async function call(base, method, path, { auth, body, timeoutMs = 60_000, allowError = false, headers = {} } = {}) {
  const t0 = performance.now();
  const res = await fetch(base + path, {
    method,
    headers: { ...(auth ? { Authorization: auth } : {}), "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = { unparsable: text.slice(0, 400) };
  }
  if (!allowError && (res.status < 200 || res.status >= 300 || Array.isArray(json?.errors))) {
    throw new HttpError(method, path, res.status, json);
  }
  return { status: res.status, json, ms };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarise(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    min: s[0],
    max: s[s.length - 1],
    mean: s.reduce((a, b) => a + b, 0) / (s.length || 1),
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
