// CI cross-check of the side-by-side benchmark (bench/peers, docs/bench-peers.md): at 100,000 entities,
// our engine's answer to every §5.2 query must equal DuckDB's (1 thread). Nothing is timed. Skips with
// a message when @duckdb/node-api is not installed or does not load on this platform.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crossCheck, setup } from "../../bench/peers/core";

const N = 100_000;
const duckdbMissing = await import("@duckdb/node-api").then(
  () => null,
  (err: unknown) => (err instanceof Error ? err.message.split("\n")[0]! : String(err)),
);
if (duckdbMissing !== null) console.warn(`bench cross-check skipped: @duckdb/node-api is not available (${duckdbMissing})`);

describe("side-by-side benchmark cross-check", () => {
  it.skipIf(duckdbMissing !== null)(
    `our engine and DuckDB agree on every query at ${N} entities`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "sliced-peers-"));
      const s = await setup({ n: N, dir, peers: ["duckdb"], threads: [1], log: () => {} });
      try {
        if (s.peers.length === 0) {
          console.warn(`bench cross-check skipped: ${s.skipped.join("; ")}`);
          return;
        }
        const { answers, mismatches } = await crossCheck(s);
        expect(mismatches).toEqual([]);
        // Sanity: the data is not degenerate (every count query matches something, row queries return rows).
        for (const [id, a] of Object.entries(answers)) expect(typeof a === "number" ? a : a.length, id).toBeGreaterThan(0);
      } finally {
        await s.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
