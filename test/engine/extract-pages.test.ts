// Extraction pages over a few thousand entities, where the engine walks SQLite's external-id index
// instead of sorting every match (large tie groups, entity-id order both ways, deep offsets),
// checked against the reference engine.

import { describe, it } from "vitest";
import type { ColumnRef } from "../../src/shared/columns";
import type { ExtractQuery, OrderKey } from "../../src/shared/plan";
import { createReferenceEngine } from "../../durable-objects/engine/reference/index";
import { createSegmentEngine } from "../../durable-objects/engine/index";
import { openSqlite } from "./helpers/sqlite";
import { firstDifference } from "./helpers/compare";

const plan: ColumnRef = { id: 1, type: "string", storage: "latest-value" };
const age: ColumnRef = { id: 2, type: "integer", storage: "latest-value" };

describe("extraction pages through the external-id index", () => {
  it("matches the reference for many orders and offsets", { timeout: 60_000 }, () => {
    const h = openSqlite();
    const ref = createReferenceEngine(h.sql);
    const seg = createSegmentEngine(h.sql);
    for (let b = 0; b < 4; b++) {
      const m = {
        kind: "write" as const,
        entities: Array.from({ length: 1000 }, (_, i) => {
          const n = b * 1000 + i;
          return { dimension: "default", id: `id-${(n * 7919) % 4000}`, attrs: [{ col: plan, value: `p${n % 3}` }, { col: age, value: n % 50 }], events: [] };
        }),
      };
      h.transactionSync(() => ref.apply(m));
      h.transactionSync(() => seg.apply(m));
    }
    const orders: OrderKey[][] = [
      [],
      [{ by: "entity-id", dir: "asc" }],
      [{ by: "entity-id", dir: "desc" }],
      [{ by: "column", col: plan, dir: "asc" }],
      [{ by: "column", col: plan, dir: "desc" }, { by: "entity-id", dir: "desc" }],
      [{ by: "column", col: age, dir: "desc" }, { by: "column", col: plan, dir: "asc" }],
      [{ by: "score", dir: "desc" }, { by: "entity-id", dir: "asc" }],
    ];
    const exprs = [
      { op: "all" as const },
      { op: "attr" as const, col: plan, test: { op: "ne" as const, value: "p1" } },
      { op: "or" as const, args: [{ op: "attr" as const, col: age, test: { op: "range" as const, min: 10, max: 20, minInclusive: true, maxInclusive: true } }, { op: "attr" as const, col: plan, test: { op: "eq" as const, value: "p2" } }] },
    ];
    for (const order of orders) {
      for (const expr of exprs) {
        for (const [offset, limit] of [[0, 10], [1000, 100], [2650, 40], [3990, 50], [0, 1000]] as const) {
          const q: ExtractQuery = { kind: "extract", dimension: "default", expr, score: true, columns: [{ kind: "attr", key: "p", col: plan }], order, offset, limit };
          const d = firstDifference(seg.query(q), ref.query(q));
          if (d !== null) throw new Error(`${JSON.stringify(q)}\n${d}`);
        }
      }
    }
    h.close();
  });
});
