// Extraction pages over a few thousand entities, where the engine walks SQLite's external-id index
// instead of sorting every match (large tie groups, entity-id order both ways, deep offsets),
// checked against the reference engine.

import { afterEach, describe, expect, it, vi } from "vitest";
import type { ColumnRef } from "../../contract/columns";
import type { ExtractQuery, OrderKey } from "../../contract/plan";
import { createReferenceEngine } from "../../engine/testing/reference/index";
import { createSegmentEngine } from "../../engine/index";
import { EXT_ORDER_ADDED_MAX } from "../../contract/limits";
import { EntityMap } from "../../engine/store/entities";
import { openSqlite } from "./helpers/sqlite";
import { firstDifference } from "./helpers/compare";
import { applyToBoth } from "./helpers/engine-pair";

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
          return {
            dimension: "default",
            id: `id-${(n * 7919) % 4000}`,
            attrs: [
              { col: plan, value: `p${n % 3}` },
              { col: age, value: n % 50 },
            ],
            events: [],
          };
        }),
      };
      applyToBoth(h, ref, seg, m);
    }
    const orders: OrderKey[][] = [
      [],
      [{ by: "entity-id", dir: "asc" }],
      [{ by: "entity-id", dir: "desc" }],
      [{ by: "column", col: plan, dir: "asc" }],
      [
        { by: "column", col: plan, dir: "desc" },
        { by: "entity-id", dir: "desc" },
      ],
      [
        { by: "column", col: age, dir: "desc" },
        { by: "column", col: plan, dir: "asc" },
      ],
      [
        { by: "score", dir: "desc" },
        { by: "entity-id", dir: "asc" },
      ],
    ];
    const exprs = [
      { op: "all" as const },
      { op: "attr" as const, col: plan, test: { op: "ne" as const, value: "p1" } },
      {
        op: "or" as const,
        args: [
          { op: "attr" as const, col: age, test: { op: "range" as const, min: 10, max: 20, minInclusive: true, maxInclusive: true } },
          { op: "attr" as const, col: plan, test: { op: "eq" as const, value: "p2" } },
        ],
      },
    ];
    for (const order of orders) {
      for (const expr of exprs) {
        for (const [offset, limit] of [
          [0, 10],
          [1000, 100],
          [2650, 40],
          [3990, 50],
          [0, 1000],
        ] as const) {
          const q: ExtractQuery = { kind: "extract", dimension: "default", expr, score: true, columns: [{ kind: "attr", key: "p", col: plan }], order, offset, limit };
          const d = firstDifference(seg.query(q), ref.query(q));
          if (d !== null) throw new Error(`${JSON.stringify(q)}\n${d}`);
        }
      }
    }
    h.close();
  });
});

describe("extraction pages from the in-memory external-id order", () => {
  afterEach(() => vi.restoreAllMocks());

  it("builds the order once paging has cost as much, pages from it both ways, keeps it while few entities are created, and drops it on deletes", { timeout: 60_000 }, () => {
    const build = vi.spyOn(EntityMap.prototype, "buildExtOrder");
    const h = openSqlite();
    const ref = createReferenceEngine(h.sql);
    const seg = createSegmentEngine(h.sql);
    const applyBoth = (m: Parameters<typeof ref.apply>[0]) => applyToBoth(h, ref, seg, m);
    const write = (from: number, n: number) =>
      applyBoth({
        kind: "write",
        entities: Array.from({ length: n }, (_, i) => ({
          dimension: "default",
          id: `e${((from + i) * 7919) % 100_003}`,
          attrs: [
            { col: plan, value: `p${(from + i) % 7}` },
            { col: age, value: (from + i) % 50 },
          ],
          events: [],
        })),
      });
    const sparse = { op: "attr" as const, col: plan, test: { op: "eq" as const, value: "p3" } }; // 1/7: ranks sorted
    const dense = { op: "attr" as const, col: plan, test: { op: "ne" as const, value: "p3" } }; // 6/7: the order walked
    const check = (label: string, withTies = false) => {
      for (const expr of [sparse, dense]) {
        for (const dir of ["asc", "desc"] as const) {
          // By entity id, and by a column whose ties are paged by entity id.
          const orders: OrderKey[][] = [
            [{ by: "entity-id", dir }],
            ...(withTies
              ? [
                  [
                    { by: "column", col: age, dir: "asc" },
                    { by: "entity-id", dir },
                  ] as OrderKey[],
                ]
              : []),
          ];
          for (const order of orders) {
            for (const [offset, limit] of [
              [0, 20],
              [130, 25],
              [700, 100],
            ] as const) {
              const q: ExtractQuery = { kind: "extract", dimension: "default", expr, score: false, columns: [{ kind: "attr", key: "a", col: age }], order, offset, limit };
              const d = firstDifference(seg.query(q), ref.query(q));
              if (d !== null) throw new Error(`${label}: ${JSON.stringify(q)}\n${d}`);
            }
          }
        }
      }
    };
    /** Pages (checked) until paging work has paid for an order, then once more from it. */
    const checkUntilBuilt = (label: string, builds: number) => {
      for (let round = 0; build.mock.calls.length < builds && round < 50; round++) check(`${label}, round ${round}`);
      expect(build, label).toHaveBeenCalledTimes(builds);
      check(`${label}, from the built order`);
      expect(build, label).toHaveBeenCalledTimes(builds);
    };
    write(0, 3000);
    check("first pages, without an order");
    expect(build).toHaveBeenCalledTimes(0);
    checkUntilBuilt("first build", 1);
    write(3000, 500); // new entities: merged into pages from the order's list of created ids
    check("after creating 500", true);
    write(3500, EXT_ORDER_ADDED_MAX - 500); // exactly as many as the order absorbs
    check("after creating as many as the order absorbs", true);
    expect(build, "the order was kept").toHaveBeenCalledTimes(1);
    write(3000, 200); // existing entities only: nothing is created
    write(3000 + EXT_ORDER_ADDED_MAX, 1); // one more: the order is dropped
    check("after one more");
    checkUntilBuilt("after creating too many", 2);
    applyBoth({ kind: "delete", dimension: "default", expr: { op: "attr", col: age, test: { op: "eq", value: 7 } } });
    check("after a delete");
    checkUntilBuilt("after a delete", 3);
    write(10_000, 300); // created after a fresh build, then paged both ways again
    check("after creating 300 more", true);
    expect(build).toHaveBeenCalledTimes(3);
    h.close();
  });
});
