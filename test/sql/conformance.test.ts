// Replays ../shared/conformance/sql.json over the sql_insert.json fixture: auto-created schema,
// entities written into reference-engine shards (1 and 3, routed by hash), then compileSql →
// planFor(shard) → engine.query → merge, compared like the strictest runner (py: exact key sets,
// int vs float, numbers within 1e-9, arrays as multisets) on the text stringifyResponse prints.

import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { compileSql } from "../../src/sql/index";
import { compareAnswer, parseTyped, typedResponse } from "../query/helpers/typed-json";
import { CONFORMANCE_DIR, FIXTURE_NOW, FIXTURE_PRESENT, sqlFixture } from "./helpers/fixture";

interface SqlExample {
  name: string;
  query: string;
  expected: unknown;
}

if (!FIXTURE_PRESENT) {
  describe.skip("SQL conformance: skipped, ../shared/conformance/sql.json or sql_insert.json not found", () => {
    it("needs the shared conformance files", () => {});
  });
} else {
  const text = readFileSync(`${CONFORMANCE_DIR}sql.json`, "utf8");
  const raw = JSON.parse(text) as SqlExample[];
  const typed = parseTyped(text) as SqlExample[];

  for (const shards of [1, 3]) {
    describe(`SQL conformance over ${shards} shard(s)`, () => {
      const { schema, cluster } = sqlFixture(shards);
      afterAll(() => cluster.close());
      raw.forEach((ex, i) => {
        it(`${ex.name}: ${ex.query.trim()}`, () => {
          const stmt = compileSql(ex.query, schema, FIXTURE_NOW);
          expect(stmt.kind).toBe("select");
          if (stmt.kind !== "select") return;
          const body = cluster.run(stmt.query);
          const diffs = compareAnswer(typed[i]!.expected, typedResponse(body), "$", true);
          expect(diffs, JSON.stringify(body)).toEqual([]);
        });
      });
    });
  }
}
