#!/usr/bin/env node
// Before the tests: builds the `roaring` dev dependency (CRoaring, the Node-only oracle of the
// engine's Roaring bytes) when npm skipped its install script. Offline, node-gyp cannot fetch Node 22's
// headers, so it builds for the system Node against its installed headers; the oracle test then runs
// CRoaring through that Node. Never fails the test run: the oracle test says why it skips instead.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const dir = "node_modules/roaring";
const built = `${dir}/build/Release/roaring.node`;
if (!existsSync(dir) || existsSync(built)) process.exit(0);
const node = process.env.ROARING_ORACLE_NODE ?? "/usr/bin/node";
if (!existsSync(node)) {
  console.log(`oracle: ${node} not found; the CRoaring oracle test will skip`);
  process.exit(0);
}
const headers = existsSync("/usr/include/node/node.h") ? { npm_config_nodedir: "/usr" } : {};
const result = spawnSync(node, ["./node-pre-gyp.js", "rebuild"], { cwd: dir, env: { ...process.env, ...headers }, stdio: "pipe", timeout: 180_000 });
console.log(
  result.status === 0 && existsSync(built)
    ? `oracle: built CRoaring for ${node}`
    : `oracle: could not build CRoaring (${String(result.stderr ?? "")
        .trim()
        .split("\n")
        .pop()}); the oracle test will skip`,
);
