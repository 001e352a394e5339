// Runs the official SlicingDice examples of ../shared/conformance through the Worker. Every example
// named in test/conformance/must-pass.json must pass (the list only grows); the others are reported.
// Every answer of the run is also validated against the OpenAPI document (test/helpers/openapi-answers.ts).

import { exports } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import mustPass from "../conformance/must-pass.json";
import { exampleId, runExamples } from "../../scripts/conformance-core.mjs";
import { createDatabase } from "../helpers/api";
import { AnswerChecker } from "../helpers/openapi-answers";

declare module "vitest" {
  interface ProvidedContext {
    conformance: Record<string, unknown> | null;
  }
}

const examples = inject("conformance");

describe("SlicingDice conformance examples", () => {
  if (!examples) {
    it.skip("../shared/conformance is not present: the official examples were not run", () => {});
    return;
  }

  it("passes every example on the must-pass list", { timeout: 600_000 }, async () => {
    const db = await createDatabase({ shards: 4, name: "conformance" });
    const checker = new AnswerChecker();
    const call = async (method: string, path: string, key: string, body: unknown, contentType = "application/json") => {
      const res = await exports.default.fetch(
        new Request(`http://sliced.test${path}`, {
          method,
          headers: { authorization: key, "content-type": contentType },
          body: body === undefined ? undefined : contentType === "application/json" ? JSON.stringify(body) : String(body),
        }),
      );
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = { unparsable: text.slice(0, 300) };
      }
      checker.check(method, path, res.status, json);
      return { status: res.status, json };
    };
    const { sql_insert: sqlInserts, ...suites } = examples;
    const results = await runExamples({ call, key: db.master, suites, sqlInserts: sqlInserts ?? null });
    const required = new Set(mustPass as string[]);
    const failedRequired = results.filter((r) => required.has(exampleId(r)) && !r.pass);
    const passing = results.filter((r) => r.pass).length;
    const notYetRequired = results.filter((r) => r.pass && !required.has(exampleId(r)));
    console.log(
      `conformance: ${passing}/${results.length} examples pass; ${required.size} are required${notYetRequired.length ? `; ${notYetRequired.length} pass but are not on the must-pass list yet` : ""}`,
    );
    for (const r of results.filter((x) => !x.pass)) console.log(`  ${required.has(exampleId(r)) ? "REQUIRED " : ""}FAIL ${exampleId(r)}: ${r.why}`);
    expect(failedRequired.map((r) => `${exampleId(r)}: ${r.why}`)).toEqual([]);
    expect([...required].filter((id) => !results.some((r) => exampleId(r) === id))).toEqual([]); // no stale names
    expect(checker.problems, "answers the OpenAPI document does not describe").toEqual([]);
  });
});
