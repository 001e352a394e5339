// The SQL endpoint's compiler (POST /v1/sql, Content-Type application/sql, one statement):
// text → a SELECT's CompiledQuery (shard plans + pure merge) or an INSERT's /v1/insert body.
// Pure: no bindings, no I/O; `now` resolves relative dates once per request.

import { ApiError } from "../../contract/errors";
import { SQL_TEXT_CHARS_MAX } from "../../contract/limits";
import type { SchemaIndex } from "../../contract/schema";
import type { CompiledQuery } from "../query/compiled";
import { compileInsert } from "./insert";
import { parseSql } from "./parser";
import { Scope } from "./resolve";
import { compileSelect } from "./select";

export type SqlStatement = { kind: "select"; query: CompiledQuery } | { kind: "insert"; body: Record<string, unknown> };

export { parseSql } from "./parser";

export function compileSql(text: string, schema: SchemaIndex, now: number): SqlStatement {
  if (text.length > SQL_TEXT_CHARS_MAX) {
    throw new ApiError("SQL_SYNTAX", `SQL: the statement has ${text.length} characters, more than the ${SQL_TEXT_CHARS_MAX} allowed`);
  }
  const stmt = parseSql(text);
  if (stmt.kind === "insert") return { kind: "insert", body: compileInsert(stmt, text) };
  const dimension = stmt.from.name;
  if (!schema.hasDimension(dimension)) {
    throw new ApiError("QUERY_UNKNOWN_DIMENSION", `SQL: unknown dimension ${dimension} in FROM`);
  }
  return { kind: "select", query: compileSelect(stmt, new Scope(text, schema, dimension, now, stmt.from.alias)) };
}
