// Where the fixed cost of one apply call goes: loads N benchmark entities (bench/generator.ts) into
// our engine over node:sqlite, then applies calls of 10, 100 and 659 new entities and reports, per
// call, the wall time and the storage rows and bytes each kind of segment wrote. In Node, plaintext
// (no segment encryption), so it isolates the engine's share of docs/capacity.md's per-call cost.
//
//   npm run bench:apply-writes -- [--entities 60000] [--seconds 3]

import { createSegmentEngine } from "../../engine/index";
import { SegmentKind } from "../../engine/format/segment";
import type { EntityWrite } from "../../contract/plan";
import { openSqlite } from "../../test/engine/helpers/sqlite";
import { makeGenerator, toEntityWrite } from "../generator";

const args = process.argv.slice(2);
const opt = (k: string, d: string): number => {
  const i = args.indexOf(`--${k}`);
  return Number(i >= 0 && args[i + 1] !== undefined ? args[i + 1] : d);
};
const N = opt("entities", "60000");
const SECONDS = opt("seconds", "3");
const SIZES = [10, 100, 659];

const kindName = new Map(Object.entries(SegmentKind).map(([name, kind]) => [kind as number, name]));
const h = openSqlite(":memory:");
const engine = createSegmentEngine(h.sql);
const gen = makeGenerator(42);
let next = 0;
const take = (n: number): EntityWrite[] => Array.from({ length: n }, () => toEntityWrite(gen(next++)));
while (next < N) h.transactionSync(() => engine.apply({ kind: "write", entities: take(1000) }));

// Counts what every segment write binds: seg_blobs rows are (kind, a, b, c, part, bytes).
const written = new Map<string, { rows: number; bytes: number }>();
const exec = h.sql.exec.bind(h.sql);
h.sql.exec = (query: string, ...bindings: unknown[]) => {
  if (/^INSERT INTO seg_blobs/i.test(query)) {
    const kind = kindName.get(Number(bindings[0])) ?? String(bindings[0]);
    const bytes = bindings.reduce<number>((sum, b) => sum + (b instanceof ArrayBuffer || ArrayBuffer.isView(b) ? b.byteLength : 0), 0);
    const w = written.get(kind) ?? { rows: 0, bytes: 0 };
    w.rows++;
    w.bytes += bytes;
    written.set(kind, w);
  }
  return exec(query, ...bindings);
};

console.log(`${N} entities loaded; per apply call (Node ${process.version}, plaintext):`);
for (const size of SIZES) {
  written.clear();
  const batches = Array.from({ length: Math.ceil((SECONDS * 1000) / 5) }, () => take(size));
  const start = performance.now();
  let calls = 0;
  while (calls < batches.length && performance.now() - start < SECONDS * 1000) h.transactionSync(() => engine.apply({ kind: "write", entities: batches[calls++]! }));
  const ms = (performance.now() - start) / calls;
  const parts = [...written].sort((a, b) => b[1].bytes - a[1].bytes).map(([kind, w]) => `${kind} ${(w.rows / calls).toFixed(1)} rows ${Math.round(w.bytes / calls).toLocaleString("en-US")} B`);
  console.log(`  ${String(size).padStart(4)} entities: ${ms.toFixed(2)} ms; ${parts.join(", ")}`);
}
