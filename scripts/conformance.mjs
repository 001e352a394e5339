#!/usr/bin/env node
// `npm run conformance -- --base <url> --admin-token <t> --dir <folder>`: runs a folder of SlicingDice
// example files against a running server (for users checking a deployment), in a fresh database.
import fs from "node:fs";
import path from "node:path";
import { FILE_ORDER, runExamples } from "./conformance-core.mjs";

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a.startsWith("--")) args[a.slice(2)] = process.argv[i + 1] && !process.argv[i + 1].startsWith("--") ? process.argv[++i] : true;
}
const base = String(args.base ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const adminToken = String(args["admin-token"] ?? process.env.ADMIN_TOKEN ?? "dev-admin-token");
const dir = args.dir ? String(args.dir) : null;
if (!dir || !fs.existsSync(dir)) {
  console.error("usage: npm run conformance -- --base <url> --admin-token <token> --dir <folder of example .json files>");
  process.exit(2);
}

async function call(method, p, key, body, contentType = "application/json") {
  try {
    const res = await fetch(base + p, {
      method,
      headers: { Authorization: key, "Content-Type": contentType },
      body: body === undefined ? undefined : contentType === "application/json" ? JSON.stringify(body) : body,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = { unparsable: text.slice(0, 300) };
    }
    return { status: res.status, json };
  } catch (e) {
    return { status: 0, json: { transportError: String(e) } };
  }
}

const db = await call("POST", "/admin/databases", `Bearer ${adminToken}`, { name: `conformance-${Date.now()}` });
const key = db.json?.["api-keys"]?.master;
if (!key) {
  console.error(`cannot create a database at ${base}: ${db.status} ${JSON.stringify(db.json).slice(0, 300)}`);
  process.exit(1);
}
const suites = {};
for (const f of FILE_ORDER) {
  const file = path.join(dir, `${f}.json`);
  if (fs.existsSync(file)) suites[f] = JSON.parse(fs.readFileSync(file, "utf8"));
}
const sqlFixture = path.join(dir, "sql_insert.json");
const sqlInserts = fs.existsSync(sqlFixture) ? JSON.parse(fs.readFileSync(sqlFixture, "utf8")) : null;
const results = await runExamples({
  call,
  key,
  suites,
  sqlInserts,
  onResult: (r) => {
    if (!r.pass || args.verbose) console.log(`${r.pass ? "ok  " : "FAIL"} ${r.file} #${r.index} ${r.name}${r.why ? `\n     ${r.why}` : ""}`);
  },
});
const byFile = {};
for (const r of results) {
  byFile[r.file] ??= [0, 0];
  byFile[r.file][r.pass ? 0 : 1]++;
}
for (const [f, [p, n]] of Object.entries(byFile)) console.log(`${f.padEnd(14)} ${p}/${p + n}`);
const passed = results.filter((r) => r.pass).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
