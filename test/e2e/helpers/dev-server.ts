// A real `wrangler dev` for end-to-end tests: started on a free port with its own state folder,
// stopped gently (SIGTERM) or killed (SIGKILL, as a crash would), and restarted on the same state.
// Everything a user runs locally is what these tests run: no bindings are simulated here.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PROJECT_ROOT = new URL("../../../", import.meta.url).pathname;
const WRANGLER = join(PROJECT_ROOT, "node_modules/wrangler/bin/wrangler.js");
const READY_TIMEOUT_MS = 60_000;

export const E2E_ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef0123";

export interface DevServerOptions {
  /** Variables and secrets, written to the server's env file (as `.dev.vars` would hold them). */
  vars?: Record<string, string>;
  /**
   * Plain variables overriding wrangler.toml's [vars] (`--var NAME:value`): the env file only
   * carries the names [secrets] lists.
   */
  overrides?: Record<string, string>;
  /** Reuse a state folder (a restart on the same data); a fresh temporary one by default. */
  stateDir?: string;
}

export interface DevServer {
  readonly base: string;
  readonly port: number;
  readonly stateDir: string;
  readonly adminToken: string;
  /** Everything the server printed since it (re)started. */
  log(): string;
  /** Stops the whole process group: SIGTERM waits for a clean exit, SIGKILL is a crash. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Starts again on the same port and state folder (after stop). */
  start(): Promise<void>;
  /** Stops, then removes the state folder when this helper created it. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const ownState = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "sliced-e2e-"));
  const envFile = join(stateDir, "test.dev.vars");
  const vars = { ADMIN_TOKEN: E2E_ADMIN_TOKEN, ...options.vars };
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n") + "\n",
  );
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let output = "";

  const start = async (): Promise<void> => {
    output = "";
    const args = [WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", join(stateDir, "state"), "--env-file", envFile, "--show-interactive-dev-session=false"];
    for (const [name, value] of Object.entries(options.overrides ?? {})) args.push("--var", `${name}:${value}`);
    child = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      detached: true, // its own process group: workerd children die with it
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", NO_COLOR: "1" },
    });
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output.slice(-2000)}`);
      try {
        const res = await fetch(`${base}/`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`wrangler dev did not answer on ${base} within ${READY_TIMEOUT_MS} ms:\n${output.slice(-2000)}`);
  };

  const stop = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.pid === undefined) return;
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    try {
      process.kill(-c.pid, signal);
    } catch {
      return; // already gone
    }
    const gaveUp = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 10_000));
    if ((await Promise.race([exited, gaveUp])) === "late") {
      process.kill(-c.pid, "SIGKILL");
      await exited;
    }
    // The group's workerd processes may outlive the wrangler parent for a moment.
    try {
      process.kill(-c.pid, "SIGKILL");
    } catch {
      // the group is empty
    }
    child = null;
  };

  await start();
  return {
    base,
    port,
    stateDir,
    adminToken: vars.ADMIN_TOKEN,
    log: () => output,
    stop,
    start,
    dispose: async () => {
      await stop("SIGKILL");
      if (ownState) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A JSON call as any HTTP client would make it. */
export async function http(
  base: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string>; raw?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.key !== undefined) headers["authorization"] = options.key;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["content-type"] = "application/json";
  const res = await fetch(base + path, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** Creates a database through the operator API; answers its id and keys. */
export async function createDatabase(
  server: Pick<DevServer, "base" | "adminToken">,
  options: { shards?: number; replicas?: number; name?: string } = {},
): Promise<{ id: string; master: string; write: string; read: string }> {
  const r = await http(server.base, "POST", "/admin/databases", { headers: { authorization: `Bearer ${server.adminToken}` }, body: { name: options.name ?? "e2e", replicas: 1, ...options } }); // 1 replica, not the route's 2: cheaper
  if (r.status !== 201) throw new Error(`cannot create database: ${r.status} ${r.text}`);
  return { id: r.body.database.id, ...r.body["api-keys"] };
}
