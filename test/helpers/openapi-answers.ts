// Checks real answers against the OpenAPI document: finds the operation a request reached (paths
// as the app normalises them), the response the document gives for the status, and validates the
// body with ./json-schema.ts. Remembers which operations answered successfully, so a test can
// require that every operation of the document was seen.

import { openApiDocument } from "../../src/openapi/index";
import { normalisePath } from "../../src/middleware/paths";
import { localResolver, validate, type Resolver } from "./json-schema";

type Json = Record<string, any>; // any: the document is walked member by member

interface Operation {
  key: string; // "POST /v1/column/{apiName}"
  pattern: RegExp;
  templated: boolean;
  op: Json;
}

export class AnswerChecker {
  readonly doc: Json = openApiDocument() as Json;
  private readonly resolve: Resolver = localResolver(this.doc);
  private readonly operations: Operation[];
  /** Operations that answered 2xx and conformed. */
  readonly succeeded = new Set<string>();
  /** Every way an answer broke the document. */
  readonly problems: string[] = [];

  constructor() {
    this.operations = Object.entries(this.doc["paths"] as Json).flatMap(([path, item]) =>
      Object.entries(item as Json).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        pattern: new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === "{" || c === "}" ? c : `\\${c}`)).replace(/\{[^}]+\}/g, "[^/]+")}$`),
        templated: path.includes("{"),
        op: op as Json,
      })),
    );
  }

  /** The documented operation of a request, or null (then the answer must be a documented 404/405). */
  operationOf(method: string, url: string): Operation | null {
    const path = normalisePath(new URL(url, "http://x").pathname);
    const candidates = this.operations.filter((o) => o.key.startsWith(`${method.toUpperCase()} `) && o.pattern.test(path));
    return candidates.find((o) => !o.templated) ?? candidates[0] ?? null;
  }

  /** Validates one answer; returns its problems (also kept in `problems`). */
  check(method: string, url: string, status: number, body: unknown): string[] {
    const where = `${method} ${url} → ${status}`;
    const found = this.operationOf(method, url);
    let response: Json | undefined;
    if (found === null) {
      // Unknown routes and methods answer the error envelope of 404 / 405.
      response = status === 404 || status === 405 ? this.doc["components"]["responses"][`Error${status}`] : undefined;
      if (response === undefined) return this.note([`${where}: no documented operation`]);
    } else {
      response = found.op["responses"]?.[String(status)] as Json | undefined;
      if (response === undefined) return this.note([`${where}: status ${status} is not documented for ${found.key}`]);
    }
    while (typeof response["$ref"] === "string") response = this.resolve(response["$ref"]) as Json;
    const schema = response["content"]?.["application/json"]?.["schema"];
    if (schema === undefined) return this.note([`${where}: the document gives no JSON schema`]);
    const problems = validate(schema, body, this.resolve).map((p) => `${where}: ${p}`);
    if (problems.length === 0 && found !== null && status < 300) this.succeeded.add(found.key);
    return this.note(problems);
  }

  /** Documented operations no conforming 2xx answer was seen for. */
  unexercised(): string[] {
    return this.operations.map((o) => o.key).filter((k) => !this.succeeded.has(k));
  }

  private note(problems: string[]): string[] {
    this.problems.push(...problems);
    return problems;
  }
}
