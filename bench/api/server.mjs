// Starts the project's own `wrangler dev` on a free loopback port with a throw-away state folder and
// a random admin token, in its own process group, and stops that whole group again (also on error).

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER_JS = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
// wrangler needs Node >= 22.12: prefer the project's own `node` devDependency over whatever runs us.
const LOCAL_NODE = path.join(ROOT, "node_modules", "node", "bin", "node");
const NODE = fs.existsSync(LOCAL_NODE) ? LOCAL_NODE : process.execPath;

export function wranglerVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "wrangler", "package.json"), "utf8")).version;
  } catch {
    return "unknown";
  }
}

/** Copies the checkout (without node_modules, .git, .wrangler, bench/, docs/) into dir; node_modules is linked. */
function snapshotTree(dir) {
  const skip = new Set(["node_modules", ".git", ".wrangler", "bench", "docs"]);
  fs.mkdirSync(dir, { recursive: true });
  for (const name of fs.readdirSync(ROOT)) {
    if (skip.has(name)) continue;
    fs.cpSync(path.join(ROOT, name), path.join(dir, name), { recursive: true, dereference: false, filter: (src) => !/[\\/](\.wrangler|node_modules)([\\/]|$)/.test(src.slice(ROOT.length)) });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Returns { base, adminToken, stop(), logTail() }. stop() is idempotent; it is also run on process
 * exit and on SIGINT/SIGTERM so the server never outlives the benchmark.
 */
export async function startServer({ startTimeoutMs = 120_000, log = () => {}, snapshot = true, extraArgs = [] } = {}) {
  if (!fs.existsSync(WRANGLER_JS)) throw new Error(`wrangler is not installed (${WRANGLER_JS} missing): run npm ci`);
  const port = await freePort();
  const adminToken = `bench-${randomBytes(12).toString("hex")}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "sliced-bench-api-"));
  // wrangler dev rebuilds and restarts the Worker whenever a watched source file changes ("Your worker
  // restarted mid-request"). Run it from a copy of the checkout so edits made while the benchmark
  // runs cannot restart the server under load; the copy is what is measured.
  const cwd = snapshot ? snapshotTree(path.join(work, "tree")) : ROOT;
  const logFile = path.join(work, "server.log");
  const out = fs.openSync(logFile, "a");
  const args = [
    WRANGLER_JS,
    "dev",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    path.join(work, "state"),
    "--var",
    `ADMIN_TOKEN:${adminToken}`,
    "--show-interactive-dev-session=false",
    ...extraArgs,
  ];
  const child = spawn(NODE, args, {
    cwd,
    detached: true, // own process group: stop() kills wrangler and its workerd together
    stdio: ["ignore", out, out],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", NO_COLOR: "1" },
  });
  fs.closeSync(out);
  let exited = null;
  child.on("exit", (code, signal) => {
    exited = { code, signal };
  });

  const logTail = (lines = 15) => {
    try {
      return fs.readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  };

  let stopped = false;
  const killGroup = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    killGroup("SIGKILL");
    fs.rmSync(work, { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    stopSync();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("exit", stopSync);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  async function stop({ keepLog } = {}) {
    if (stopped) return;
    if (keepLog) fs.copyFileSync(logFile, keepLog);
    killGroup("SIGTERM");
    for (let i = 0; i < 50 && exited === null; i++) await sleep(100);
    killGroup("SIGKILL"); // whatever of the group is left (workerd children)
    stopped = true;
    fs.rmSync(work, { recursive: true, force: true });
  }

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  log(`starting wrangler dev on ${base} from ${snapshot ? "a snapshot of the checkout" : "the checkout"} (${work})`);
  for (;;) {
    if (exited !== null) {
      const tail = logTail();
      stopSync();
      throw new Error(`wrangler dev exited (${JSON.stringify(exited)}) before answering:\n${tail}`);
    }
    try {
      const res = await fetch(`${base}/`, { signal: AbortSignal.timeout(2000) });
      await res.text();
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      const tail = logTail();
      await stop();
      throw new Error(`wrangler dev did not answer on ${base} within ${startTimeoutMs / 1000} s:\n${tail}`);
    }
    await sleep(500);
  }
  return { base, adminToken, stop, logTail, pid: child.pid };
}
