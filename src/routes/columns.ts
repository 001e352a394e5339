// The database and its columns: GET /v1/database, GET and POST /v1/column (one definition or a
// list, all or nothing), and the column edit/deactivate extension of API.md §4.1.

import { Hono } from "hono";
import { rememberSchema } from "../schema-cache";
import { requireLevel } from "../middleware/auth";
import { catalogOf } from "../../durable-objects/stubs";
import { readJson } from "../middleware/body-limits";
import { success } from "./respond";
import { type AppEnv } from "../app-env";
import { DEFAULT_DIMENSION, type ColumnDef } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import { COLUMNS_PER_REQUEST_MAX, QUERY_BODY_BYTES_MAX } from "../../contract/limits";
import { columnPatchSchema, parseColumn } from "./column-schema";
import { parseWith } from "./validation";
import { firstDenied } from "../permissions";
import type { Caller } from "../middleware/auth";

export const columns = new Hono<AppEnv>();

columns.get("/database", (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "describe the database");
  const db = caller.schema.database;
  return success(c, {
    name: db.name,
    description: db.description,
    dimensions: caller.schema.snapshot.dimensions,
    "created-at": db.createdAt,
    "updated-at": db.updatedAt,
  });
});

columns.get("/column", (c) => {
  const caller = c.get("caller");
  requireLevel(caller, ["read"], "list columns");
  // A custom key sees only the columns it may query or insert into.
  const all = caller.schema.snapshot.columns.filter((col) => mayTouch(caller, col));
  return success(c, { active: all.filter((x) => x.active).map(columnJson), inactive: all.filter((x) => !x.active).map(columnJson) });
});

columns.post("/column", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, ["write"], "create columns");
  if (caller.level === "custom") throw new ApiError("CUSTOM_KEY_COLUMN_CREATION", "a custom key cannot create columns; use the master or a write key");
  const body = await readJson(c, QUERY_BODY_BYTES_MAX);
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) throw new ApiError("COLUMN_MISSING_PARAM", "the list of columns is empty");
  if (list.length > COLUMNS_PER_REQUEST_MAX) throw new ApiError("COLUMN_LIMIT", `${list.length} columns in one request; the limit is ${COLUMNS_PER_REQUEST_MAX}`, { max: COLUMNS_PER_REQUEST_MAX });
  const defs = list.map((item, i) => parseColumn(item, Array.isArray(body) ? i : null));
  const seen = new Set<string>();
  for (const d of defs) {
    const key = `${d.dimension}\u0000${d.apiName}`;
    if (seen.has(key)) throw new ApiError("COLUMN_EXISTS", `column '${d.apiName}' appears twice in this request`);
    seen.add(key);
  }
  const result = await catalogOf(c.env, caller.db).createColumns(defs);
  if (!result.ok) throw ApiError.from(result.error);
  rememberSchema(caller.db, result.value);
  const names = defs.map((d) => d.apiName);
  return success(c, { "api-name": Array.isArray(body) ? names : names[0] });
});

columns.put("/column/:apiName", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "edit columns");
  const body = parseWith(
    columnPatchSchema,
    await readJson(c, QUERY_BODY_BYTES_MAX),
    { name: "COLUMN_NAME", description: "COLUMN_DESCRIPTION", "*unknown": "COLUMN_UNKNOWN_MEMBER" },
    "QUERY_INVALID_FORMAT",
    "column",
  );
  const patch: { name?: string; description?: string } = {};
  if (body.name !== undefined) patch.name = body.name;
  if (body.description !== undefined) patch.description = body.description;
  const dimension = body.dimension ?? c.req.query("dimension") ?? DEFAULT_DIMENSION;
  const result = await catalogOf(c.env, caller.db).updateColumn(dimension, c.req.param("apiName"), patch);
  if (!result.ok) throw ApiError.from(result.error);
  rememberSchema(caller.db, result.value);
  return success(c, { "api-name": c.req.param("apiName") });
});

columns.delete("/column/:apiName", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "delete columns");
  const dimension = c.req.query("dimension") ?? DEFAULT_DIMENSION;
  const result = await catalogOf(c.env, caller.db).deactivateColumn(dimension, c.req.param("apiName"));
  if (!result.ok) throw ApiError.from(result.error);
  rememberSchema(caller.db, result.value);
  return success(c, { "api-name": c.req.param("apiName"), active: false });
});

/** A column as GET /column shows it (API.md §4.1). */
export function columnJson(col: ColumnDef): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: col.name,
    "api-name": col.apiName,
    type: col.type,
    category: "general",
    storage: col.storage,
    dimension: col.dimension,
  };
  if (col.description !== undefined) out["description"] = col.description;
  if (col.cardinality !== undefined) out["cardinality"] = col.cardinality;
  if (col.decimalPlaces !== undefined) out["decimal-places"] = col.decimalPlaces;
  if (col.range !== undefined) out["range"] = col.range;
  return out;
}

function mayTouch(caller: Caller, col: ColumnDef): boolean {
  if (caller.level !== "custom" || caller.permissions === null) return caller.level !== "custom";
  const t = { kind: "column", dimension: col.dimension, column: col.apiName } as const;
  return firstDenied(caller.permissions, "query", [t]) === null || firstDenied(caller.permissions, "insert", [t]) === null;
}
