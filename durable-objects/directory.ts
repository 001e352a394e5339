// The single object that lists every database (for the operator API and the hourly backup).

import { DurableObject } from "cloudflare:workers";
import type { DatabaseInfo } from "../contract/schema";

export class DirectoryDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS dir_databases (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, info TEXT NOT NULL)`);
  }

  async register(info: DatabaseInfo): Promise<void> {
    this.sql.exec(`INSERT OR IGNORE INTO dir_databases (id, created_at, info) VALUES (?, ?, ?)`, info.id, info.createdAt, JSON.stringify(info));
  }

  /** Replaces a listed database's description (a reshard published a new layout). */
  async update(info: DatabaseInfo): Promise<void> {
    this.sql.exec(`UPDATE dir_databases SET info = ? WHERE id = ?`, JSON.stringify(info), info.id);
  }

  async list(): Promise<DatabaseInfo[]> {
    return this.sql
      .exec(`SELECT info FROM dir_databases ORDER BY created_at, id`)
      .toArray()
      .map((r) => JSON.parse(r["info"] as string) as DatabaseInfo);
  }

  async get(id: string): Promise<DatabaseInfo | null> {
    const row = this.sql.exec(`SELECT info FROM dir_databases WHERE id = ?`, id).toArray()[0];
    return row ? (JSON.parse(row["info"] as string) as DatabaseInfo) : null;
  }

  async remove(id: string): Promise<boolean> {
    return this.sql.exec(`DELETE FROM dir_databases WHERE id = ?`, id).rowsWritten > 0;
  }
}

/** The one directory object. */
export const DIRECTORY_NAME = "directory";
