// The state of one shard as the segment engine holds it: dimensions and their live bitmaps, column
// metas and codecs, the entity map, the segment cache, and the end-of-apply flush that persists it
// all. Evaluation and answers (eval/, queries/) and mutations read and change it through here.

import { isEventType, valueKindOf, type ColumnRef } from "../contract/columns";
import type { SqlLike } from "./engine";
import { Bitmap } from "./bitmap/bitmap";
import { deserializePortable, serializePortable } from "./bitmap/portable";
import { RUN, unrun } from "./bitmap/container";
import { SegmentKind, frameSegment, unframeSegment } from "./format/segment";
import { BlobStore, type SegKey } from "./store/blobs";
import type { SegmentCipher } from "./store/sealed";
import { type Segment, SegmentCache } from "./store/cache";
import { EntityMap } from "./store/entities";
import { getMeta, migrate, setMeta } from "./store/schema";
import type { Codec, ColumnMeta } from "./encodings/codec";
import type { ShardIO } from "./encodings/column-base";
import { DictColumn } from "./encodings/dict-column";
import { EventColumn } from "./encodings/event-column";
import { ListColumn } from "./encodings/list-column";
import { NumberColumn } from "./encodings/number-column";

/** ColumnMeta.dim of a column written by entities of several dimensions. */
export const SHARED_DIM = -1;

/** A bitmap stored whole as one portable-roaring segment (live entities, tombstones). */
export class BitmapSegment implements Segment {
  constructor(
    readonly key: SegKey,
    public bitmap: Bitmap,
  ) {}

  heapBytes(): number {
    return this.bitmap.heapBytes();
  }

  flush(write: (key: SegKey, framed: Uint8Array) => void): void {
    write(this.key, frameSegment(this.key.kind as SegmentKind, serializePortable(this.bitmap.runOptimize())));
  }

  /** Runs are stored compactly but widened in memory (except full chunks), so hot loops meet bitsets. */
  static decode(key: SegKey, framed: Uint8Array): BitmapSegment {
    const b = deserializePortable(unframeSegment(framed, key.kind as SegmentKind));
    b.cs = b.cs.map((c) => (c.kind === RUN && c.n < 65536 ? unrun(c) : c));
    return new BitmapSegment(key, b);
  }
}

interface DimState {
  ord: number;
  name: string;
  live: number;
}

export class Shard implements ShardIO {
  readonly blobs: BlobStore;
  readonly cache: SegmentCache;
  readonly entities: EntityMap;
  epoch = 0;
  private dims = new Map<string, DimState>();
  private dimsByOrd = new Map<number, DimState>();
  private metas = new Map<number, ColumnMeta>();
  private codecs = new Map<number, Codec>();
  private dirtyMetas = new Set<ColumnMeta>();
  private dirtyDims = new Set<DimState>();
  nextId = 0;
  private nextIdDirty = false;

  constructor(
    readonly sql: SqlLike,
    cacheBytes: number,
    cipher: SegmentCipher | null = null, // encryption at rest (store/sealed.ts); null: plaintext segments
  ) {
    migrate(sql);
    this.blobs = new BlobStore(sql, cipher);
    this.blobs.sealLegacy(); // no-op without a cipher or once sealed
    this.cache = new SegmentCache(this.blobs, cacheBytes);
    this.entities = new EntityMap(sql);
    this.loadCore();
  }

  /** Reads the small always-resident state: dimensions, column metas, the id counter. */
  private loadCore(): void {
    this.dims.clear();
    this.dimsByOrd.clear();
    this.metas.clear();
    this.codecs.clear();
    this.dirtyMetas.clear();
    this.dirtyDims.clear();
    for (const r of this.sql.exec(`SELECT ord, name, live FROM seg_dims`).toArray()) {
      const d: DimState = { ord: Number(r.ord), name: String(r.name), live: Number(r.live) };
      this.dims.set(d.name, d);
      this.dimsByOrd.set(d.ord, d);
    }
    for (const r of this.sql.exec(`SELECT id, meta FROM seg_columns`).toArray()) {
      const meta = JSON.parse(String(r.meta)) as ColumnMeta;
      this.metas.set(meta.id, meta);
    }
    const next = getMeta(this.sql, "next_id");
    this.nextId = next === undefined ? 0 : Number(next);
    this.nextIdDirty = false;
  }

  /** Forgets everything cached (after a rollback, or on request); storage is the truth again. */
  reset(): void {
    this.cache.clear();
    this.entities.clear();
    this.epoch++;
    this.loadCore();
  }

  metaChanged(meta: ColumnMeta): void {
    this.dirtyMetas.add(meta);
  }

  // --- dimensions ---------------------------------------------------------------------------------

  dim(name: string): DimState | undefined {
    return this.dims.get(name);
  }

  dimForWrite(name: string): DimState {
    let d = this.dims.get(name);
    if (d === undefined) {
      let ord = 0;
      for (const o of this.dimsByOrd.keys()) ord = Math.max(ord, o + 1);
      d = { ord, name, live: 0 };
      this.sql.exec(`INSERT INTO seg_dims (ord, name, live) VALUES (?, ?, 0)`, ord, name);
      this.dims.set(name, d);
      this.dimsByOrd.set(ord, d);
    }
    return d;
  }

