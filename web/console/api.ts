// The console's only door to the HTTP API: every call the page makes goes through ConsoleApi, which
// sends the typed client's requests (client/) and hands back the whole reply. Calls never throw for
// an HTTP error: the caller gets the status, parsed body and request id (status 0: no answer).

import { keyRequests, SlicedClient, SlicedError, type HttpRequest } from "../../client/index";
import type { AggregationBody, ExistsBody, ExtractionBody, NamedQueries, TopValuesBody, TotalBody } from "../../client/index";

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

/** The editor's text is sent as typed: the server, not the page, says what is wrong with it. */
const QUERIES: Record<QueryPath, (body: unknown) => HttpRequest<unknown>> = {
  "/query/count/entity": (b) => keyRequests.countEntity(b as NamedQueries),
  "/query/count/entity/total": (b) => keyRequests.total(b as TotalBody),
  "/query/count/event": (b) => keyRequests.countEvent(b as NamedQueries),
  "/query/exists/entity": (b) => keyRequests.exists(b as ExistsBody),
  "/query/top_values": (b) => keyRequests.topValues(b as TopValuesBody),
  "/query/aggregation": (b) => keyRequests.aggregation(b as AggregationBody),
  "/data_extraction/result": (b) => keyRequests.result(b as ExtractionBody),
  "/data_extraction/score": (b) => keyRequests.score(b as ExtractionBody),
};

/** `base` is the API's origin ("" = the page's own, as when the Worker serves /console). */
export function createApi(key: string, base = ""): ConsoleApi {
  const client = new SlicedClient({ base, key });
  const call = async (request: HttpRequest<unknown>): Promise<ApiResponse> => {
    const started = performance.now();
    try {
      const r = await client.exchange(request);
      return { status: r.status, statusText: r.statusText, body: r.body, text: r.text, requestId: r.requestId, elapsedMs: performance.now() - started };
    } catch (e) {
      const statusText = e instanceof SlicedError ? e.statusText : `network error: ${e instanceof Error ? e.message : String(e)}`;
      return { status: 0, statusText, body: null, text: "", requestId: null, elapsedMs: performance.now() - started };
    }
  };
  return {
    database: () => call(keyRequests.database()),
    columns: () => call(keyRequests.columns()),
    query: (path, body) => call(QUERIES[path](body)),
    sql: (statement) => call(keyRequests.sql(statement)),
  };
}
