// Runs the `sliced` command line as a user does (node bin/sliced.mjs ..., a child process of its
// own) and collects its output; `spawnCli` hands back the child for tests that kill it midway.

import { spawn, type ChildProcess } from "node:child_process";

const PROJECT_ROOT = new URL("../../../", import.meta.url).pathname;
const BIN = `${PROJECT_ROOT}bin/sliced.mjs`;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  done: Promise<CliRun>;
}

export function spawnCli(args: string[]): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const done = new Promise<CliRun>((resolve) => child.once("close", (code, signal) => resolve({ code, signal, stdout: out, stderr: err })));
  return { child, stdout: () => out, stderr: () => err, done };
}

export function runCli(args: string[]): Promise<CliRun> {
  return spawnCli(args).done;
}
