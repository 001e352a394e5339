// End-to-end SQL semantics over the sql_insert.json fixture beyond the visible examples: the
// dialect rules of API.md §7.12 (event keys and windows, per-entity aggregates, DATEPART, HAVING
// minfreq, ORDER BY/LIMIT across shards, CASE, DISTINCT), checked on 1 and 3 reference shards.

import { afterAll, describe, expect, it } from "vitest";
import { stringifyResponse } from "../../src/query/json";
import { compileSql } from "../../src/sql/index";
import { compareAnswer, parseTyped, typedResponse } from "../query/helpers/typed-json";
import { Cluster, insertToWrites } from "../query/helpers/cluster";
import { makeSchema } from "../query/helpers/schema";
import { FIXTURE_NOW, FIXTURE_PRESENT, sqlFixture } from "./helpers/fixture";

/** [query, expected rows as JSON text (floats as 1.0), whether row order is checked] */
const CASES: Array<[string, string, boolean?]> = [
  ["SELECT COUNT(*) FROM users", `[{"COUNT":3}]`],
  ["SELECT COUNT(*) AS n FROM jobs", `[{"n":1}]`],
  ["SELECT COUNT(*) FROM users WHERE name='Joao' AND [clicks.value]='Pay Now' AND [clicks.date] BETWEEN '2017-05-01' AND '2017-05-30'", `[{"COUNT":1}]`],
  ["SELECT COUNT(*) FROM users WHERE [clicks.value]='Pay Now' AND [clicks.date] BETWEEN '2017-05-01' AND '2017-05-27'", `[{"COUNT":0}]`],
  [
    "SELECT [purchased-products.value] FROM users GROUP BY [purchased-products.value] HAVING [purchased-products.date] BETWEEN '2017-05-24' AND '2017-05-30'",
    `[{"purchased-products.value":5},{"purchased-products.value":25}]`,
  ],
  ["SELECT [clicks.value], COUNT(*) FROM users GROUP BY [clicks.value]", `[{"clicks.value":"buy","COUNT":2},{"clicks.value":"pay now","COUNT":1}]`],
  ["SELECT gender, COUNT(*) FROM users GROUP BY gender", `[{"gender":"female","COUNT":2},{"gender":"male","COUNT":1}]`],
  ["SELECT country, state FROM users GROUP BY country, state", `[{"country":"usa","state":"ny"},{"country":"brazil","state":"rn"},{"country":"brazil","state":"ba"}]`],
  [
    "SELECT name, age, MAX(age), AVG([purchased-products.value]) FROM users HAVING [purchased-products.date] BETWEEN '2017-05-22' AND '2017-05-30'",
    `[{"name":"joao","age":19,"MAX":19,"AVG":5.0},{"name":"eduardo","age":21,"MAX":21,"AVG":10.0},{"name":"gabriela","age":17,"MAX":17,"AVG":25.0}]`,
  ],
  ["SELECT os FROM users WHERE os NOT IN ('mac') GROUP BY os", `[{"os":"linux"},{"os":"windows"}]`],
  ["SELECT os FROM users WHERE os IN ('Mac', 'LINUX') GROUP BY os", `[{"os":"linux"},{"os":"mac"}]`],
  ["SELECT jobs.* FROM jobs WHERE DATEPART('dd', jobs.admission) = '17'", `[{"score":1.0,"admission":"2017-07-17","salary":2350.5,"user":"user1@slicingdice.com","age":19,"entity-id":"1"}]`],
  ["SELECT jobs.* FROM jobs WHERE DATEPART('mm', jobs.admission) = '7'", `[{"score":1.0,"admission":"2017-07-17","salary":2350.5,"user":"user1@slicingdice.com","age":19,"entity-id":"1"}]`],
  ["SELECT jobs.* FROM jobs WHERE DATEPART('dd', jobs.admission) = '18'", `[]`],
  ["SELECT user FROM jobs WHERE DATEPART('yy', admission) >= 2017 AND DATEPART('mm', admission) BETWEEN 6 AND 8", `[{"user":"user1@slicingdice.com"}]`],
  ["SELECT COUNT([entity-id]) FROM users WHERE [clicks.value] = 'Buy' AND [clicks.date] BETWEEN '2017-05-14T00:00:00Z' AND '2017-05-28T00:00:00Z' HAVING COUNT([clicks.value]) > 0", `[{"COUNT":2}]`],
  ["SELECT COUNT(*) FROM users WHERE [clicks.value] = 'Buy' HAVING COUNT([clicks.value]) > 1", `[{"COUNT":0}]`],
  ["SELECT name, score FROM users WHERE name LIKE '%o'", `[{"name":"joao","score":1.0},{"name":"eduardo","score":1.0}]`],
  ["SELECT name, score FROM users WHERE name = 'joao' OR age = 19", `[{"name":"joao","score":2.0}]`],
  ["SELECT COUNT(*) FROM users WHERE name LIKE '%ELA'", `[{"COUNT":1}]`],
  ["SELECT COUNT(*) FROM users WHERE [visited-page-events.value] LIKE 'visit%'", `[{"COUNT":1}]`],
  ["SELECT browser, COUNT(*) AS c FROM users WHERE country = 'brazil' GROUP BY browser ORDER BY browser DESC LIMIT 1", `[{"browser":"safari","c":1}]`, true],
  ["SELECT gender, AVG(age) AS a FROM users GROUP BY gender ORDER BY a DESC", `[{"gender":"male","a":21.0},{"gender":"female","a":18.0}]`, true],
  ["SELECT gender, COUNT(*) FROM users GROUP BY gender ORDER BY COUNT(*) DESC, gender", `[{"gender":"female","COUNT":2},{"gender":"male","COUNT":1}]`, true],
  ["SELECT MIN([purchase-values.value]), SUM([purchased-products.value]), SUM([purchase-values.value]) AS s FROM users", `[{"MIN":7.654,"SUM":40,"s":33.604}]`],
  ["SELECT COUNT(*) FROM users GROUP BY INTERVAL([purchase-values.value]) = 'days'", `[{"COUNT":1},{"COUNT":2}]`],
  ["SELECT name FROM users WHERE (age = 21 OR name LIKE 'j%') AND NOT country = 'usa'", `[{"name":"eduardo"}]`],
  ["SELECT salary, admission FROM jobs", `[{"salary":2350.5,"admission":"2017-07-17"}]`],
  ["SELECT name FROM users ORDER BY age LIMIT 2", `[{"name":"gabriela"},{"name":"joao"}]`, true],
  ["SELECT name FROM users ORDER BY age DESC LIMIT 2 OFFSET 1", `[{"name":"joao"},{"name":"gabriela"}]`, true],
  ["SELECT TOP 1 [entity-id] FROM users ORDER BY [entity-id] DESC", `[{"entity-id":"user3@slicingdice.com"}]`, true],
  ["SELECT DISTINCT gender FROM users", `[{"gender":"female"},{"gender":"male"}]`],
  ["SELECT COUNT(*) FROM users HAVING COUNT(*) > 5", `[]`],
  ["SELECT country, COUNT(*) FROM users GROUP BY country HAVING COUNT(*) >= 2", `[{"country":"brazil","COUNT":2}]`],
  ["SELECT name FROM users WHERE [visited-page-events.date] = '2017-05-27'", `[{"name":"joao"},{"name":"eduardo"},{"name":"gabriela"}]`],
  [
    "SELECT CASE WHEN [clicks.value] = 'buy' THEN 'buyer' ELSE 'other' END AS kind, name FROM users",
    `[{"kind":"other","name":"joao"},{"kind":"buyer","name":"eduardo"},{"kind":"buyer","name":"gabriela"}]`,
  ],
  ["SELECT name FROM users WHERE city IS NULL", `[]`],
  ["SELECT MAX([clicks.date]) FROM users", `[{"MAX":"2017-05-28T00:00:00Z"}]`],
  ["SELECT COUNT(DISTINCT country) FROM users", `[{"COUNT":2}]`],
  ["SELECT COUNT(country), COUNT(DISTINCT country) FROM users", `[{"COUNT_country":3,"COUNT_DISTINCT_country":2}]`],
  [
    'SELECT * FROM users WHERE name = "joao" LIMIT 1',
    `[{"age":19,"browser":"firefox","city":"new york","country":"usa","entity-id":"user1@slicingdice.com","gender":"female","name":"joao","os":"linux","state":"ny","score":1.0}]`,
  ],
];

