// Builds SchemaIndex fixtures for query-compiler tests: columns by (api-name, type) with stable ids.

import type { ColumnDef, ColumnType, Storage } from "../../../contract/columns";
import { SchemaIndex } from "../../../contract/schema";

export interface ColumnSpec {
  apiName: string;
  type: ColumnType;
  dimension?: string;
  storage?: Storage;
  decimalPlaces?: number;
  range?: number[];
}

export function makeSchema(columns: ColumnSpec[], dimensions: string[] = ["default"], shards = 1): SchemaIndex {
  const defs: ColumnDef[] = columns.map((c, i) => ({
    id: i + 1,
    name: c.apiName,
    apiName: c.apiName,
    type: c.type,
    dimension: c.dimension ?? "default",
    storage: c.storage ?? "latest-value",
    ...(c.decimalPlaces === undefined ? {} : { decimalPlaces: c.decimalPlaces }),
    ...(c.range === undefined ? {} : { range: c.range }),
    active: true,
    createdAt: "2018-01-01T00:00:00Z",
  }));
  const dims = [...new Set([...dimensions, ...defs.map((d) => d.dimension)])];
  return new SchemaIndex({
    database: { id: "db1", name: "test", description: "", shards, replicas: 0, createdAt: "", updatedAt: "" },
    version: 1,
    dimensions: dims,
    columns: defs,
  });
}

/** A schema with one column of every type in `default` (plus an inactive one and a second dimension). */
export function fullSchema(): SchemaIndex {
  return makeSchema(
    [
      { apiName: "name", type: "string" },
      { apiName: "age", type: "integer" },
      { apiName: "price", type: "decimal", decimalPlaces: 2 },
      { apiName: "active", type: "boolean" },
      { apiName: "born", type: "date" },
      { apiName: "seen", type: "datetime" },
      { apiName: "uid", type: "unique-id" },
      { apiName: "bucket", type: "enumerated", range: [0, 100, 5000, 1000000, 2000000] },
      { apiName: "tags", type: "string", storage: "list-of-values" },
      { apiName: "clicks", type: "string-event" },
      { apiName: "views", type: "integer-event" },
      { apiName: "spend", type: "decimal-event", decimalPlaces: 3 },
      { apiName: "plan", type: "string", dimension: "users" },
    ],
    ["default", "users"],
  );
}
