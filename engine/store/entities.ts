// The external-id map in SQLite: (dimension ordinal, external id) ↔ dense entity id, with small LRU
// caches in front. Every statement stays under the platform's bound-parameter limit.

import { SQL_BOUND_PARAMETERS_MAX, ENTITY_ID_CACHE_ENTRIES_MAX, EXT_ORDER_ADDED_MAX } from "../../contract/limits";
import type { SqlLike } from "../engine";

const IN_BATCH = SQL_BOUND_PARAMETERS_MAX - 1;

/**
 * An approximate LRU in two generations: hits in the old generation are promoted, and when the young
 * one fills up it becomes the old one. O(1) per operation (evicting the front of one big Map is not:
 * V8 skips the deleted slots on every keys().next()).
 */
class Lru<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  constructor(private readonly cap: number) {}
  get(k: K): V | undefined {
    const v = this.young.get(k);
    if (v !== undefined) return v;
    const o = this.old.get(k);
    if (o !== undefined) this.set(k, o);
    return o;
  }
  set(k: K, v: V): void {
    this.young.set(k, v);
    if (this.young.size >= this.cap / 2) {
      this.old = this.young;
      this.young = new Map();
    }
  }
  delete(k: K): void {
    this.young.delete(k);
    this.old.delete(k);
  }
  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}

/**
 * A dimension's entities in external-id order (SQLite's, as every ordered read here) and each dense
 * id's position in it: `rank[id]`, for ids of the dimension (ids are dense per shard, across dimensions).
 * Entities created since it was read are listed in `added` (the pager merges them in by external id);
 * dense ids are allocated upwards and never reused, so they are exactly the ids >= rank.length.
 */
export interface ExtOrder {
  readonly ids: Uint32Array;
  readonly rank: Uint32Array;
  readonly added: readonly number[];
}

export class EntityMap {
  private readonly byExt = new Lru<string, number>(ENTITY_ID_CACHE_ENTRIES_MAX);
  private readonly byId = new Lru<number, string>(ENTITY_ID_CACHE_ENTRIES_MAX);
  /**
   * Built on demand (8 bytes per entity, outside the segment cache budget); kept while up to
   * EXT_ORDER_ADDED_MAX entities are created, dropped by any deletion.
   */
  private readonly orders = new Map<number, { ids: Uint32Array; rank: Uint32Array; added: number[] }>();
  /** Per dimension: paging work done without an ExtOrder since the dimension last changed (callers' cost units). */
  private readonly pagingWork = new Map<number, number>();

  constructor(private readonly sql: SqlLike) {}

  private static key(dim: number, ext: string): string {
    return `${dim}\u0000${ext}`;
  }

  /** Dense ids of the live external ids among `exts` (absent ones are missing from the answer). */
  lookup(dim: number, exts: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    const missing: string[] = [];
    for (const ext of new Set(exts)) {
      const id = this.byExt.get(EntityMap.key(dim, ext));
      if (id !== undefined) out.set(ext, id);
      else missing.push(ext);
    }
    for (let i = 0; i < missing.length; i += IN_BATCH) {
      const batch = missing.slice(i, i + IN_BATCH);
      const rows = this.sql.exec(`SELECT id, ext FROM seg_entities WHERE dim = ? AND ext IN (${batch.map(() => "?").join(",")})`, dim, ...batch).toArray();
      for (const r of rows) {
        const id = Number(r.id);
        const ext = String(r.ext);
        out.set(ext, id);
        this.remember(dim, ext, id);
      }
    }
    return out;
  }

  /** An (id, ext) row read from seg_entities, remembered in both caches. */
  private rememberRow(dim: number, r: Record<string, unknown>): [number, string] {
    const id = Number(r.id);
    const ext = String(r.ext);
    this.remember(dim, ext, id);
    return [id, ext];
  }

  private remember(dim: number, ext: string, id: number): void {
    this.byExt.set(EntityMap.key(dim, ext), id);
    this.byId.set(id, ext);
  }

  /** The dimension's external-id order if it is built. */
  extOrder(dim: number): ExtOrder | null {
    return this.orders.get(dim) ?? null;
  }

  /** Adds paging work done without the order; answers the total since the dimension last changed. */
  notePagingWork(dim: number, work: number): number {
    const total = (this.pagingWork.get(dim) ?? 0) + work;
    this.pagingWork.set(dim, total);
    return total;
  }

  /** Reads the dimension's ids in external-id order (one pass over the (dim, ext) index) and keeps them. */
  buildExtOrder(dim: number): ExtOrder {
    const rows = this.sql.exec(`SELECT id FROM seg_entities WHERE dim = ? ORDER BY ext`, dim).toArray();
    const ids = new Uint32Array(rows.length);
    let max = 0;
    for (let i = 0; i < rows.length; i++) {
      const id = Number(rows[i]!.id);
      ids[i] = id;
      if (id > max) max = id;
    }
    const rank = new Uint32Array(max + 1);
    for (let i = 0; i < ids.length; i++) rank[ids[i]!] = i;
    const order = { ids, rank, added: [] };
    this.orders.set(dim, order);
    return order;
  }