if (!FIXTURE_PRESENT) {
  describe.skip("SQL semantics: skipped, ../shared/conformance/sql_insert.json not found", () => {
    it("needs the shared fixture", () => {});
  });
} else {
  for (const shards of [1, 3]) {
    describe(`SQL semantics over ${shards} shard(s)`, () => {
      const { schema, cluster } = sqlFixture(shards);
      afterAll(() => cluster.close());
      for (const [text, rows, ordered] of CASES) {
        it(text, () => {
          const stmt = compileSql(text, schema, FIXTURE_NOW);
          if (stmt.kind !== "select") throw new Error("not a select");
          const body = cluster.run(stmt.query);
          const expected = parseTyped(`{"result":${rows},"count":"ignore"}`) as { result: unknown[] };
          const actual = typedResponse(body) as { result: unknown[] };
          if (ordered) {
            // row by row: the order is part of the answer
            expected.result.forEach((row, i) => expect(compareAnswer(row, actual.result[i], `$.result[${i}]`, true), stringifyResponse(body)).toEqual([]));
          }
          const diffs = compareAnswer(expected, actual, "$", true);
          expect(diffs, stringifyResponse(body)).toEqual([]);
          expect(body["count"]).toBe((body["result"] as unknown[]).length);
        });
      }
    });
  }
}

