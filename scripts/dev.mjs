#!/usr/bin/env node
// `npm run dev`: wrangler dev on http://127.0.0.1:8787 with local state in .wrangler/state.
// Uses .dev.vars when present, else the committed .dev.vars.example (ADMIN_TOKEN=dev-admin-token and a
// development DATA_KEY_SECRET), so a fresh checkout works without editing secrets. Extra arguments
// go to wrangler (`npm run dev -- --port 8790`).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

const extra = process.argv.slice(2);
// Defaults only for what the caller did not choose: wrangler refuses a flag given twice.
const given = (flag) => extra.some((a) => a === flag || a.startsWith(`${flag}=`));
const args = ["wrangler", "dev", ...(given("--ip") ? [] : ["--ip", "127.0.0.1"]), ...(given("--port") ? [] : ["--port", "8787"]), ...extra];
if (!existsSync(".dev.vars") && !existsSync(".env")) {
  args.push("--env-file", ".dev.vars.example");
  console.log("dev: using .dev.vars.example (admin token: dev-admin-token); create .dev.vars to change it");
}
const child = spawn("npx", args, { stdio: "inherit", env: { WRANGLER_SEND_METRICS: "false", ...process.env } });
child.on("exit", (code) => process.exit(code ?? 1));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
