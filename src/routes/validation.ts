// Turns zod validation failures into SlicingDice errors: the first issue's path picks the error
// code from a per-schema table, and the message names the member and what was wrong with it.

import type { z } from "zod";
import { ApiError, type ErrorName } from "../../contract/errors";

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, codes: Record<string, ErrorName>, fallback: ErrorName, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const member = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    throw new ApiError(codes["*unknown"] ?? fallback, `${what}: unknown member ${issue.keys.map((k) => `'${k}'`).join(", ")}`);
  }
  const head = String(issue.path[0] ?? "");
  const name = codes[`${head}:${issue.code}`] ?? codes[head] ?? fallback; // "name:too_big" beats "name"
  throw new ApiError(name, member ? `${what}: '${member}' ${lowerFirst(issue.message)}` : `${what}: ${lowerFirst(issue.message)}`);
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}
