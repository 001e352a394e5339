// List-of-values columns (a set of values per entity) of any value kind: a dictionary and one
// bitmap per value per chunk, without the mutex clearing of latest-value columns. An equal value is
// kept once; for datetimes "equal" means the same instant, so a new text replaces the old one.
//
// Chunk payload (segment kind "column chunk", key (column, chunk)):
//   u8 layout = 3 | exists: u8 present, [container] | u32 value count, count x (u32 code, container)

import type { Scalar } from "../../contract/plan";
import { Bitmap } from "../bitmap/bitmap";
import { type Container, containerAdd, containerHas, containerHeapBytes, containerRemove, singleton } from "../bitmap/container";
import { andNotC } from "../bitmap/container-ops";
import { ByteWriter, FormatError } from "../format/bytes";
import { SegmentKind, frameSegment } from "../format/segment";
import { compareScalars } from "../../contract/value-test";
import type { SegKey } from "../store/blobs";
import type { Segment } from "../store/cache";
import type { AttrCodec, ColumnMeta, StoredValue } from "./codec";
import { type ShardIO, chunkKey, openChunkPayload } from "./column-base";
import { ChunkTail, TailOp, type TailedChunk } from "./chunk-tail";
import { readCodeContainers, readMaybeContainer, writeCodeContainers, writeMaybeContainer } from "./containers-io";
import { CodedColumn } from "./coded-column";
import type { ValueChunk } from "./value-bitmaps";

const LAYOUT = 3;

export class ListChunk implements Segment, ValueChunk, TailedChunk {
  readonly tail = new ChunkTail();

  constructor(
    readonly key: SegKey,
    public exists: Container | null,
    public values: Map<number, Container>,
  ) {}

  add(local: number, code: number): void {
    const c = this.values.get(code);
    this.values.set(code, c === undefined ? singleton(local) : containerAdd(c, local));
    this.exists = this.exists === null ? singleton(local) : containerAdd(this.exists, local);
    this.tail.record(TailOp.addCode, local, code);
  }

  removeValue(local: number, code: number): void {
    const c = this.values.get(code);
    if (c === undefined) return;
    const next = containerRemove(c, local);
    if (next === null) this.values.delete(code);
    else this.values.set(code, next);
    this.tail.record(TailOp.removeCode, local, code);
  }

  replay(op: number, local: number, value: number): void {
    if (op === TailOp.addCode) this.add(local, value);
    else if (op === TailOp.removeCode) this.removeValue(local, value);
    else throw new FormatError(`column ${this.key.a} chunk ${this.key.b}: tail operation ${op} is not a list column's`);
  }

  /** Drops every value of the entities in `sel`; answers how many values went. The base is rewritten (deletes are rare). */
  clearAll(sel: Container): number {
    this.tail.requireRewrite();
    let removed = 0;
    for (const [code, c] of [...this.values]) {
      const next = andNotC(c, sel);
      removed += c.n - (next?.n ?? 0);
      if (next === null) this.values.delete(code);
      else this.values.set(code, next);
    }
    this.exists = this.exists === null ? null : andNotC(this.exists, sel);
    return removed;
  }

  heapBytes(): number {
    let n = 96 + this.tail.heapBytes() + (this.exists === null ? 0 : containerHeapBytes(this.exists));
    for (const c of this.values.values()) n += 40 + containerHeapBytes(c);
    return n;
  }

  flush(write: (key: SegKey, framed: Uint8Array) => void, remove: (key: SegKey) => void): void {
    this.tail.flush(this.key, this.exists?.n ?? 0, () => this.encode(), write, remove);
  }

  encode(): Uint8Array {
    const w = new ByteWriter(1024);
    w.u8(LAYOUT);
    writeMaybeContainer(w, this.exists);
    writeCodeContainers(w, this.values);
    return frameSegment(SegmentKind.columnChunk, w.finish());
  }

  static decode(key: SegKey, framed: Uint8Array): ListChunk {
    const r = openChunkPayload(framed, LAYOUT, `column ${key.a} chunk ${key.b}`);
    const exists = readMaybeContainer(r);
    const values = readCodeContainers(r);
    return new ListChunk(key, exists, values);
  }
}

export class ListColumn extends CodedColumn<ListChunk> implements AttrCodec {
  readonly event = false;

  constructor(meta: ColumnMeta, io: ShardIO) {
    super(meta, io);
  }

  protected decodeChunk(framed: Uint8Array, chunk: number): ListChunk {
    return ListChunk.decode(chunkKey(this.meta.id, chunk), framed);
  }

  protected newChunk(chunk: number): ListChunk {
    return new ListChunk(chunkKey(this.meta.id, chunk), null, new Map());
  }

  put(id: number, value: Scalar, text: string | undefined): void {
    const dict = this.dictForWrite();
    const code = dict.intern(value, text);
    const ch = this.chunkForWrite(id >>> 16);
    const local = id & 0xffff;
    if (dict.type === "datetime" && typeof value === "number") {
      for (const other of dict.codesOfValue(value)) if (other !== code) ch.removeValue(local, other);
    }
    ch.add(local, code);
  }

  clear(ids: Bitmap): number {
    return this.clearIn(ids, (ch, selection) => ch.clearAll(selection));
  }

  valuesOf(ids: Uint32Array): StoredValue[][] {
    const dict = this.dict();
    return Array.from(ids, (id) => {
      const ch = this.chunk(id >>> 16);
      if (ch === null) return [];
      const local = id & 0xffff;
      const out: StoredValue[] = [];
      for (const [code, c] of ch.values) {
        if (!containerHas(c, local)) continue;
        const v: StoredValue = { value: dict.value(code) };
        const t = dict.texts[code];
        if (t !== undefined) v.text = t;
        out.push(v);
      }
      return out.sort((a, b) => compareScalars(a.value, b.value));
    });
  }

  sortValues(ids: Uint32Array, dir: "asc" | "desc"): Array<Scalar | null> {
    return this.valuesOf(ids).map((vs) => (vs.length === 0 ? null : dir === "asc" ? vs[0]!.value : vs[vs.length - 1]!.value));
  }
}
