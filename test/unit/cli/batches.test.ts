// Batching for a resumable import: cuts respect every insert limit, rows of one entity merge, and
// the same rows always give the same batches and byte-identical bodies (what lets a resumed import
// send a batch again under the same Idempotency-Key and have the server replay it).

import { describe, expect, it } from "vitest";
import { batches, insertBody, insertLimits, type BatchLimits } from "../../../cli/import/batches";
import { makeRow, type Item, type Row } from "../../../cli/import/rows";
import { INSERT_BODY_BYTES_MAX, INSERT_ENTITIES_MAX, INSERT_VALUES_MAX } from "../../../contract/limits";

const row = (line: number, entity: string, values: Record<string, unknown>): Item => ({ kind: "row", row: makeRow(line, entity, values as never, null) });
const rowOf = (item: Item): Row => (item.kind === "row" ? item.row : expect.unreachable("a rejected item"));

async function all(items: Item[], limits: BatchLimits) {
  const out = [];
  for await (const b of batches(items, limits)) out.push(b);
  return out;
}

describe("import batches", () => {
  it("stay within the API's limits", () => {
    expect(insertLimits(5000)).toEqual({ entities: INSERT_ENTITIES_MAX, values: INSERT_VALUES_MAX, bytes: INSERT_BODY_BYTES_MAX - 1024 });
    expect(insertLimits(10).entities).toBe(10);
  });

  it("cut on entities, values and bytes; the last batch is marked", async () => {
    const items = Array.from({ length: 10 }, (_, i) => row(i + 2, `u${i}`, { plan: "gold", tags: ["a", "b"] }));
    const byEntities = await all(items, { entities: 4, values: 1000, bytes: 1 << 20 });
    expect(byEntities.map((b) => [b.index, b.rows.length, b.last])).toEqual([
      [0, 4, false],
      [1, 4, false],
      [2, 2, true],
    ]);
    const byValues = await all(items, { entities: 100, values: 7, bytes: 1 << 20 }); // 3 values a row
    expect(byValues.map((b) => b.rows.length)).toEqual([2, 2, 2, 2, 2]);
    const rowBytes = rowOf(items[0]!).bytes;
    const byBytes = await all(items, { entities: 100, values: 1000, bytes: rowBytes * 3 });
    expect(byBytes.map((b) => b.rows.length)).toEqual([3, 3, 3, 1]);
    // A body is its rows' bytes and two braces, well inside the 1,024 bytes insertLimits keeps spare.
    for (const b of byBytes) expect(new TextEncoder().encode(insertBody(b.rows).text).length).toBeLessThanOrEqual(rowBytes * b.rows.length + 2);
  });

  it("set aside a record no insert can take, with the reason", async () => {
    const huge = row(5, "big", { tags: Array.from({ length: 8 }, (_, i) => `t${i}`) });
    const [b] = await all([row(2, "u1", { plan: "x" }), huge], { entities: 10, values: 5, bytes: 1 << 20 });
    expect(b!.rows.map((r) => r.entity)).toEqual(["u1"]);
    expect(b!.rejected).toEqual([{ line: 5, entity: "big", code: null, message: "the record holds 8 values; one insert takes at most 5", source: null }]);
    expect(b!.records).toBe(2);
  });

  it("merge rows of one entity: the later attribute wins, events add up", () => {
    const rows = [row(2, "u1", { plan: "gold", visit: { value: "web", date: "2024-01-01" } }), row(3, "u1", { plan: "silver", visit: { value: "app", date: "2024-01-02" } })];
    expect(JSON.parse(insertBody(rows.map(rowOf)).text)).toEqual({
      u1: {
        plan: "silver",
        visit: [
          { value: "web", date: "2024-01-01" },
          { value: "app", date: "2024-01-02" },
        ],
      },
    });
  });

  it("are the same, body for body, every time the same rows are cut", async () => {
    const make = () => Array.from({ length: 25 }, (_, i) => row(i + 2, `u${i % 20}`, { plan: `p${i % 3}`, n: i }));
    const limits = { entities: 6, values: 1000, bytes: 1 << 20 };
    const bodies = async () => (await all(make(), limits)).map((b) => [b.index, insertBody(b.rows).text]);
    expect(await bodies()).toEqual(await bodies());
  });
});
