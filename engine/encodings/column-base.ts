// What every chunked column encoding shares: paging its per-chunk segments and its dictionary
// through the shard's cache, creating chunks on first write, and keeping the column meta current.

import type { Bitmap } from "../bitmap/bitmap";
import type { Container } from "../bitmap/container";
import { ByteReader, FormatError } from "../format/bytes";
import { SegmentKind, unframeSegment } from "../format/segment";
import type { BlobStore, SegKey } from "../store/blobs";
import type { Segment, SegmentCache } from "../store/cache";
import type { ColumnMeta } from "./codec";
import { Dictionary } from "./dictionary";
import { keepsTail } from "./chunk-tail";

export interface ShardIO {
  readonly cache: SegmentCache;
  readonly blobs: BlobStore;
  /** A column's meta changed (new chunk, bucket or scale): persist it with the next flush. */
  metaChanged(meta: ColumnMeta): void;
  /**
   * Bumped whenever cached segments may have been flushed, evicted or dropped. Segments a column
   * fetched for writing in the current epoch are still cached and dirty, so it may keep using them.
   */
  readonly epoch: number;
}

export function chunkKey(col: number, chunk: number): SegKey {
  return { kind: SegmentKind.columnChunk, a: col, b: chunk, c: 0 };
}

export function chunkKeyString(col: number, chunk: number): string {
  return `${SegmentKind.columnChunk}:${col}:${chunk}:0`;
}

/** Sorted insert into a small sorted number list; answers whether it was new. */
export function insertSorted(list: number[], v: number): boolean {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] === v) return false;
  list.splice(lo, 0, v);
  return true;
}

/** Column chunk payloads open with a layout tag so a chunk can never be read by the wrong encoding. */
export function openChunkPayload(framed: Uint8Array, layout: number, what: string): ByteReader {
  const r = new ByteReader(unframeSegment(framed, SegmentKind.columnChunk));
  const tag = r.u8();
  if (tag !== layout) throw new FormatError(`${what}: chunk layout ${tag}, expected ${layout}`);
  return r;
}

export abstract class ChunkedColumn<C extends Segment> {
  private writeEpoch = -1;
  private readonly writeChunks = new Map<number, C>();
  private writeDict: Dictionary | null = null;

  constructor(
    readonly meta: ColumnMeta,
    protected readonly io: ShardIO,
  ) {}

  protected abstract decodeChunk(framed: Uint8Array, chunk: number): C;
  protected abstract newChunk(chunk: number): C;

  /** The chunk's segment, paged in when needed (a miss pages in every chunk of the column at once). */
  chunk(k: number): C | null {
    const key = chunkKeyString(this.meta.id, k);
    const cached = this.io.cache.get<C>(key, () => null);
    if (cached !== null) return cached;
    if (this.meta.chunks.indexOf(k) < 0) return null;
    // Chunks that keep tails (chunk-tail.ts: every encoding's) replay them.
    let tails: Map<number, Uint8Array[]> | null = null;
    for (const { key: sk, bytes } of this.io.blobs.readRange(SegmentKind.columnChunk, this.meta.id, 0, 2 ** 31)) {
      const ks = chunkKeyString(this.meta.id, sk.b);
      if (this.io.cache.has(ks)) continue;
      const c = this.decodeChunk(bytes, sk.b);
      if (keepsTail(c)) c.tail.loaded(c, (tails ??= this.tailsByChunk()).get(sk.b) ?? []);
      this.io.cache.offer(ks, c);
    }
    return this.io.cache.get<C>(key, () => null);
  }

  /** Every tail row of the column by chunk, in sequence order: one range scan. */
  private tailsByChunk(): Map<number, Uint8Array[]> {
    const out = new Map<number, Uint8Array[]>();
    for (const { key, bytes } of this.io.blobs.readRange(SegmentKind.columnTail, this.meta.id, 0, 2 ** 31)) {
      const list = out.get(key.b);
      if (list === undefined) out.set(key.b, [bytes]);
      else list.push(bytes);
    }
    return out;
  }

  /** Forgets write handles from an earlier epoch; answers whether they are still good. */
  protected writeHandlesValid(): boolean {
    if (this.writeEpoch === this.io.epoch) return true;
    this.writeEpoch = this.io.epoch;
    this.writeChunks.clear();
    this.writeDict = null;
    this.onNewEpoch();
    return false;
  }

  protected onNewEpoch(): void {}

  /** The chunk's segment for a write: created when absent, marked dirty. */
  chunkForWrite(k: number): C {
    if (this.writeHandlesValid()) {
      const c = this.writeChunks.get(k);
      if (c !== undefined) return c;
    }
    const c = this.fetchChunkForWrite(k);
    this.writeChunks.set(k, c);
    return c;
  }

  private fetchChunkForWrite(k: number): C {
    const key = chunkKeyString(this.meta.id, k);
    let c = this.chunk(k);
    if (c === null) {
      c = this.newChunk(k);
      this.io.cache.put(key, c);
      if (insertSorted(this.meta.chunks, k)) this.io.metaChanged(this.meta);
    } else this.io.cache.markDirty(key);
    return c;
  }

  /**
   * Clears the entities of `ids` in every chunk that exists (a chunk with no data has nothing to
   * clear, so none is created); `clearChunk` clears one chunk's selection and says how many values
   * went. Answers the total.
   */
  protected clearIn(ids: Bitmap, clearChunk: (chunk: C, selection: Container) => number): number {
    let n = 0;
    for (let i = 0; i < ids.keys.length; i++) {
      const k = ids.keys[i]!;
      if (this.chunk(k) !== null) n += clearChunk(this.chunkForWrite(k), ids.cs[i]!);
    }
    return n;
  }

  /** Chunk k's segment built a derived structure: the cache re-measures it (and may evict past its budget). */
  protected grew(k: number): void {
    this.io.cache.remeasureOne(chunkKeyString(this.meta.id, k));
  }

  /** Chunks of `within` that this column has data for, with within's container. */
  protected *overlap(within: Bitmap): Generator<[number, C, Container]> {
    for (let i = 0; i < within.keys.length; i++) {
      const k = within.keys[i]!;
      const c = this.chunk(k);
      if (c !== null) yield [k, c, within.cs[i]!];
    }
  }

  dict(): Dictionary {
    const key = `${SegmentKind.dictionary}:${this.meta.id}`;
    return this.io.cache.get(key, () => Dictionary.load(this.io.blobs, this.meta.id, this.meta.type))!;
  }

  /** The dictionary for a write (marked dirty so new entries get flushed). */
  dictForWrite(): Dictionary {
    if (this.writeHandlesValid() && this.writeDict !== null) return this.writeDict;
    const d = this.dict();
    this.io.cache.markDirty(`${SegmentKind.dictionary}:${this.meta.id}`);
    this.writeDict = d;
    return d;
  }
}
