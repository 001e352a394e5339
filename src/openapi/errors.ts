// The error side of the OpenAPI document, generated from the closed table of contract/errors.ts:
// the envelope schema, one reusable response per HTTP status (listing its codes), and the full table.

import { ERRORS, type ErrorName } from "../../contract/errors";
import type { JsonSchema } from "./bodies";

export interface ErrorCodeDoc {
  name: ErrorName;
  code: number;
  status: number;
  when: string;
}

/** Every row of ERRORS, in its order (the `x-error-codes` extension). */
export function errorCodeTable(): ErrorCodeDoc[] {
  return (Object.keys(ERRORS) as ErrorName[]).map((name) => ({ name, code: ERRORS[name].code, status: ERRORS[name].status, when: ERRORS[name].when }));
}

export function errorResponseName(status: number): string {
  return `Error${status}`;
}

/** The SlicingDice error envelope exactly as errorEnvelope() writes it: `{"errors": [...], "request-id"}`, no `status`. */
export function errorEnvelopeSchema(table: readonly ErrorCodeDoc[]): JsonSchema {
  return {
    type: "object",
    required: ["errors", "request-id"],
    properties: {
      errors: {
        type: "array",
        minItems: 1,
        description: "Clients read only the first element (API.md §2.2).",
        items: {
          type: "object",
          required: ["code", "message"],
          properties: {
            code: { type: "integer", enum: [...new Set(table.map((e) => e.code))].sort((a, b) => a - b) },
            message: { type: "string" },
            "more-info": { description: 'Any JSON, e.g. {"max": <limit>} on limit errors.' },
          },
        },
      },
      "request-id": { type: "string", description: "The answer's X-Request-Id, also in the server's log lines for this request." },
    },
  };
}

/** One response per HTTP status the table uses; its description and code enum list that status's codes. */
export function errorResponses(table: readonly ErrorCodeDoc[]): Record<string, JsonSchema> {
  const statuses = [...new Set(table.map((e) => e.status))].sort((a, b) => a - b);
  return Object.fromEntries(
    statuses.map((status) => {
      const rows = table.filter((e) => e.status === status);
      const lines = rows.map((e) => `- ${e.code} ${e.name}: ${e.when}`);
      const schema: JsonSchema = {
        allOf: [{ $ref: "#/components/schemas/ErrorEnvelope" }, { properties: { errors: { items: { properties: { code: { enum: [...new Set(rows.map((e) => e.code))] } } } } } }],
      };
      const response = {
        description: `HTTP ${status}, in the error envelope, with one of these codes:\n${lines.join("\n")}`,
        content: { "application/json": { schema } },
      };
      return [errorResponseName(status), response];
    }),
  );
}
