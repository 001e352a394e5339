// The console's only door to the HTTP API: every call the page makes goes through ConsoleApi, so it
// can switch to the typed client (client/index.ts on branch `client`) by replacing this file alone.
// Calls never throw for an HTTP error: the caller gets the status, parsed body and request id.

/** The JSON query endpoints the editor can call (paths under /v1). */
export type QueryPath =
  | "/query/count/entity"
  | "/query/count/entity/total"
  | "/query/count/event"
  | "/query/exists/entity"
  | "/query/top_values"
  | "/query/aggregation"
  | "/data_extraction/result"
  | "/data_extraction/score";

export interface ApiResponse {
  /** 0 when the request never got an answer (network error, aborted). */
  status: number;
  statusText: string;
  /** The parsed JSON body, or null when the body is not JSON. */
  body: unknown;
  text: string;
  requestId: string | null;
  elapsedMs: number;
}

export interface ConsoleApi {
  /** GET /v1/database: master keys only. */
  database(): Promise<ApiResponse>;
  /** GET /v1/column: read, custom and master keys. */
  columns(): Promise<ApiResponse>;
  query(path: QueryPath, body: unknown): Promise<ApiResponse>;
  /** POST /v1/sql with the statement as application/sql. */
  sql(statement: string): Promise<ApiResponse>;
}

/** `base` is the API's origin ("" = the page's own, as when the Worker serves /console). */
export function createApi(key: string, base = ""): ConsoleApi {
  const call = async (method: string, path: string, body?: { type: string; text: string }): Promise<ApiResponse> => {
    const headers: Record<string, string> = { authorization: key, accept: "application/json" };
    if (body) headers["content-type"] = body.type;
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(`${base}/v1${path}`, { method, headers, body: body?.text });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return { status: 0, statusText: `network error: ${message}`, body: null, text: "", requestId: null, elapsedMs: performance.now() - started };
    }
    const text = await res.text();
    return { status: res.status, statusText: res.statusText, body: parseJson(text), text, requestId: res.headers.get("x-request-id"), elapsedMs: performance.now() - started };
  };
  return {
    database: () => call("GET", "/database"),
    columns: () => call("GET", "/column"),
    query: (path, body) => call("POST", path, { type: "application/json", text: JSON.stringify(body) }),
    sql: (statement) => call("POST", "/sql", { type: "application/sql", text: statement }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
