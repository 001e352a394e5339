#!/usr/bin/env node
// Builds the static assets wrangler serves next to the Worker ([assets] in wrangler.toml):
// /console (web/console/*.ts bundled by esbuild, its HTML and CSS) and /docs (the Scalar API
// reference's standalone bundle and its page). wrangler runs this as its [build] command before
// `wrangler dev` and `wrangler deploy` (and on changes under web/ while dev runs); `npm run
// build:web` runs it by hand. The output folder is generated, never committed.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { scalarStandaloneBundle } from "./scalar-bundle.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, ".wrangler/assets");
const web = join(root, "web");
const started = Date.now();

const written = new Set();
const write = (path, data) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  written.add(path);
};
const copy = (from, to) => {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  written.add(to);
};

await build({
  entryPoints: [join(web, "console/main.ts")],
  outfile: join(out, "console/app.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
written.add(join(out, "console/app.js"));
written.add(join(out, "console/app.js.map"));
copy(join(web, "console/index.html"), join(out, "console/index.html"));
copy(join(web, "console/style.css"), join(out, "console/style.css"));
copy(join(web, "docs/index.html"), join(out, "docs/index.html"));
write(join(out, "docs/scalar.js"), await scalarStandaloneBundle());

// Files an older build left behind would still be served: remove them (in place, so a running
// `wrangler dev` keeps watching the same folder).
const prune = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) prune(path);
    else if (!written.has(path)) rmSync(path);
  }
};
prune(out);
console.log(`web: built ${written.size} files into ${relative(root, out)} in ${Date.now() - started} ms`);
