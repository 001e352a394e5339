// Shard answers survive the RPC boundary's columnar form exactly: through toWire, the V8 serialiser
// (what Durable Object RPC uses) and fromWire, every answer kind comes back deep-equal.

import { deserialize, serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import { fromWire, toWire } from "../../contract/answer-wire";
import type { ExtractRow, ShardAnswer } from "../../contract/plan";
import { Rng } from "../engine/helpers/seeded";

const roundTrip = (a: ShardAnswer): ShardAnswer => fromWire(deserialize(serialize(toWire(a))) as ReturnType<typeof toWire>);

function randomRows(rng: Rng, n: number, keys: number, scored: boolean): ExtractRow[] {
  return Array.from({ length: n }, (_, i) => {
    const values: ExtractRow["values"] = {};
    if (rng.bool(0.8)) values["country"] = `c${rng.int(0, 9)}`;
    if (rng.bool(0.7)) values["age"] = rng.int(-5, 90);
    if (rng.bool(0.3)) values["tags"] = ["a", "b"].slice(0, rng.int(0, 2));
    if (rng.bool(0.3)) values["clicks"] = [{ value: rng.int(0, 3), t: 1_500_000_000_000 + i }];
    if (rng.bool(0.1)) values["flag"] = false;
    const row: ExtractRow = { id: `e${i}`, sort: Array.from({ length: keys }, () => (rng.bool(0.2) ? null : rng.bool(0.5) ? rng.int(0, 9) : `s${rng.int(0, 9)}`)), values };
    if (scored) row.score = rng.int(0, 4);
    return row;
  });
}

describe("answer wire form", () => {
  it("round-trips extraction pages: missing values, null sort keys, lists and events, with and without scores", () => {
    const rng = new Rng(11);
    for (let t = 0; t < 200; t++) {
      const a: ShardAnswer = { kind: "extract", matched: rng.int(0, 1000), rows: randomRows(rng, rng.int(0, 30), rng.int(0, 3), rng.bool(0.5)) };
      expect(roundTrip(a)).toStrictEqual(a);
    }
  });

  it("round-trips top values, and passes every other kind through unchanged", () => {
    const top: ShardAnswer = {
      kind: "top-values",
      values: [
        [
          ["city1", 3],
          ["city0", 7],
        ],
        [],
        [["true", 1]],
      ],
    };
    expect(roundTrip(top)).toStrictEqual(top);
    for (const a of [
      { kind: "count-entity", counts: [1, 0] },
      { kind: "exists", ids: ["a"] },
      { kind: "aggregation", root: { quantity: 2, metrics: [{ count: 2, sum: 3, min: null, max: null }], children: [] } },
    ] as ShardAnswer[]) {
      expect(toWire(a)).toBe(a);
      expect(roundTrip(a)).toEqual(a);
    }
  });

  it("is smaller on the wire than the rows it carries", () => {
    const a: ShardAnswer = { kind: "extract", matched: 100, rows: randomRows(new Rng(3), 100, 1, false) };
    expect(serialize(toWire(a)).length).toBeLessThan(serialize(a).length);
  });
});
