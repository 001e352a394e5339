#!/usr/bin/env node
// `npm run dev`: wrangler dev on http://127.0.0.1:8787 with local state in .wrangler/state.
// Uses .dev.vars when present, else the committed .dev.vars.example (ADMIN_TOKEN=dev-admin-token),
// so a fresh checkout works without editing secrets. Extra arguments go to wrangler.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", "8787", ...process.argv.slice(2)];
if (!existsSync(".dev.vars") && !existsSync(".env")) {
  args.push("--env-file", ".dev.vars.example");
  console.log("dev: using .dev.vars.example (admin token: dev-admin-token); create .dev.vars to change it");
}
const child = spawn("npx", args, { stdio: "inherit", env: { WRANGLER_SEND_METRICS: "false", ...process.env } });
child.on("exit", (code) => process.exit(code ?? 1));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
