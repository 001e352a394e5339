// Every read and write of the ref_ tables, plus the per-dimension in-memory cache (entities, then
// columns on first use). Writes go straight to SQLite and apply() invalidates the dimensions it
// touched, so the cache is never patched, and never trusted across a write or a rollback.

import type { Scalar } from "../../../contract/plan";
import type { SqlLike } from "../../engine";
import { SQL_BOUND_PARAMETERS_MAX } from "../../../contract/limits";
import type { AttrColumn, AttrValue, DimensionView, EventColumn, EventValue } from "./data";
import { scalarBytes } from "./data";
import type { ViewSource } from "./answers/source";
import { decodeScalar, encodeScalar, migrate } from "./schema";

/** Per-entity and per-value bookkeeping bytes of the cache estimate (map entries, objects). */
const ENTITY_BYTES = 64;
const VALUE_BYTES = 48;

/** One dimension's data, loaded lazily column by column. */
class CachedDimension implements DimensionView {
  readonly entities = new Map<number, string>();
  private readonly attrs = new Map<number, AttrColumn>();
  private readonly eventCols = new Map<number, EventColumn>();
  bytes = 0;

  constructor(
    private readonly sql: SqlLike,
    readonly dimension: string,
  ) {
    for (const r of sql.exec(`SELECT eid, ext FROM ref_entity WHERE dim = ? ORDER BY eid`, dimension).toArray()) {
      const ext = String(r.ext);
      this.entities.set(Number(r.eid), ext);
      this.bytes += ENTITY_BYTES + 2 * ext.length;
    }
  }

  attr(colId: number): AttrColumn {
    let column = this.attrs.get(colId);
    if (column === undefined) {
      const map = new Map<number, AttrValue[]>();
      const rows = this.sql
        .exec(
          `SELECT a.eid, a.vt, a.v, a.txt FROM ref_attr a JOIN ref_entity e ON e.eid = a.eid
           WHERE a.col = ? AND e.dim = ? ORDER BY a.eid, a.id`,
          colId,
          this.dimension,
        )
        .toArray();
      for (const r of rows) {
        const value: AttrValue = { value: decodeScalar(r.vt, r.v) };
        if (typeof r.txt === "string") value.text = r.txt;
        push(map, Number(r.eid), value);
        this.bytes += VALUE_BYTES + scalarBytes(value.value) + (value.text === undefined ? 0 : scalarBytes(value.text));
      }
      this.attrs.set(colId, (column = map));
    }
    return column;
  }

  events(colId: number): EventColumn {
    let column = this.eventCols.get(colId);
    if (column === undefined) {
      const map = new Map<number, EventValue[]>();
      const rows = this.sql
        .exec(
          `SELECT v.eid, v.vt, v.v, v.t FROM ref_event v JOIN ref_entity e ON e.eid = v.eid
           WHERE v.col = ? AND e.dim = ? ORDER BY v.eid, v.id`,
          colId,
          this.dimension,
        )
        .toArray();
      for (const r of rows) {
        const event: EventValue = { value: decodeScalar(r.vt, r.v), t: Number(r.t) };
        push(map, Number(r.eid), event);
        this.bytes += VALUE_BYTES + scalarBytes(event.value);
      }
      this.eventCols.set(colId, (column = map));
    }
    return column;
  }
}

function push<T>(map: Map<number, T[]>, key: number, item: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [item]);
  else list.push(item);
}

/** Deletes are batched under the platform's bound-parameter limit. */
const IN_BATCH = SQL_BOUND_PARAMETERS_MAX - 1;

export class ReferenceStore implements ViewSource {
  private readonly cache = new Map<string, CachedDimension>();

  constructor(private readonly sql: SqlLike) {
    migrate(sql);
  }

  // --- reads ---

  view(dimension: string): DimensionView {
    let dim = this.cache.get(dimension);
    if (dim === undefined) this.cache.set(dimension, (dim = new CachedDimension(this.sql, dimension)));
    return dim;
  }

  liveCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.sql.exec(`SELECT dim, COUNT(*) AS n FROM ref_entity GROUP BY dim`).toArray()) {
      out.set(String(r.dim), Number(r.n));
    }
    return out;
  }

  /** Estimated bytes of the stored rows, including a per-row allowance for keys and index entries. */
  storageBytes(): number {
    const r = this.sql
      .exec(
        `SELECT
           (SELECT COALESCE(SUM(2 * (length(dim) + length(ext)) + 24), 0) FROM ref_entity) +
           (SELECT COALESCE(SUM(2 * COALESCE(length(v), 0) + COALESCE(length(txt), 0) + 40), 0) FROM ref_attr) +
           (SELECT COALESCE(SUM(COALESCE(length(v), 0) + 48), 0) FROM ref_event) AS bytes`,
      )
      .one();
    return Number(r.bytes);
  }

  cachedBytes(): number {
    let n = 0;
    for (const d of this.cache.values()) n += d.bytes;
    return n;
  }

  invalidate(dimension: string): void {
    this.cache.delete(dimension);
  }

  dropCaches(): void {
    this.cache.clear();
  }

  // --- writes (callers invalidate the dimensions they touch) ---

  /** The entity's dense id, allocating one (a fresh entity) if the external id is not live. */
  entityId(dimension: string, ext: string): number {
    const found = this.sql.exec(`SELECT eid FROM ref_entity WHERE dim = ? AND ext = ?`, dimension, ext).toArray();
    if (found.length > 0) return Number(found[0]?.eid);
    return Number(this.sql.exec(`INSERT INTO ref_entity (dim, ext) VALUES (?, ?) RETURNING eid`, dimension, ext).one().eid);
  }

  /** Removes every value of one attribute column of one entity. */
  clearAttr(eid: number, colId: number): void {
    this.sql.exec(`DELETE FROM ref_attr WHERE col = ? AND eid = ?`, colId, eid);
  }

  /** Adds a value to an entity's column; an equal value already stored is kept once (its text refreshed). */
  addAttr(eid: number, colId: number, value: Scalar, text: string | undefined): void {
    const [vt, v] = encodeScalar(value);
    this.sql.exec(
      `INSERT INTO ref_attr (eid, col, vt, v, txt) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (col, eid, vt, v) DO UPDATE SET txt = excluded.txt`,
      eid,
      colId,
      vt,
      v,
      text ?? null,
    );
  }

  appendEvent(eid: number, colId: number, value: Scalar, t: number): void {
    const [vt, v] = encodeScalar(value);
    this.sql.exec(`INSERT INTO ref_event (eid, col, vt, v, t) VALUES (?, ?, ?, ?, ?)`, eid, colId, vt, v, t);
  }

  /** Removes entities with all their values and events; answers how many values and events went. */
  deleteEntities(eids: readonly number[]): number {
    let values = 0;
    for (let i = 0; i < eids.length; i += IN_BATCH) {
      const batch = eids.slice(i, i + IN_BATCH);
      const marks = batch.map(() => "?").join(", ");
      // Counted with SELECTs: the platform's rowsWritten is a billing figure that includes index writes.
      values += Number(this.sql.exec(`SELECT COUNT(*) AS n FROM ref_attr WHERE eid IN (${marks})`, ...batch).one().n);
      values += Number(this.sql.exec(`SELECT COUNT(*) AS n FROM ref_event WHERE eid IN (${marks})`, ...batch).one().n);
      this.sql.exec(`DELETE FROM ref_attr WHERE eid IN (${marks})`, ...batch);
      this.sql.exec(`DELETE FROM ref_event WHERE eid IN (${marks})`, ...batch);
      this.sql.exec(`DELETE FROM ref_entity WHERE eid IN (${marks})`, ...batch);
    }
    return values;
  }
}
