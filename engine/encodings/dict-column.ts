// Latest-value columns of text, boolean and date values: a dictionary, a bit-packed forward array
// (entity → code) per chunk and one bitmap per value per chunk (Pilosa's "mutex" field). The forward
// array finds the old value to clear on overwrite; filters are unions of value bitmaps.
//
// Chunk payload (segment kind "column chunk", key (column, chunk)):
//   u8 layout = 1 | forward: u8 width, [u32 n, n words of the packed codes, trailing zero words cut] |
//   exists: u8 present, [container] | u32 value count, count x (u32 code, container)

import type { Scalar } from "../../contract/plan";
import { Bitmap } from "../bitmap/bitmap";
import { type Container, containerAdd, containerHeapBytes, containerRemove, singleton, BITSET, forEachInWords, ARRAY } from "../bitmap/container";
import { ByteWriter, FormatError } from "../format/bytes";
import { SegmentKind, frameSegment } from "../format/segment";
import type { SegKey } from "../store/blobs";
import type { Segment } from "../store/cache";
import type { AttrCodec, ColumnMeta, StoredValue } from "./codec";
import { type ShardIO, chunkKey, openChunkPayload } from "./column-base";
import { ChunkTail, TailOp, type TailedChunk } from "./chunk-tail";
import { readCodeContainers, readMaybeContainer, writeCodeContainers, writeMaybeContainer } from "./containers-io";
import { PackedCodes } from "./packed";
import { CodedColumn } from "./coded-column";
import type { ValueChunk } from "./value-bitmaps";

const LAYOUT = 1;

export class DictChunk implements Segment, ValueChunk, TailedChunk {
  readonly tail = new ChunkTail();

  constructor(
    readonly key: SegKey,
    public fwd: PackedCodes,
    public exists: Container | null,
    public values: Map<number, Container>,
  ) {}

  /** Sets the entity's code; answers the previous one (0: none). */
  set(local: number, code: number): number {
    const old = this.fwd.get(local);
    if (old === code) return old;
    if (old !== 0) this.removeFromValue(old, local);
    const c = this.values.get(code);
    this.values.set(code, c === undefined ? singleton(local) : containerAdd(c, local));
    this.fwd.set(local, code);
    this.exists = this.exists === null ? singleton(local) : containerAdd(this.exists, local);
    this.tail.record(TailOp.setCode, local, code);
    return old;
  }

  clear(local: number): number {
    const old = this.fwd.get(local);
    if (old === 0) return 0;
    this.removeFromValue(old, local);
    this.fwd.set(local, 0);
    this.exists = this.exists === null ? null : containerRemove(this.exists, local);
    this.tail.record(TailOp.clear, local, 0);
    return old;
  }

  replay(op: number, local: number, value: number): void {
    if (op === TailOp.setCode) this.set(local, value);
    else if (op === TailOp.clear) this.clear(local);
    else throw new FormatError(`column ${this.key.a} chunk ${this.key.b}: tail operation ${op} is not a text/boolean/date column's`);
  }

  private removeFromValue(code: number, local: number): void {
    const c = this.values.get(code);
    if (c === undefined) return;
    const next = containerRemove(c, local);
    if (next === null) this.values.delete(code);
    else this.values.set(code, next);
  }

  heapBytes(): number {
    let n = 96 + this.tail.heapBytes() + this.fwd.heapBytes() + (this.exists === null ? 0 : containerHeapBytes(this.exists));
    for (const c of this.values.values()) n += 40 + containerHeapBytes(c);
    return n;
  }

  encode(): Uint8Array {
    const w = new ByteWriter(1024 + this.fwd.words.byteLength);
    w.u8(LAYOUT);
    this.fwd.write(w);
    writeMaybeContainer(w, this.exists);
    writeCodeContainers(w, this.values);
    return frameSegment(SegmentKind.columnChunk, w.finish());
  }

  flush(write: (key: SegKey, framed: Uint8Array) => void, remove: (key: SegKey) => void): void {
    this.tail.flush(this.key, this.exists?.n ?? 0, () => this.encode(), write, remove);
  }

  static decode(key: SegKey, framed: Uint8Array): DictChunk {
    const r = openChunkPayload(framed, LAYOUT, `column ${key.a} chunk ${key.b}`);
    const fwd = PackedCodes.read(r);
    const exists = readMaybeContainer(r);
    const values = readCodeContainers(r);
    return new DictChunk(key, fwd, exists, values);
  }
}

export class DictColumn extends CodedColumn<DictChunk> implements AttrCodec {
  readonly event = false;

  constructor(meta: ColumnMeta, io: ShardIO) {
    super(meta, io);
  }

  protected decodeChunk(framed: Uint8Array, chunk: number): DictChunk {
    return DictChunk.decode(chunkKey(this.meta.id, chunk), framed);
  }

  protected newChunk(chunk: number): DictChunk {
    return new DictChunk(chunkKey(this.meta.id, chunk), PackedCodes.empty(), null, new Map());
  }

  put(id: number, value: Scalar, text: string | undefined): void {
    const code = this.dictForWrite().intern(value, text);
    this.chunkForWrite(id >>> 16).set(id & 0xffff, code);
  }

  clear(ids: Bitmap): number {
    return this.clearIn(ids, (ch, selection) => countLocal(selection, (local) => ch.clear(local) !== 0));
  }

  valuesOf(ids: Uint32Array): StoredValue[][] {
    const dict = this.dict();
    return Array.from(ids, (id) => {
      const code = this.chunk(id >>> 16)?.fwd.get(id & 0xffff) ?? 0;
      if (code === 0) return [];
      const v: StoredValue = { value: dict.value(code) };
      const t = dict.texts[code];
      if (t !== undefined) v.text = t;
      return [v];
    });
  }

  sortValues(ids: Uint32Array): Array<Scalar | null> {
    const dict = this.dict();
    return Array.from(ids, (id) => {
      const code = this.chunk(id >>> 16)?.fwd.get(id & 0xffff) ?? 0;
      return code === 0 ? null : dict.value(code);
    });
  }
}

/** Calls fn for each 16-bit value of a container. */
export function forEachLocal(c: Container, fn: (v: number) => void): void {
  if (c.kind === BITSET) forEachInWords(c.words, fn);
  else if (c.kind === ARRAY) for (let i = 0; i < c.n; i++) fn(c.data[i]!);
  else
    for (let r = 0; r < c.nRuns; r++) {
      const s = c.runs[2 * r]!;
      const e = s + c.runs[2 * r + 1]!;
      for (let v = s; v <= e; v++) fn(v);
    }
}

/** How many members of `c` the predicate holds for (it runs on each, in order). */
export function countLocal(c: Container, holds: (v: number) => boolean): number {
  let n = 0;
  forEachLocal(c, (v) => {
    if (holds(v)) n++;
  });
  return n;
}
