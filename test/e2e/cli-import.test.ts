// `sliced import` and `sliced export` as a user runs them, against a real `wrangler dev`: a
// generated 100k-row CSV imported, the importer SIGKILLed midway and resumed from its checkpoint,
// then the database holds every entity once and every event once (a batch the server had taken
// but the checkpoint had not recorded is sent again with the same Idempotency-Key and applied
// once). Also: bad rows found by bisecting and listed with their errors, and an export round trip.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, http, startDevServer, type DevServer } from "./helpers/dev-server";
import { runCli, spawnCli } from "./helpers/cli";

const ROWS = 100_000;
const PLANS = ["gold", "silver", "bronze"] as const;
const WINDOW = ["2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"];

let server: DevServer;
let dir: string;
beforeAll(async () => {
  server = await startDevServer();
  dir = mkdtempSync(join(tmpdir(), "sliced-cli-"));
});
afterAll(async () => {
  await server?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(key: string, path: string, body: unknown): Promise<any> {
  const r = await http(server.base, "POST", path, { key, body });
  expect(r.status, r.text).toBe(200);
  return r.body;
}

const total = async (key: string, dimension = "default") => (await post(key, "/v1/query/count/entity/total", { dimensions: [dimension], "bypass-cache": true })).result.total as number;
const visits = async (key: string) =>
  (await post(key, "/v1/query/count/event", { "query-name": "v", query: [{ visit: { equals: "web", between: WINDOW } }], "bypass-cache": true })).result.v as number;

/** Reads `read` until two answers a second apart agree (queued inserts may still be landing). */
async function settled(read: () => Promise<number>, deadlineMs = 30_000): Promise<number> {
  const end = Date.now() + deadlineMs;
  let last = await read();
  for (;;) {
    await sleep(1_000);
    const now = await read();
    if (now === last || Date.now() > end) return now;
    last = now;
  }
}

describe("sliced import", () => {
  it("imports 100k rows, survives a SIGKILL midway and resumes with no duplicates", async () => {
    const db = await createDatabase(server, { shards: 2 });
    const csv = join(dir, "users.csv");
    const lines = ["entity-id,plan,visit,visit.date"];
    for (let i = 0; i < ROWS; i++) lines.push(`u${i},${PLANS[i % 3]},web,2024-01-${String(1 + (i % 28)).padStart(2, "0")}T00:00:00Z`);
    writeFileSync(csv, lines.join("\n") + "\n");
    const checkpoint = join(dir, "users.checkpoint.json");
    const args = ["import", "--base", server.base, "--key", db.master, "--create-columns", "--checkpoint", checkpoint, "--batch", "500", csv];

    // First run: killed as a crash would, once some batches are acknowledged and recorded.
    const first = spawnCli(args);
    const recorded = () => (existsSync(checkpoint) ? (JSON.parse(readFileSync(checkpoint, "utf8")) as { records: number }).records : 0);
    const deadline = Date.now() + 60_000;
    while (recorded() < 20_000 && Date.now() < deadline && first.child.exitCode === null) await sleep(50);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    const before = recorded();
    expect(before).toBeGreaterThanOrEqual(20_000);
    expect(before).toBeLessThan(ROWS);
    expect(killed.stderr).toContain("created columns: plan (string), visit (string-event)");

    // Another API key may not resume: the server keeps Idempotency-Keys per API key.
    const otherKey = await runCli(args.map((a) => (a === db.master ? db.write : a)));
    expect(otherKey.code).toBe(2);
    expect(otherKey.stderr).toContain("was written by an import with another API key");
    expect(recorded()).toBe(before);

    // Second run: the same command resumes from the checkpoint.
    const second = await runCli(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`resuming: \\d+ batches \\(${before} rows\\) were acknowledged by an earlier run`));
    expect(second.stderr).toMatch(/import \[#+\] 100000\/100000 rows \(100\.0%\), \d+ rows\/s, ETA 0s/);
    expect(second.stderr).toContain(`imported ${ROWS} of ${ROWS} rows into dimension 'default'`);
    expect(recorded()).toBe(ROWS);

    // Every entity once, every event once: a duplicate batch would add events, not entities.
    expect(await settled(() => visits(db.read))).toBe(ROWS);
    expect(await total(db.read)).toBe(ROWS);
    const gold = await post(db.read, "/v1/query/count/entity", { "query-name": "gold", query: [{ plan: { equals: "gold" } }], "bypass-cache": true });
    expect(gold.result.gold).toBe(Math.ceil(ROWS / 3));
  });

  it("finds the bad rows of a refused batch, imports the others and lists the bad ones with their errors", async () => {
    const db = await createDatabase(server, { shards: 1 });
    const csv = join(dir, "customers.csv");
    const rows = ["entity-id,name,seats,signup"];
    for (let i = 1; i <= 40; i++) rows.push(`c${i},n${i},${i === 7 ? "many" : i},${i === 23 ? "yesterday" : "2024-01-02"}`);
    writeFileSync(csv, rows.join("\n") + "\n");
    const rejects = join(dir, "customers.rejects.ndjson");
    const run = await runCli(["import", "--base", server.base, "--key", db.master, "--dimension", "customers", "--map", "seats=integer,signup=date", "--create-columns", "--rejects", rejects, csv]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("imported 38 of 40 rows into dimension 'customers'");
    expect(run.stderr).toContain(`rejected 2 rows (all of them in ${rejects}):`);
    expect(run.stderr).toContain(`line 8 (entity "c7"): [73] entity 'c7': column "seats" (integer) expects an integer, got "many"`);
    expect(run.stderr).toMatch(/line 24 \(entity "c23"\): \[70\] entity 'c23': column "signup" \(date\)/);
    const listed = readFileSync(rejects, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(listed.map((r) => [r.line, r.entity, r.code, r.source.seats])).toEqual([
      [8, "c7", 73, "many"],
      [24, "c23", 70, "23"],
    ]);
    expect(await settled(() => total(db.read, "customers"))).toBe(38);
  });

  it("refuses a usage mistake with exit code 2 and a pointer to the help, sending nothing", async () => {
    const run = await runCli(["import", "--base", server.base, "--key", "sk_x", "--batch", "5000", join(dir, "none.csv")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("sliced import: --batch must be an integer from 1 to 1000, got '5000' (sliced import --help shows the options)\n");
    const help = await runCli(["export", "--help"]);
    expect([help.code, help.stdout.split("\n")[0]]).toEqual([0, 'Usage: sliced export --base URL --key KEY (--query JSON | --sql "SELECT ...") [options]']);
  });
});

describe("sliced export", () => {
  it("round-trips: NDJSON imported, exported as CSV page by page, imported elsewhere and exported the same", async () => {
    const db = await createDatabase(server, { shards: 2 });
    const people = Array.from({ length: 11 }, (_, i) => ({ "entity-id": `p${i}`, city: ["lisbon", "porto", "faro"][i % 3], age: 20 + i, vip: i % 2 === 0 }));
    const ndjson = join(dir, "people.ndjson");
    writeFileSync(ndjson, people.map((p) => JSON.stringify(p)).join("\n") + "\n");
    const conn = ["--base", server.base, "--key", db.master];
    const imported = await runCli(["import", ...conn, "--dimension", "people", "--create-columns", ndjson]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain("created columns: city (string), age (integer), vip (boolean)");

    // limit 4: the 11 rows come in 3 pages, followed through their page tokens.
    const query = (dimension: string) => JSON.stringify({ dimension, columns: ["entity-id", "city", "age", "vip"], limit: 4 });
    const csv = join(dir, "people.csv");
    const exported = await runCli(["export", ...conn, "--query", query("people"), "--format", "csv", "--out", csv]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/^exported 11 rows \(3 pages\) in \d+s\n$/);
    const text = readFileSync(csv, "utf8");
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("entity-id,city,age,vip");
    expect(lines.slice(1).sort()).toEqual(people.map((p) => `${p["entity-id"]},${p.city},${p.age},${p.vip}`).sort());

    const again = await runCli(["import", ...conn, "--dimension", "people2", "--map", "age=integer,vip=boolean", "--create-columns", csv]);
    expect(again.code, again.stderr).toBe(0);
    const back = await runCli(["export", ...conn, "--query", query("people2"), "--format", "csv"]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout.trim().split("\n").sort()).toEqual(lines.sort());

    const sql = await runCli(["export", ...conn, "--sql", "SELECT city, COUNT(*) AS n FROM people GROUP BY city ORDER BY city"]);
    expect(sql.code, sql.stderr).toBe(0);
    expect(sql.stdout).toBe('{"city":"faro","n":3}\n{"city":"lisbon","n":4}\n{"city":"porto","n":4}\n');
  });
});
