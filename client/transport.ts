// Sends an HttpRequest with `fetch` (browsers, Node 22, Workers) and reads the answer: status, text,
// parsed JSON, X-Request-Id and Retry-After. exchange() never throws for an HTTP error; send()
// throws SlicedError for one, with every code and message of the envelope.

import { envelopeErrors, SlicedError } from "./errors";
import type { HttpRequest } from "./requests";

export interface TransportOptions {
  /** The API's origin, e.g. `http://127.0.0.1:8787`; a trailing `/v1` (SD_API_ADDRESS style) is accepted. */
  base: string;
  /** The raw API key of /v1 routes. */
  key?: string;
  /** The operator's ADMIN_TOKEN, for /admin routes. */
  adminToken?: string;
  /** Default 60 s, as the official clients; 0 = none. */
  timeoutMs?: number;
  /** Another fetch (tests, a proxy-aware one); the global fetch by default. */
  fetch?: typeof fetch;
  /** Sent with every request. */
  headers?: Record<string, string>;
}

export interface Reply<Answer> {
  /** 2xx and no error envelope. */
  ok: boolean;
  status: number;
  statusText: string;
  /** The parsed JSON (the typed answer when ok), or null when the text is not JSON. */
  body: Answer | unknown;
  text: string;
  requestId: string | null;
  retryAfter: number | null;
  elapsedMs: number;
}

export interface SendOptions {
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** The origin without trailing slashes or a trailing /v1 (routes carry their own /v1). */
export function normaliseBase(base: string): string {
  return base.replace(/\/+$/, "").replace(/\/v1$/, "");
}

export function urlOf(base: string, request: HttpRequest<unknown>): string {
  const query = request.query && Object.keys(request.query).length > 0 ? `?${new URLSearchParams(request.query).toString()}` : "";
  return `${normaliseBase(base)}${request.path}${query}`;
}

function headersOf(options: TransportOptions, request: HttpRequest<unknown>): Record<string, string> {
  const headers: Record<string, string> = { accept: "application/json", ...options.headers, ...request.headers };
  if (request.credential === "key") {
    if (options.key === undefined) throw new SlicedError({ status: 0, statusText: "no API key: pass `key` to the client", method: request.method, path: request.path });
    headers["authorization"] = options.key;
  } else if (request.credential === "admin") {
    if (options.adminToken === undefined) throw new SlicedError({ status: 0, statusText: "no operator token: pass `adminToken` to the client", method: request.method, path: request.path });
    headers["authorization"] = `Bearer ${options.adminToken}`;
  }
  if (request.body) headers["content-type"] = "sql" in request.body ? "application/sql" : "application/json";
  return headers;
}

function signalOf(timeoutMs: number, signal: AbortSignal | undefined): AbortSignal | undefined {
  const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
  if (timeout && signal) return AbortSignal.any([timeout, signal]);
  return timeout ?? signal;
}

function parseJson(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function retryAfterOf(value: string | null): number | null {
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}

/** Sends `request`; throws SlicedError (status 0) only when no answer came back. */
export async function exchange<Answer>(options: TransportOptions, request: HttpRequest<Answer>, send: SendOptions = {}): Promise<Reply<Answer>> {
  const headers = headersOf(options, request);
  const body = request.body === undefined ? undefined : "sql" in request.body ? request.body.sql : JSON.stringify(request.body.json);
  const started = Date.now();
  const doFetch = options.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    const init: RequestInit = { method: request.method, headers };
    if (body !== undefined) init.body = body;
    const signal = signalOf(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, send.signal);
    if (signal) init.signal = signal;
    res = await doFetch(urlOf(options.base, request), init);
  } catch (e) {
    const reason = e instanceof Error ? (e.name === "TimeoutError" ? "timed out" : e.name === "AbortError" ? "aborted" : e.message) : String(e);
    throw new SlicedError({ status: 0, statusText: `network error: ${reason}`, method: request.method, path: request.path, cause: e });
  }
  const text = await res.text();
  const parsed = parseJson(text);
  return {
    ok: res.status >= 200 && res.status < 300 && envelopeErrors(parsed) === null,
    status: res.status,
    statusText: res.statusText,
    body: parsed,
    text,
    requestId: res.headers.get("x-request-id"),
    retryAfter: retryAfterOf(res.headers.get("retry-after")),
    elapsedMs: Date.now() - started,
  };
}

/** The typed answer of a successful reply; SlicedError for anything else. */
export function unwrap<Answer>(request: HttpRequest<Answer>, reply: Reply<Answer>): Answer {
  if (reply.ok && reply.body !== null) return reply.body as Answer;
  const errors = envelopeErrors(reply.body) ?? [];
  const notJson = reply.ok ? "the answer is not JSON" : reply.statusText;
  throw new SlicedError({
    status: reply.status,
    statusText: notJson,
    errors,
    requestId: reply.requestId,
    text: reply.text,
    retryAfter: reply.retryAfter,
    method: request.method,
    path: request.path,
  });
}

export async function send<Answer>(options: TransportOptions, request: HttpRequest<Answer>, sendOptions?: SendOptions): Promise<Answer> {
  return unwrap(request, await exchange(options, request, sendOptions));
}
