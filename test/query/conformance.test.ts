// Replays the official examples kept in ../shared/conformance (all but SQL) through compile →
// reference engine shards (1 and 3, entities routed by hash) → merge, comparing like the runners:
// expected keys only ("ignore" skipped), arrays as multisets, numbers within 1e-9 and of the exact
// JSON type (the strict Python rule), serialised through stringifyResponse.

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compileAggregation } from "../../src/query/aggregation";
import type { CompiledQuery } from "../../src/query/compiled";
import { compileCountEntity } from "../../src/query/count-entity";
import { compileCountEvent } from "../../src/query/count-event";
import { compileResult, compileScore } from "../../src/query/extraction";
import { compileDelete, compileUpdate } from "../../src/query/mutations";
import { compileTopValues } from "../../src/query/top-values";
import type { SchemaIndex } from "../../contract/schema";
import { Cluster, autoColumns, insertToWrites } from "./helpers/cluster";
import { makeSchema, type ColumnSpec } from "./helpers/schema";
import { compareAnswer, parseTyped, stringifyTyped, typedResponse } from "./helpers/typed-json";

// ../shared/conformance next to the repository.
const DIR = fileURLToPath(new URL("../../../shared/conformance/", import.meta.url));

type Compile = (body: unknown, schema: SchemaIndex, now: number) => CompiledQuery;
const FILES: Array<[string, Compile]> = [
  ["count_entity", compileCountEntity],
  ["count_event", compileCountEvent],
  ["top_values", compileTopValues],
  ["aggregation", compileAggregation],
  ["result", compileResult],
  ["score", compileScore],
  ["delete", compileCountEntity],
  ["update", compileCountEntity],
];

interface Example {
  name: string;
  columns: Array<Record<string, unknown>>;
  insert: Record<string, unknown>;
  query: unknown;
  expected: unknown;
  additional_operation?: unknown;
  result_additional?: unknown;
}

function load(file: string): { raw: Example[]; typed: Example[] } {
  const text = readFileSync(`${DIR}${file}.json`, "utf8");
  return { raw: JSON.parse(text) as Example[], typed: parseTyped(text) as Example[] };
}

function columnsOf(ex: Example): ColumnSpec[] {
  const specs: ColumnSpec[] = ex.columns.map((c) => ({
    apiName: String(c["api-name"]),
    type: c["type"] as ColumnSpec["type"],
    ...(typeof c["dimension"] === "string" ? { dimension: c["dimension"] } : {}),
    ...(typeof c["decimal-places"] === "number" ? { decimalPlaces: c["decimal-places"] } : {}),
  }));
  return autoColumns(ex.insert, specs);
}

if (!existsSync(DIR)) {
  describe.skip(`conformance replay (no examples at ${DIR})`, () => {
    it("needs ../shared/conformance", () => {});
  });
} else {
  // The official runners share one database across every test (renaming columns with a suffix), so
  // entities "0".."99" accumulate columns of earlier tests: replay that too, on 3 shards.
  describe("conformance replay in one shared database (3 shards)", () => {
    const cluster = new Cluster(3);
    const specs: ColumnSpec[] = [];
    afterAll(() => cluster.close());
    let n = 0;
    for (const [file, compile] of FILES) {
      const { raw, typed: typedAll } = load(file);
      raw.forEach((original, i) => {
        it(`${file} #${i + 1}`, () => {
          const suffix = `-s${++n}`;
          let text = stringifyTyped(typedAll[i]);
          for (const c of columnsOf(original)) text = text.split(`"${c.apiName}"`).join(`"${c.apiName}${suffix}"`);
          const ex = JSON.parse(text) as Example;
          const typed = parseTyped(text) as Example;
          specs.push(...columnsOf(ex));
          const now = Date.now();
          const dims = [...new Set(["default", ...specs.map((c) => c.dimension ?? "default")])];
          const schema = makeSchema(specs, dims, 3);
          cluster.write(insertToWrites(ex.insert, schema, now));
          if (ex.additional_operation !== undefined) {
            const m = file === "delete" ? compileDelete(ex.additional_operation, schema, now) : compileUpdate(ex.additional_operation, schema, now);
            expect(compareAnswer(typed.result_additional, typedResponse(cluster.mutate(m)), "$", true)).toEqual([]);
          }
          const body = cluster.run(compile(ex.query, schema, now));
          expect(compareAnswer(typed.expected, typedResponse(body), "$", true)).toEqual([]);
        });
      });
    }
  });

  for (const shards of [1, 3]) {
    describe(`conformance replay on ${shards} shard(s)`, () => {
      for (const [file, compile] of FILES) {
        const { raw, typed } = load(file);
        raw.forEach((ex, i) => {
          it(`${file} #${i + 1}: ${ex.name.slice(0, 90)}`, () => {
            const now = Date.now();
            const schema = makeSchema(columnsOf(ex), ["default"], shards);
            const cluster = new Cluster(shards);
            try {
              cluster.write(insertToWrites(ex.insert, schema, now));
              if (ex.additional_operation !== undefined) {
                const m = file === "delete" ? compileDelete(ex.additional_operation, schema, now) : compileUpdate(ex.additional_operation, schema, now);
                const got = typedResponse(cluster.mutate(m));
                expect(compareAnswer(typed[i]!.result_additional, got, "$", true)).toEqual([]);
              }
              const body = cluster.run(compile(ex.query, schema, now));
              expect(compareAnswer(typed[i]!.expected, typedResponse(body), "$", true)).toEqual([]);
            } finally {
              cluster.close();
            }
          });
        });
      }
    });
  }
}
