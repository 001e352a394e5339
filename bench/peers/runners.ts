// One runner per engine. Each loads the Dataset (our engine: already applied during generation) and
// exposes variants (thread counts, with/without indexes) that answer a BenchQuery with a normalised
// Answer. A peer whose package is missing or fails to load is skipped with a message (setup returns
// a string instead of a Peer).

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type { EntityWrite } from "../../contract/plan";
import { createSegmentEngine } from "../../engine/index";
import { openSqlite, type SqliteHarness } from "../../test/engine/helpers/sqlite";
import type { Dataset } from "./data";
import { fromSql, type Answer, type BenchQuery } from "./queries";

export interface Variant {
  /** Column label, e.g. "DuckDB 1 thr". */
  label: string;
  run(q: BenchQuery): Promise<Answer> | Answer;
}

export interface Peer {
  name: string;
  version: string;
  /** The physical design, stated in the report (schema, sort keys, indexes). */
  design: string;
  loadMs: number;
  variants: Variant[];
  close(): Promise<void> | void;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message.split("\n")[0]! : String(err));

function packageVersion(name: string): string {
  try {
    const require = createRequire(resolve("package.json"));
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")).version;
  } catch {
    return "?";
  }
}

// --- our engine ----------------------------------------------------------------------------------------

/** Opens our engine over a fresh node:sqlite file; `sink` applies batches during generation. */
export function ourEngine(dir: string, cacheMb = 64): { sink: (batch: EntityWrite[]) => void; finish(): Peer } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "engine.sqlite");
  rmSync(path, { force: true });
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  const h: SqliteHarness = openSqlite(path);
  h.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;");
  const writer = createSegmentEngine(h.sql, { cacheBytes: cacheMb * 2 ** 20 });
  let applyMs = 0;
  return {
    sink(batch) {
      const t = performance.now();
      h.transactionSync(() => writer.apply({ kind: "write", entities: batch }));
      applyMs += performance.now() - t;
    },
    finish() {
      // A fresh engine over the stored segments, like a Durable Object woken after eviction.
      const engine = createSegmentEngine(h.sql, { cacheBytes: cacheMb * 2 ** 20 });
      const mb = engine.stats().storageBytes / 2 ** 20;
      return {
        name: "ours",
        version: `sliced segment engine, node ${process.version}`,
        design: `segment engine (dictionary bitmaps, bit-sliced ints, event postings) in node:sqlite, ${mb.toFixed(1)} MiB stored, ${cacheMb} MiB decoded-segment cache, in-process in Node ${process.version}`,
        loadMs: applyMs,
        variants: [{ label: `ours (Node ${process.versions.node.split(".")[0]})`, run: (q) => q.fromEngine(engine.query(q.plan)) }],
        close: () => h.close(),
      };
    },
  };
}

// --- DuckDB ---------------------------------------------------------------------------------------------

const DUCK_ENTITIES = `{'id': 'INTEGER', 'ext_id': 'VARCHAR', 'country': 'VARCHAR', 'plan': 'VARCHAR', 'gender': 'VARCHAR', 'device': 'VARCHAR', 'city': 'VARCHAR', 'age': 'INTEGER', 'income': 'INTEGER', 'score': 'INTEGER', 'active': 'INTEGER', 'signup_day': 'INTEGER'}`;
const DUCK_EVENTS = `{'entity': 'INTEGER', 'col': 'INTEGER', 'day': 'INTEGER', 'val': 'INTEGER'}`;

export async function duckdb(data: Dataset, threads: number[] = [1, 2]): Promise<Peer | string> {
  let api: typeof import("@duckdb/node-api");
  try {
    api = await import("@duckdb/node-api");
  } catch (err) {
    return `DuckDB skipped: @duckdb/node-api is not installed or does not load (${errorText(err)})`;
  }
  const inst = await api.DuckDBInstance.create(":memory:", { threads: String(Math.max(...threads)) });
  const con = await inst.connect();
  const t = performance.now();
  await con.run(`CREATE TABLE entities AS SELECT * FROM read_csv('${data.entitiesCsv}', header = true, columns = ${DUCK_ENTITIES})`);
  await con.run(`CREATE TABLE events AS SELECT * FROM read_csv('${data.eventsCsv}', header = true, columns = ${DUCK_EVENTS})`);
  const loadMs = performance.now() - t;
  const version = String((await con.runAndReadAll("SELECT version()")).getRows()[0]![0]);
  let current = -1;
  return {
    name: "duckdb",
    version: `DuckDB ${version} (@duckdb/node-api ${packageVersion("@duckdb/node-api")})`,
    design: "in-memory database, tables created from the CSVs (strings VARCHAR, ints INTEGER), no indexes",
    loadMs,
    variants: threads.map((n) => ({
      label: `DuckDB ${n} thr`,
      async run(q: BenchQuery) {
        if (current !== n) {
          await con.run(`SET threads = ${n}`);
          current = n;
        }
        return fromSql(q, (await con.runAndReadAll(q.sql)).getRows() as unknown[][]);
      },
    })),
    close() {
      con.closeSync();
      inst.closeSync();
    },
  };
}