  /** New entities: the order lists them while it can (their ids are above every id it ranks). */
  private created(dim: number, ids: readonly number[]): void {
    const order = this.orders.get(dim);
    if (order === undefined || order.added.length + ids.length > EXT_ORDER_ADDED_MAX) this.changed(dim);
    else order.added.push(...ids);
  }

  private changed(dim: number): void {
    this.orders.delete(dim);
    this.pagingWork.delete(dim);
  }

  insert(dim: number, rows: ReadonlyArray<readonly [ext: string, id: number]>): void {
    if (rows.length > 0)
      this.created(
        dim,
        rows.map(([, id]) => id),
      );
    const per = Math.floor(SQL_BOUND_PARAMETERS_MAX / 3);
    for (let i = 0; i < rows.length; i += per) {
      const batch = rows.slice(i, i + per);
      const args: unknown[] = [];
      for (const [ext, id] of batch) args.push(id, dim, ext);
      this.sql.exec(`INSERT INTO seg_entities (id, dim, ext) VALUES ${batch.map(() => "(?,?,?)").join(",")}`, ...args);
      for (const [ext, id] of batch) this.remember(dim, ext, id);
    }
  }

  remove(dim: number, ids: ArrayLike<number>): void {
    if (ids.length > 0) this.changed(dim);
    const list = Array.from(ids);
    for (let i = 0; i < list.length; i += IN_BATCH) {
      const batch = list.slice(i, i + IN_BATCH);
      const rows = this.sql.exec(`SELECT ext FROM seg_entities WHERE id IN (${batch.map(() => "?").join(",")})`, ...batch).toArray();
      for (const r of rows) this.byExt.delete(EntityMap.key(dim, String(r.ext)));
      for (const id of batch) this.byId.delete(id);
      this.sql.exec(`DELETE FROM seg_entities WHERE id IN (${batch.map(() => "?").join(",")})`, ...batch);
    }
  }

  /** External ids of dense ids (all must exist). */
  extsOf(ids: ArrayLike<number>): Map<number, string> {
    const out = new Map<number, string>();
    const missing: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const ext = this.byId.get(id);
      if (ext !== undefined) out.set(id, ext);
      else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += IN_BATCH) {
      const batch = missing.slice(i, i + IN_BATCH);
      const rows = this.sql.exec(`SELECT id, ext FROM seg_entities WHERE id IN (${batch.map(() => "?").join(",")})`, ...batch).toArray();
      for (const r of rows) out.set(Number(r.id), String(r.ext));
    }
    return out;
  }

  /** Every (id, ext) of a dimension (entity-id tests that are not exact lookups). */
  all(dim: number): Array<[number, string]> {
    return this.sql
      .exec(`SELECT id, ext FROM seg_entities WHERE dim = ?`, dim)
      .toArray()
      .map((r) => [Number(r.id), String(r.ext)]);
  }

  /** Up to `limit` (id, ext) of a dimension in external-id order after (or before, descending) `from`. */
  ordered(dim: number, from: string | null, limit: number, desc: boolean): Array<[number, string]> {
    const rows =
      from === null
        ? this.sql.exec(`SELECT id, ext FROM seg_entities WHERE dim = ? ORDER BY ext ${desc ? "DESC" : "ASC"} LIMIT ?`, dim, limit)
        : this.sql.exec(`SELECT id, ext FROM seg_entities WHERE dim = ? AND ext ${desc ? "<" : ">"} ? ORDER BY ext ${desc ? "DESC" : "ASC"} LIMIT ?`, dim, from, limit);
    return rows.toArray().map((r) => [Number(r.id), String(r.ext)]);
  }

  /**
   * Rows [offset, offset + limit) of the entities `ids` (of dimension `dim`) in external-id order:
   * SQLite walks the (dim, ext) index and tests membership itself (the ids travel as one JSON
   * array, against the bound-parameter limit), so skipped rows never reach JS.
   */
  orderedAmong(dim: number, ids: Uint32Array, offset: number, limit: number, desc: boolean): Array<[number, string]> {
    const list = `[${ids.join(",")}]`;
    return this.sql
      .exec(
        `SELECT id, ext FROM seg_entities INDEXED BY seg_entities_ext WHERE dim = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY ext ${desc ? "DESC" : "ASC"} LIMIT ? OFFSET ?`,
        dim,
        list,
        limit,
        offset,
      )
      .toArray()
      .map((r) => this.rememberRow(dim, r));
  }

  /** Rows [offset, offset + limit) of a dimension in external-id order. */
  orderedPage(dim: number, offset: number, limit: number, desc: boolean): Array<[number, string]> {
    return this.sql
      .exec(`SELECT id, ext FROM seg_entities WHERE dim = ? ORDER BY ext ${desc ? "DESC" : "ASC"} LIMIT ? OFFSET ?`, dim, limit, offset)
      .toArray()
      .map((r) => this.rememberRow(dim, r));
  }

  clear(): void {
    this.byExt.clear();
    this.byId.clear();
    this.orders.clear();
    this.pagingWork.clear();
  }
}
