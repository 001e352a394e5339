// A shard's storage as one snapshot: every SQLite table (the engine's `seg_*` and the shard's own
// `shard_*`) dumped inside one synchronous block and staged in fixed-size chunks, then validated and
// loaded back. Pure: it reaches storage only through the SnapshotSql it is given. The byte format is
// snapshot-codec.ts.

import { SQL_BOUND_PARAMETERS_MAX } from "../../contract/limits";
import { decodeSnapshot, isInternalTable, SNAPSHOT_FORMAT_VERSION, SnapshotWriter, STAGE_TABLE, type DecodeLimits, type SnapshotSummary, type SnapshotValue, type TableDef } from "./snapshot-codec";

/** The slice of the DO's SqlStorage a snapshot needs: cursors are iterated lazily, row by row. */
export interface SnapshotSql {
  exec(query: string, ...bindings: unknown[]): Iterable<Record<string, unknown>> & { toArray(): Record<string, unknown>[]; raw(): Iterable<unknown[]> };
}

// ------------------------------------------------------------------------------------------------
// Dump: every user table, read and staged in the caller's one synchronous transaction.

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The tables a snapshot holds, in creation order, each with its schema statements and columns. */
export function listTables(sql: SnapshotSql): TableDef[] {
  const master = sql.exec(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid`).toArray();
  const seqs = new Map<string, number>();
  if (master.some((m) => m["name"] === "sqlite_sequence")) {
    for (const r of sql.exec(`SELECT name, seq FROM sqlite_sequence`).toArray()) seqs.set(String(r["name"]), Number(r["seq"]));
  }
  const defs: TableDef[] = [];
  for (const m of master) {
    const name = String(m["name"]);
    if (m["type"] !== "table" || isInternalTable(name)) continue;
    const statements = [String(m["sql"])];
    for (const x of master) if (x["type"] !== "table" && x["tbl_name"] === name) statements.push(String(x["sql"]));
    const columns = sql
      .exec(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, name)
      .toArray()
      .map((c) => String(c["name"]));
    defs.push({ name, seq: seqs.get(name) ?? -1, statements, columns });
  }
  return defs;
}

/**
 * Dumps every table through `writer`. Must run inside one synchronous block (no await) so the
 * snapshot is one consistent state of the shard even while writes keep arriving.
 */
export function dumpTables(sql: SnapshotSql, writer: SnapshotWriter, takenAt: number): SnapshotSummary {
  const defs = listTables(sql);
  writer.header(takenAt, defs.length);
  let total = 0;
  for (const def of defs) {
    writer.beginTable(def);
    // typeof() per column keeps the storage class; integers come out as text so none loses precision.
    const select = def.columns.map((c, i) => `typeof(${q(c)}) AS t${i}, CASE WHEN typeof(${q(c)}) = 'integer' THEN CAST(${q(c)} AS TEXT) ELSE ${q(c)} END AS v${i}`).join(", ");
    let rows = 0;
    for (const row of sql.exec(`SELECT ${select} FROM ${q(def.name)}`).raw()) {
      writer.beginRow();
      for (let i = 0; i < row.length; i += 2) writer.sqlValue(row[i], row[i + 1]);
      rows++;
    }
    writer.endTable(rows);
    total += rows;
  }
  writer.finish(defs.length);
  return { version: SNAPSHOT_FORMAT_VERSION, takenAt, tables: defs.length, rows: total, bytes: writer.bytes };
}

// ------------------------------------------------------------------------------------------------
// Load: replaces every user table with the snapshot's. The caller runs it in one transactionSync
// after the same bytes passed decodeSnapshot (so a failure here is rolled back, never half-applied).

export function loadTables(sql: SnapshotSql, next: () => Uint8Array | null, limits: DecodeLimits): SnapshotSummary {
  for (const def of listTables(sql)) sql.exec(`DROP TABLE IF EXISTS ${q(def.name)}`);
  let batch: SnapshotValue[][] = [];
  let current: TableDef | null = null;
  const flush = () => {
    if (!current || batch.length === 0) return;
    const cols = current.columns.map(q).join(", ");
    const tuples = batch.map((row) => `(${row.map(placeholder).join(", ")})`).join(", ");
    sql.exec(`INSERT INTO ${q(current.name)} (${cols}) VALUES ${tuples}`, ...batch.flat().map(binding));
    batch = [];
  };
  return decodeSnapshot(
    next,
    {
      table(def) {
        sql.exec(def.statements[0]!);
        current = def;
      },
      row(values) {
        batch.push(values);
        // Rows per INSERT: as many as fit the 100-parameter limit (a 100-column row goes alone).
        if ((batch.length + 1) * values.length > SQL_BOUND_PARAMETERS_MAX) flush();
      },
      endTable(def) {
        flush();
        // Indexes and triggers after the rows: one build instead of one update per row.
        for (const s of def.statements.slice(1)) sql.exec(s);
        // AUTOINCREMENT's high-water mark may exceed the largest surviving key (the outbox prunes
        // its rows), so it travels explicitly; sqlite_sequence exists once such a table does.
        if (def.seq >= 0) {
          sql.exec(`DELETE FROM sqlite_sequence WHERE name = ?`, def.name);
          sql.exec(`INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, def.name, def.seq);
        }
        current = null;
      },
    },
    limits,
  );
}

function placeholder(v: SnapshotValue): string {
  if (v.t === "integer") return "CAST(? AS INTEGER)";
  if (v.t === "real") return "CAST(? AS REAL)";
  return "?";
}

function binding(v: SnapshotValue): unknown {
  return v.t === "null" ? null : v.v;
}

// ------------------------------------------------------------------------------------------------
// Staging: chunks of a snapshot kept in the DO's own SQLite between the synchronous and the
// asynchronous halves of a backup or a restore. Keyed by job so a backup and a restore never mix.

export function ensureStage(sql: SnapshotSql): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS ${STAGE_TABLE} (job TEXT NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (job, seq))`);
}

export function stageChunk(sql: SnapshotSql, job: string, seq: number, bytes: Uint8Array): void {
  sql.exec(`INSERT INTO ${STAGE_TABLE} (job, seq, bytes) VALUES (?, ?, ?)`, job, seq, bytes);
}

export function stagedChunk(sql: SnapshotSql, job: string, seq: number): Uint8Array | null {
  const row = sql.exec(`SELECT bytes FROM ${STAGE_TABLE} WHERE job = ? AND seq = ?`, job, seq).toArray()[0];
  if (!row) return null;
  const b = row["bytes"];
  return b instanceof Uint8Array ? b : new Uint8Array(b as ArrayBuffer);
}

/** A reader over one job's staged chunks, in order. */
export function stagedReader(sql: SnapshotSql, job: string): () => Uint8Array | null {
  let seq = 0;
  return () => stagedChunk(sql, job, seq++);
}

export function clearStage(sql: SnapshotSql, job: string | null): void {
  ensureStage(sql);
  if (job === null) sql.exec(`DELETE FROM ${STAGE_TABLE}`);
  else sql.exec(`DELETE FROM ${STAGE_TABLE} WHERE job = ?`, job);
}

/** Dumps the shard into staged chunks; call inside one transactionSync. */
export function stageDump(sql: SnapshotSql, job: string, takenAt: number, chunkBytes: number): SnapshotSummary & { chunks: number } {
  clearStage(sql, job);
  let seq = 0;
  const writer = new SnapshotWriter(chunkBytes, (chunk) => stageChunk(sql, job, seq++, chunk));
  const summary = dumpTables(sql, writer, takenAt);
  return { ...summary, chunks: seq };
}
