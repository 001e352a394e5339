// A SqlLike over Node's node:sqlite, behaving like a Durable Object's ctx.storage.sql where engines
// can tell: BLOBs read back as ArrayBuffer, one() demands exactly one row, ArrayBuffers bind as BLOBs,
// and transactionSync-style BEGIN/COMMIT/ROLLBACK around a callback. Shared by every engine test and
// benchmark; keep it generic.

import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { SqlCursorLike, SqlLike } from "../../../engine/engine";

export interface SqliteHarness {
  /** The underlying database (for assertions that need raw SQL). */
  db: DatabaseSync;
  sql: SqlLike;
  /** Runs fn in one transaction like ctx.storage.transactionSync: commit on return, rollback on throw. */
  transactionSync<T>(fn: () => T): T;
  close(): void;
}

/** Opens a database (default: a fresh in-memory one; pass a file path to share it between harnesses). */
export function openSqlite(path = ":memory:"): SqliteHarness {
  const db = new DatabaseSync(path);
  return { db, sql: sqlLikeOver(db), transactionSync: (fn) => transactionSync(db, fn), close: () => db.close() };
}

/** Adapts an open DatabaseSync to SqlLike. Prepared statements are cached per SQL text. */
export function sqlLikeOver(db: DatabaseSync): SqlLike {
  const statements = new Map<string, StatementSync>();
  const totalChanges = db.prepare("SELECT total_changes() AS n");
  const changesSoFar = (): number => Number((totalChanges.get() as { n: number | bigint }).n);
  return {
    exec(query: string, ...bindings: unknown[]): SqlCursorLike {
      const before = changesSoFar();
      let rows: Record<string, unknown>[];
      if (bindings.length === 0 && hasSeveralStatements(query)) {
        // ctx.storage.sql.exec accepts a script without bindings; node needs exec() for that.
        db.exec(query);
        rows = [];
      } else {
        let stmt = statements.get(query);
        if (stmt === undefined) statements.set(query, (stmt = db.prepare(query)));
        rows = (stmt.all(...(bindings.map(toSqlite) as never[])) as Record<string, unknown>[]).map(fromSqliteRow);
      }
      const rowsWritten = changesSoFar() - before;
      return {
        toArray: () => rows,
        one: () => {
          if (rows.length !== 1) throw new Error(`Expected exactly one result from SQL query, but got ${rows.length === 0 ? "no" : "multiple"} results.`);
          return rows[0]!;
        },
        rowsWritten,
      };
    },
  };
}

/** BEGIN / COMMIT, ROLLBACK and rethrow on error. */
export function transactionSync<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN");
  try {
    const out = fn();
    db.exec("COMMIT");
    return out;
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}

/** A ';' followed by more than whitespace outside quotes means a script of several statements. */
function hasSeveralStatements(query: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!;
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === "`") quote = c;
    else if (c === ";" && query.slice(i + 1).trim() !== "") return true;
  }
  return false;
}

function toSqlite(v: unknown): unknown {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (typeof v === "boolean") throw new TypeError("SQL bindings cannot be booleans (Durable Object storage rejects them too)");
  if (v === undefined) throw new TypeError("SQL bindings cannot be undefined");
  return v;
}

function fromSqliteRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = v instanceof Uint8Array ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v;
  }
  return out;
}