  allDims(): DimState[] {
    return [...this.dims.values()];
  }

  private liveKey(ord: number): SegKey {
    return { kind: SegmentKind.live, a: ord, b: 0, c: 0 };
  }

  private bitmapSegment(key: SegKey): BitmapSegment {
    const ks = `${key.kind}:${key.a}:${key.b}:${key.c}`;
    const seg = this.cache.get(ks, () => {
      const bytes = this.blobs.read(key);
      return bytes === null ? null : BitmapSegment.decode(key, bytes);
    });
    if (seg !== null) return seg;
    const fresh = new BitmapSegment(key, new Bitmap());
    this.cache.offer(ks, fresh);
    return fresh;
  }

  /** Live entities of a dimension (empty for an unknown one). Callers must not mutate it. */
  live(name: string): Bitmap {
    const d = this.dims.get(name);
    if (d === undefined) return new Bitmap();
    return this.bitmapSegment(this.liveKey(d.ord)).bitmap;
  }

  /** Replaces a dimension's live bitmap (the write path builds a new one). */
  setLive(d: DimState, bitmap: Bitmap): void {
    const key = this.liveKey(d.ord);
    this.cache.put(`${key.kind}:${key.a}:${key.b}:${key.c}`, new BitmapSegment(key, bitmap));
    d.live = bitmap.size;
    this.dirtyDims.add(d);
  }

  addTombstones(ids: Bitmap): void {
    const key: SegKey = { kind: SegmentKind.tombstones, a: 0, b: 0, c: 0 };
    const seg = this.bitmapSegment(key);
    this.cache.put(`${key.kind}:0:0:0`, new BitmapSegment(key, seg.bitmap.or(ids)));
  }

  // --- columns --------------------------------------------------------------------------------------

  /** The codec of a column with stored data, or null. */
  codec(ref: ColumnRef | number): Codec | null {
    const id = typeof ref === "number" ? ref : ref.id;
    let c = this.codecs.get(id);
    if (c !== undefined) return c;
    const meta = this.metas.get(id);
    if (meta === undefined) return null;
    c = makeCodec(meta, this);
    this.codecs.set(id, c);
    return c;
  }

  codecForWrite(ref: ColumnRef, dimOrd: number): Codec {
    const c = this.codec(ref);
    if (c !== null) {
      // The catalog gives every column one dimension; if entities of another write it anyway, the
      // column is marked shared (-1) so evaluation intersects with live entities and deletes purge it.
      if (c.meta.dim !== dimOrd && c.meta.dim !== SHARED_DIM) {
        c.meta.dim = SHARED_DIM;
        this.metaChanged(c.meta);
      }
      return c;
    }
    const meta: ColumnMeta = { id: ref.id, type: ref.type, storage: ref.storage, dim: dimOrd, scale: 0, chunks: [], buckets: [] };
    this.metas.set(ref.id, meta);
    this.dirtyMetas.add(meta);
    return this.codec(ref)!;
  }

  columnsOfDim(ord: number): Codec[] {
    const out: Codec[] = [];
    for (const meta of this.metas.values()) if (meta.dim === ord || meta.dim === SHARED_DIM) out.push(this.codec(meta.id)!);
    return out;
  }

  allocateIds(n: number): number {
    const first = this.nextId;
    this.nextId += n;
    this.nextIdDirty = true;
    return first;
  }

  // --- persistence -----------------------------------------------------------------------------------

  /** Writes every change of the current apply (inside the caller's transaction). */
  flush(): void {
    this.cache.flush();
    for (const meta of this.dirtyMetas) {
      this.sql.exec(`INSERT INTO seg_columns (id, meta) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET meta = excluded.meta`, meta.id, JSON.stringify(meta));
    }
    this.dirtyMetas.clear();
    for (const d of this.dirtyDims) this.sql.exec(`UPDATE seg_dims SET live = ? WHERE ord = ?`, d.live, d.ord);
    this.dirtyDims.clear();
    if (this.nextIdDirty) setMeta(this.sql, "next_id", this.nextId);
    this.nextIdDirty = false;
    this.epoch++;
  }

  /**
   * Keeps the cache inside its budget (between calls, so nothing in use is evicted). After writes the
   * entries are re-measured; reads only add entries (measured when paged in) or small derived views.
   */
  trim(remeasure: boolean): void {
    if (remeasure) this.cache.remeasure();
    this.cache.trim();
    this.epoch++;
  }

  storageBytes(): number {
    const ents = Number(this.sql.exec(`SELECT COALESCE(SUM(length(ext) + 16), 0) AS n FROM seg_entities`).one().n);
    return this.blobs.totalBytes() + ents;
  }
}

export function makeCodec(meta: ColumnMeta, io: ShardIO): Codec {
  if (isEventType(meta.type)) return new EventColumn(meta, io);
  if (meta.storage === "list-of-values") return new ListColumn(meta, io);
  const kind = valueKindOf(meta.type);
  if (kind === "number" || meta.type === "datetime") return new NumberColumn(meta, io);
  return new DictColumn(meta, io);
}
