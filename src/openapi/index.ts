// The OpenAPI 3.1 document served at GET /openapi.json: the route table of ./routes.ts, the request
// schemas of ./bodies.ts and the error table of contract/errors.ts, assembled once per isolate.

import { requireLevel, type Caller } from "../middleware/auth";
import { ApiError } from "../../contract/errors";
import type { KeyLevel } from "../../contract/api-keys";
import { IDEMPOTENCY_KEY_CHARS_MAX, INSERT_WAIT_MS } from "../../contract/limits";
import { bodySchemas, type JsonSchema } from "./bodies";
import { responseSchemas } from "./responses";
import { errorCodeTable, errorEnvelopeSchema, errorResponseName, errorResponses } from "./errors";
import { ROUTES, type KeyAuth, type RouteDoc } from "./routes";

/** The document's own version: bump it when the API's shape changes. */
export const OPENAPI_DOCUMENT_VERSION = "1.0.0";

const KEY_LEVELS: readonly KeyLevel[] = ["master", "write", "read", "custom"];

let cached: JsonSchema | null = null;

/** Built on first use rather than at startup, so isolates that never serve it pay nothing. */
export function openApiDocument(): JsonSchema {
  cached ??= buildDocument();
  return cached;
}

/** Hono's `/column/:apiName` → OpenAPI's `/column/{apiName}` (shared with the test). */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function buildDocument(): JsonSchema {
  const table = errorCodeTable();
  const statuses = new Set(table.map((e) => e.status));
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of ROUTES) {
    const path = openApiPath(route.path);
    const item = (paths[path] ??= {});
    if (item[route.method]) throw new Error(`openapi: ${route.method.toUpperCase()} ${route.path} is described twice`);
    item[route.method] = operation(route, statuses);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "sliced",
      version: OPENAPI_DOCUMENT_VERSION,
      description:
        "A SlicingDice-compatible analytics database on Cloudflare Workers. Paths also answer with a trailing slash, under /v1/test, " +
        "and by their historical names (/v1/field, /v1/index, /v1/project, /v1/query/count/events, /v1/query/sql). Every failure " +
        "answers the SlicingDice error envelope with the request's `request-id`; `x-error-codes` lists every code with its HTTP status. " +
        "Every answer carries X-Request-Id (the client's own when it is 1 to 128 of [A-Za-z0-9_=-], else a new UUID). Browsers: " +
        "OPTIONS preflights on /v1 are answered for any origin without a key; an answer is readable by a page only when its origin " +
        "is in the database's allowed-origins (GET/PUT /v1/database/cors).",
    },
    servers: [{ url: "/" }],
    tags: [...new Set(ROUTES.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description:
            "The database's API key, raw (no scheme). Levels: master (everything), write (columns, insert), read (queries), custom " +
            "(the columns its grants name). Each operation's requirement lists the levels it accepts (also in x-key-levels).",
        },
        adminToken: { type: "http", scheme: "bearer", description: "The operator's `Authorization: Bearer <ADMIN_TOKEN>`; /admin answers 503 / 3001 while ADMIN_TOKEN is unset." },
      },
      parameters: {
        wait: {
          name: "wait",
          in: "query",
          required: false,
          schema: { type: "string", enum: ["true", "1", "yes"] },
          description: `Answer only once the data is applied (at most ${INSERT_WAIT_MS} ms, then 504 / 4002 with the data still queued).`,
        },
        "idempotency-key": {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          schema: { type: "string", minLength: 1, maxLength: IDEMPOTENCY_KEY_CHARS_MAX },
          description: "A retry with the same key is applied once.",
        },
        dimension: { name: "dimension", in: "query", required: false, schema: { type: "string" }, description: 'The column\'s dimension (default "default").' },
      },
      schemas: {
        ...distinct({ ErrorEnvelope: errorEnvelopeSchema(table) }, bodySchemas(), responseSchemas()),
      },
      responses: errorResponses(table),
    },
    "x-error-codes": table,
  };
}

/** Component maps joined, refusing a name two of them define (a spread would keep only the last). */
function distinct(...maps: Array<Record<string, JsonSchema>>): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const map of maps) {
    for (const [name, schema] of Object.entries(map)) {
      if (name in out) throw new Error(`openapi: two schemas are named ${name}`);
      out[name] = schema;
    }
  }
  return out;
}

function operation(route: RouteDoc, statuses: ReadonlySet<number>): JsonSchema {
  const op: JsonSchema = {
    operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())}`,
    summary: route.summary,
    tags: [route.tag],
  };
  const parameters: JsonSchema[] = [];
  for (const name of [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!)) {
    const description = route.params?.[name];
    if (description === undefined) throw new Error(`openapi: ${route.path} does not describe its parameter ${name}`);
    parameters.push({ name, in: "path", required: true, schema: { type: "string" }, description });
  }
  for (const option of route.options ?? []) parameters.push({ $ref: `#/components/parameters/${option}` });
  if (parameters.length > 0) op["parameters"] = parameters;

  const errors = new Set<number>([500, ...(route.errors ?? [])]);
  if (route.auth === "none") op["security"] = [];
  else if (route.auth === "admin") {
    op["security"] = [{ adminToken: [] }];
    for (const s of [401, 503]) errors.add(s);
  } else {
    const levels = acceptedLevels(route.auth);
    // OpenAPI 3.1 lets a non-OAuth requirement carry role names: here, the key levels accepted.
    op["security"] = [{ apiKey: levels }];
    op["x-key-levels"] = levels;
    op["description"] = `Key levels: ${levels.join(", ")}.${route.auth.refused ? ` ${route.auth.refused.why}.` : ""}`;
    for (const s of [401, 403, 429]) errors.add(s);
  }

  if (route.body) {
    const schema = { $ref: `#/components/schemas/${route.body.schema}` };
    const content = route.body.sql ? { "application/sql": { schema }, "text/plain": { schema } } : { "application/json": { schema } };
    op["requestBody"] = {
      required: route.body.optional !== true,
      description: `At most ${route.body.maxBytes} bytes (413 / 1507 beyond).${route.body.optional ? " An empty body is read as {}." : ""}`,
      content,
      "x-max-body-bytes": route.body.maxBytes,
    };
    for (const s of [400, 413, 415]) errors.add(s);
  }

  const responses: Record<string, JsonSchema> = {
    [String(route.ok ?? 200)]: { description: route.returns, content: { "application/json": { schema: { $ref: `#/components/schemas/${route.response}` } } } },
  };
  for (const status of [...errors].sort((a, b) => a - b)) {
    if (!statuses.has(status)) throw new Error(`openapi: ${route.path} answers ${status}, which no error code has`);
    responses[String(status)] = { $ref: `#/components/responses/${errorResponseName(status)}` };
  }
  op["responses"] = responses;
  return op;
}

/** The levels that pass requireLevel itself (called, not re-stated), minus any the route refuses afterwards. */
function acceptedLevels(auth: KeyAuth): KeyLevel[] {
  return KEY_LEVELS.filter((level) => {
    if (auth.refused?.level === level) return false;
    try {
      // requireLevel reads only the caller's level; the rest of a Caller is irrelevant to the verdict.
      requireLevel({ level } as Caller, auth.requireLevel, "be documented");
      return true;
    } catch (e) {
      if (e instanceof ApiError) return false;
      throw e;
    }
  });
}
