#!/usr/bin/env node
// `sliced`, the command line of this repository (package.json "bin"; `npx sliced ...` from the
// repository, where npx puts node_modules/.bin, and so Node 22, first on PATH). The CLI is
// TypeScript (cli/): this launcher bundles it with esbuild (a dev dependency) on every start, a few
// tens of milliseconds, into .wrangler/cli/ under a name that is the bundle's hash, and runs it.
// Nothing to build by hand and never a stale copy, on a fresh clone right after `npm install`.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [major] = process.versions.node.split(".").map(Number);
if (major < 22) process.stderr.write(`sliced: Node ${process.versions.node} is older than the 22 this repository uses; run it as \`npx sliced\` from the repository\n`);

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  process.stderr.write("sliced: esbuild is missing: run `npm install` in the repository first\n");
  process.exit(2);
}
const result = await esbuild.build({
  entryPoints: [join(root, "cli/entry.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  write: false,
  sourcemap: "inline",
  sourceRoot: root,
  logLevel: "error",
});
const code = result.outputFiles[0].contents;
const dir = join(root, ".wrangler/cli");
const name = `sliced-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`;
const file = join(dir, name);
if (!existsSync(file)) {
  mkdirSync(dir, { recursive: true });
  // Written aside then renamed: two launches at once never run a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, file);
  for (const old of readdirSync(dir)) if (old !== name && /^sliced-[0-9a-f]{16}\.mjs$/.test(old)) rmSync(join(dir, old), { force: true });
}
await import(pathToFileURL(file).href);
