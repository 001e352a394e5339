// The client's one error type: an HTTP failure with every SlicingDice error of its envelope
// (API.md §2.2), or a request that never got an answer (status 0: network error, timeout, abort).

/** One member of the envelope's `errors` list. */
export interface ApiErrorItem {
  /** null when the server's item has no numeric code. */
  code: number | null;
  message: string;
  moreInfo?: unknown;
}

export interface SlicedErrorInit {
  status: number;
  statusText?: string;
  errors?: ApiErrorItem[];
  requestId?: string | null;
  /** The answer's text (a proxy's HTML page, an empty 502), kept when it holds no envelope. */
  text?: string;
  /** Seconds from a Retry-After header (429 / 1502 sends one). */
  retryAfter?: number | null;
  method: string;
  path: string;
  cause?: unknown;
}

export class SlicedError extends Error {
  /** The HTTP status; 0 when nothing answered. */
  readonly status: number;
  readonly statusText: string;
  readonly errors: readonly ApiErrorItem[];
  /** The X-Request-Id response header, when the server or a proxy in front of it sent one. */
  readonly requestId: string | null;
  readonly text: string;
  /** Seconds the server asked to wait before retrying (Retry-After), or null. */
  readonly retryAfter: number | null;
  readonly method: string;
  readonly path: string;

  constructor(init: SlicedErrorInit) {
    const first = init.errors?.[0];
    const what = init.status === 0 ? (init.statusText ?? "no answer") : `HTTP ${init.status}`;
    const detail = first ? `${first.code === null ? "" : `${first.code} `}${first.message}` : (init.text ?? "").slice(0, 200) || (init.statusText ?? "");
    super(`${init.method} ${init.path}: ${what}${detail ? `: ${detail}` : ""}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "SlicedError";
    this.status = init.status;
    this.statusText = init.statusText ?? "";
    this.errors = init.errors ?? [];
    this.requestId = init.requestId ?? null;
    this.text = init.text ?? "";
    this.retryAfter = init.retryAfter ?? null;
    this.method = init.method;
    this.path = init.path;
  }

  /** The first SlicingDice code (what the official clients look at), or null. */
  get code(): number | null {
    return this.errors[0]?.code ?? null;
  }

  /** Every code of the envelope, in its order. */
  get codes(): number[] {
    return this.errors.flatMap((e) => (e.code === null ? [] : [e.code]));
  }

  /** 429, 5xx and no answer at all: the same request may succeed later. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** The envelope's errors, or null when `body` is not an error envelope. */
export function envelopeErrors(body: unknown): ApiErrorItem[] | null {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { errors?: unknown }).errors)) return null;
  return ((body as { errors: unknown[] }).errors ?? []).map((e) => {
    const o = (typeof e === "object" && e !== null ? e : {}) as Record<string, unknown>;
    const item: ApiErrorItem = { code: typeof o["code"] === "number" ? o["code"] : null, message: typeof o["message"] === "string" ? o["message"] : JSON.stringify(e) };
    const more = o["more-info"] ?? o["more_info"];
    if (more !== undefined) item.moreInfo = more;
    return item;
  });
}
