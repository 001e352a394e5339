// The SQL examples' fixture: sql_insert.json's three auto-create inserts → an auto-created schema
// and reference-engine shards holding the data (helpers shared with the JSON query tests).

import { existsSync, readFileSync } from "node:fs";
import type { SchemaIndex } from "../../../contract/schema";
import { Cluster, autoColumns, insertToWrites } from "../../query/helpers/cluster";
import { makeSchema, type ColumnSpec } from "../../query/helpers/schema";

// ../shared next to the repo root (node:fs typings come from test/query/helpers/node-fs.d.ts).
export const CONFORMANCE_DIR = new URL("../../../../shared/conformance/", (import.meta as { url?: string }).url ?? "file:///").pathname;
export const FIXTURE_PRESENT = existsSync(`${CONFORMANCE_DIR}sql.json`) && existsSync(`${CONFORMANCE_DIR}sql_insert.json`);
export const FIXTURE_NOW = Date.UTC(2018, 11, 1);

/** The auto-created schema and data of sql_insert.json, in a cluster of `shards` reference shards. */
export function sqlFixture(shards: number): { schema: SchemaIndex; cluster: Cluster } {
  const inserts = JSON.parse(readFileSync(`${CONFORMANCE_DIR}sql_insert.json`, "utf8")) as Array<Record<string, unknown>>;
  let specs: ColumnSpec[] = [];
  for (const body of inserts) specs = autoColumns(body, specs);
  const schema = makeSchema(specs, ["default"], shards);
  const cluster = new Cluster(shards);
  for (const body of inserts) cluster.write(insertToWrites(body, schema, FIXTURE_NOW));
  return { schema, cluster };
}
