#!/usr/bin/env node
// `npm run profile:dev -- [--seconds S] [--port P] [--out file.cpuprofile] [--top N]`: a CPU profile of
// the Worker and its Durable Objects running under `wrangler dev`, taken through wrangler's inspector
// (default port 9229; start wrangler with `--inspector-port P` to choose it). Run your load meanwhile.
// Prints the functions with the most self time and writes the profile (open it in Chrome DevTools).
//
// Caveat: samples are wall-clock positions of the isolate's thread. On a busy machine a descheduled
// thread's time lands on whatever function it was in, so compare profiles taken on a quiet machine.

import { writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
if (args.includes("--help")) {
  console.log("usage: npm run profile:dev -- [--seconds 10] [--port 9229] [--out profile.cpuprofile] [--top 30]");
  process.exit(0);
}
const seconds = Number(arg("--seconds", "10"));
const port = Number(arg("--port", "9229"));
const out = arg("--out", `profile-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`);
const top = Number(arg("--top", "30"));

// The inspector checks the Origin header; DevTools' own origin is accepted.
const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { Origin: "https://devtools.devprod.cloudflare.dev" } });
let nextId = 0;
const pending = new Map();
const send = (method, params = {}) =>
  new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ id, method, params }));
  });
ws.onmessage = (event) => {
  const msg = JSON.parse(String(event.data));
  const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
  if (waiter === undefined) return;
  pending.delete(msg.id);
  if (msg.error) waiter.reject(new Error(`${msg.error.message} (${msg.error.code})`));
  else waiter.resolve(msg.result);
};
ws.onerror = () => {
  console.error(`profile:dev: cannot reach wrangler's inspector on 127.0.0.1:${port} (is wrangler dev running? --port to choose)`);
  process.exit(1);
};

ws.onopen = async () => {
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 }); // µs
  await send("Profiler.start");
  console.log(`profiling for ${seconds} s…`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const { profile } = await send("Profiler.stop");
  writeFileSync(out, JSON.stringify(profile));
  printSelfTimes(profile);
  console.log(`wrote ${out}`);
  ws.close();
  process.exit(0);
};

/** Self time per function (name, file tail and line), from the sample ids and time deltas. */
function printSelfTimes(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const f = nodes.get(id).callFrame;
    const key = `${f.functionName || "(anonymous)"}  ${f.url.split("/").slice(-1)[0] || ""}${f.lineNumber >= 0 ? `:${f.lineNumber + 1}` : ""}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
  });
  console.log(`${(total / 1000).toFixed(0)} ms sampled; self time by function:`);
  for (const [key, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
}
