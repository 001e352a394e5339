// Finds a working CRoaring oracle: the `roaring` addon in this process, or (when it was built for
// another Node ABI, e.g. because node-gyp could not fetch this Node's headers offline) a child
// process of a Node that can load it: $ROARING_ORACLE_NODE, then /usr/bin/node. Null when none works.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export type OracleRequest =
  { op: "reserialize"; hex: string } | { op: "build"; values: number[]; runOptimize: boolean } | { op: "binary"; fn: "and" | "or" | "xor" | "andNot"; a: string; b: string } | { op: "version" };

export type Oracle = (requests: OracleRequest[]) => unknown[];

const require = createRequire(import.meta.url);
const script = fileURLToPath(new URL("./roaring-oracle.cjs", import.meta.url));

export function findOracle(): { oracle: Oracle; how: string } | { oracle: null; why: string } {
  const helper = require(script) as { run: (r: unknown, q: OracleRequest[]) => unknown[] };
  let inProcessError = "";
  try {
    const roaring: unknown = require("roaring");
    return { oracle: (q) => helper.run(roaring, q), how: "in process" };
  } catch (e) {
    inProcessError = (e as Error).message.split("\n")[0] ?? "";
  }
  for (const node of [process.env.ROARING_ORACLE_NODE, "/usr/bin/node"]) {
    if (node === undefined || !existsSync(node)) continue;
    const oracle: Oracle = (q) => JSON.parse(execFileSync(node, [script], { input: JSON.stringify(q), cwd: process.cwd(), maxBuffer: 1 << 28 }).toString()) as unknown[];
    try {
      oracle([{ op: "version" }]);
      return { oracle, how: `child process ${node}` };
    } catch {
      // try the next candidate
    }
  }
  return { oracle: null, why: `roaring addon unavailable (${inProcessError}); set ROARING_ORACLE_NODE to a Node that can load it` };
}