// --- SQLite ---------------------------------------------------------------------------------------------

interface SqliteDb {
  exec(sql: string): void;
  rows(sql: string): unknown[][];
  insertMany(sql: string, params: unknown[]): void;
  close(): void;
}

/** The slice of better-sqlite3's API used here (it ships no types; @types/better-sqlite3 is not a dependency). */
interface BetterStatement {
  raw(on: boolean): BetterStatement;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
}
interface BetterDb {
  prepare(sql: string): BetterStatement;
  exec(sql: string): unknown;
  close(): unknown;
}

let warnedBetter = false;
async function openSqliteDb(path: string): Promise<{ db: SqliteDb; driver: string }> {
  try {
    const require = createRequire(resolve("package.json"));
    const Better = require("better-sqlite3") as new (path: string) => BetterDb;
    const db = new Better(path);
    const stmts = new Map<string, BetterStatement>();
    const prep = (sql: string) => {
      let s = stmts.get(sql);
      if (s === undefined) stmts.set(sql, (s = db.prepare(sql)));
      return s;
    };
    return {
      db: {
        exec: (sql) => void db.exec(sql),
        rows: (sql) => prep(sql).raw(true).all() as unknown[][],
        insertMany: (sql, params) => void prep(sql).run(params),
        close: () => db.close(),
      },
      driver: `better-sqlite3 ${packageVersion("better-sqlite3")}`,
    };
  } catch (err) {
    if (!warnedBetter) console.log(`SQLite: better-sqlite3 does not load under Node ${process.version} (${errorText(err)}); using node:sqlite instead`);
    warnedBetter = true;
  }
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(path);
  const stmts = new Map<string, import("node:sqlite").StatementSync>();
  const prep = (sql: string) => {
    let s = stmts.get(sql);
    if (s === undefined) stmts.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    db: {
      exec: (sql) => db.exec(sql),
      rows: (sql) => (prep(sql).all() as Record<string, unknown>[]).map((r) => Object.values(r)),
      insertMany: (sql, params) => void prep(sql).run(...(params as never[])),
      close: () => db.close(),
    },
    driver: `node:sqlite (Node ${process.version})`,
  };
}

const SQLITE_INDEXES = [
  "CREATE INDEX events_cvde ON events(col, val, day, entity)",
  "CREATE INDEX entities_country ON entities(country)",
  "CREATE INDEX entities_active ON entities(active)",
  "CREATE INDEX entities_income ON entities(income)",
  "CREATE INDEX entities_age ON entities(age)",
];

export async function sqlite(data: Dataset, withIndexes = true): Promise<Peer | string> {
  const plain = join(data.dir, "sqlite.db");
  const indexed = join(data.dir, "sqlite-idx.db");
  for (const p of [plain, indexed]) rmSync(p, { force: true });
  let opened: { db: SqliteDb; driver: string };
  try {
    opened = await openSqliteDb(plain);
  } catch (err) {
    return `SQLite skipped: ${errorText(err)}`;
  }
  const { driver } = opened;
  let db = opened.db;
  const t = performance.now();
  db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;");
  db.exec(
    "CREATE TABLE entities (id INTEGER PRIMARY KEY, ext_id TEXT, country TEXT, plan TEXT, gender TEXT, device TEXT, city TEXT, age INTEGER, income INTEGER, score INTEGER, active INTEGER, signup_day INTEGER);" +
      "CREATE TABLE events (entity INTEGER, col INTEGER, day INTEGER, val INTEGER);",
  );
  const { cols, ev } = data;
  db.exec("BEGIN");
  const R = 50;
  const entRow = "(?,?,?,?,?,?,?,?,?,?,?,?)";
  for (let i = 0; i < data.n; i += R) {
    const m = Math.min(R, data.n - i);
    const params: unknown[] = [];
    for (let j = i; j < i + m; j++) {
      params.push(
        j,
        cols.extId[j],
        `c${cols.country[j]}`,
        `p${cols.plan[j]}`,
        `g${cols.gender[j]}`,
        `d${cols.device[j]}`,
        `city${cols.city[j]}`,
        cols.age[j],
        cols.income[j],
        cols.score[j],
        cols.active[j],
        cols.signup[j],
      );
    }
    db.insertMany(`INSERT INTO entities VALUES ${Array(m).fill(entRow).join(",")}`, params);
  }
  const E = 200;
  for (let i = 0; i < ev.entity.length; i += E) {
    const m = Math.min(E, ev.entity.length - i);
    const params: unknown[] = new Array(m * 4);
    for (let k = 0; k < m; k++) {
      params[4 * k] = ev.entity[i + k];
      params[4 * k + 1] = ev.col[i + k];
      params[4 * k + 2] = ev.day[i + k];
      params[4 * k + 3] = ev.val[i + k];
    }
    db.insertMany(`INSERT INTO events VALUES ${Array(m).fill("(?,?,?,?)").join(",")}`, params);
  }
  db.exec("COMMIT");
  const loadPlainMs = performance.now() - t;
  const big = "PRAGMA cache_size = -2000000; PRAGMA temp_store = MEMORY;"; // 2 GB page cache: warm, like the other in-memory peers
  db.exec(big);
  const variants: Variant[] = [{ label: "SQLite no idx", run: (q) => fromSql(q, db.rows(q.sql)) }];
  let idx: SqliteDb | null = null;
  let indexMs = 0;
  if (withIndexes) {
    db.close();
    copyFileSync(plain, indexed);
    db = (await openSqliteDb(plain)).db;
    db.exec(big);
    idx = (await openSqliteDb(indexed)).db;
    const ti = performance.now();
    idx.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + big);
    for (const s of SQLITE_INDEXES) idx.exec(s);
    idx.exec("ANALYZE");
    indexMs = performance.now() - ti;
    const withIdx = idx;
    variants.push({ label: "SQLite + idx", run: (q) => fromSql(q, withIdx.rows(q.sql)) });
  }
  const version = String(db.rows("SELECT sqlite_version()")[0]![0]);
  return {
    name: "sqlite",
    version: `SQLite ${version} (${driver})`,
    design: `file database, 2 GB page cache; "+ idx" adds ${SQLITE_INDEXES.map((s) => s.replace(/^CREATE INDEX \w+ ON /, "")).join(", ")} and ANALYZE (index build ${(indexMs / 1000).toFixed(1)} s)`,
    loadMs: loadPlainMs,
    variants,
    close() {
      db.close();
      idx?.close();
      for (const p of [plain, indexed]) rmSync(p, { force: true });
    },
  };
}