describe("SQL ORDER BY ... LIMIT across uneven shards", () => {
  // Each shard is first asked for about its share of OFFSET + LIMIT rows (query/page-rounds.ts);
  // here 40 of the 48 matching users live on shard 0, so it must be asked again.
  const shards = 8;
  const schema = makeSchema(
    [
      { apiName: "tag", type: "string" },
      { apiName: "n", type: "integer" },
    ],
    ["default"],
    shards,
  );
  const cluster = new Cluster(shards);
  const onShard0: string[] = [];
  const elsewhere: string[] = [];
  for (let i = 0; onShard0.length < 40 || elsewhere.length < 8; i++) {
    const id = `u${String(i).padStart(4, "0")}`;
    if (cluster.route("default", id) === 0) onShard0.length < 40 && onShard0.push(id);
    else elsewhere.length < 8 && elsewhere.push(id);
  }
  const ids = [...onShard0, ...elsewhere];
  const n = (id: string) => Number(id.slice(1)) % 13;
  cluster.write(insertToWrites(Object.fromEntries(ids.map((id) => [id, { tag: "t", n: n(id) }])), schema, FIXTURE_NOW));
  afterAll(() => cluster.close());
  const run = (text: string) => {
    const s = compileSql(text, schema, FIXTURE_NOW);
    if (s.kind !== "select") throw new Error("not a select");
    return cluster.run(s.query);
  };

  it("returns the same rows as the whole sorted set, asking the crowded shard twice", () => {
    const before = cluster.followUps;
    const body = run("SELECT [entity-id], n FROM default WHERE tag = 't' ORDER BY n DESC, [entity-id] LIMIT 30 OFFSET 5");
    const expected = [...ids]
      .sort((a, b) => n(b) - n(a) || (a < b ? -1 : 1))
      .slice(5, 35)
      .map((id) => ({ "entity-id": id, n: n(id) }));
    expect(body["result"]).toEqual(expected);
    expect(cluster.followUps - before).toBe(1);
  });
});