// --- ClickHouse (chDB) ------------------------------------------------------------------------------------

/** The slice of chdb's API used here: chdb is installed on demand (`npm run bench:setup`), not a dev dependency. */
interface ChdbModule {
  Session: new (path: string) => { query(sql: string, format?: string): string; cleanup(): void };
}

export async function chdb(data: Dataset, threads: number[] = [1, 2]): Promise<Peer | string> {
  let mod: ChdbModule;
  try {
    const specifier = "chdb"; // not a literal import: the type checker must not require the package
    mod = (await import(specifier)) as ChdbModule;
  } catch (err) {
    return `chDB skipped: chdb is not installed or libchdb does not load (${errorText(err)})`;
  }
  const path = join(data.dir, "chdb");
  rmSync(path, { recursive: true, force: true });
  const session = new mod.Session(path);
  const q = (sql: string, format = "JSONCompact") => session.query(sql, format);
  const t = performance.now();
  q(
    "CREATE TABLE entities (id UInt32, ext_id String, country LowCardinality(String), plan LowCardinality(String), gender LowCardinality(String)," +
      " device LowCardinality(String), city LowCardinality(String), age UInt8, income Int32, score UInt16, active UInt8, signup_day UInt16) ENGINE = MergeTree ORDER BY id",
    "CSV",
  );
  q("CREATE TABLE events (entity UInt32, col UInt8, day UInt16, val UInt16) ENGINE = MergeTree ORDER BY (col, val, entity)", "CSV");
  q(
    `INSERT INTO entities SELECT * FROM file('${resolve(data.entitiesCsv)}', 'CSVWithNames', 'id UInt32, ext_id String, country String, plan String, gender String, device String, city String, age UInt8, income Int32, score UInt16, active UInt8, signup_day UInt16')`,
    "CSV",
  );
  q(`INSERT INTO events SELECT * FROM file('${resolve(data.eventsCsv)}', 'CSVWithNames', 'entity UInt32, col UInt8, day UInt16, val UInt16')`, "CSV");
  q("OPTIMIZE TABLE entities FINAL", "CSV");
  q("OPTIMIZE TABLE events FINAL", "CSV");
  const loadMs = performance.now() - t;
  const version = (JSON.parse(q("SELECT version()")) as { data: string[][] }).data[0]![0]!;
  return {
    name: "chdb",
    version: `ClickHouse ${version} (chdb ${packageVersion("chdb")})`,
    design:
      "MergeTree tables in a session directory: entities ORDER BY id with LowCardinality(String) strings; events ORDER BY (col, val, entity) (a clustered index for the event queries); OPTIMIZE FINAL after load",
    loadMs,
    variants: threads.map((n) => ({
      label: `chDB ${n} thr`,
      run: (bq: BenchQuery) => {
        const out = JSON.parse(q(`${bq.sql} SETTINGS max_threads = ${n}, output_format_json_quote_64bit_integers = 0`)) as { data: unknown[][] };
        return fromSql(bq, out.data);
      },
    })),
    close() {
      session.cleanup();
      if (existsSync(path)) rmSync(path, { recursive: true, force: true });
    },
  };
}
