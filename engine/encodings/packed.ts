// A bit-packed array of 65,536 unsigned codes (one per entity of a chunk): the forward index of
// dictionary-encoded columns. Width grows with the largest code stored; 0 means "no value".

import { ByteReader, ByteWriter, FormatError } from "../format/bytes";

export const CHUNK_SIZE = 65536;

export class PackedCodes {
  constructor(
    public width: number,
    public words: Uint32Array,
  ) {}

  static empty(): PackedCodes {
    return new PackedCodes(0, new Uint32Array(0));
  }

  get(i: number): number {
    const w = this.width;
    if (w === 0) return 0;
    const bit = i * w;
    const at = bit >>> 5;
    const off = bit & 31;
    let v = this.words[at]! >>> off;
    if (off + w > 32) v |= this.words[at + 1]! << (32 - off);
    return w === 32 ? v >>> 0 : v & ((1 << w) - 1);
  }

  set(i: number, code: number): void {
    if (code >= 2 ** this.width) this.widen(bitsFor(code));
    const w = this.width;
    if (w === 0) return;
    const bit = i * w;
    const at = bit >>> 5;
    const off = bit & 31;
    const mask = w === 32 ? 0xffffffff : (1 << w) - 1;
    this.words[at] = (this.words[at]! & ~(mask << off)) | ((code & mask) << off);
    if (off + w > 32) {
      const hiBits = off + w - 32;
      const hiMask = (1 << hiBits) - 1;
      this.words[at + 1] = (this.words[at + 1]! & ~hiMask) | ((code >>> (32 - off)) & hiMask);
    }
  }

  private widen(width: number): void {
    const next = new PackedCodes(width, new Uint32Array(((CHUNK_SIZE * width) >>> 5) + 1));
    if (this.width > 0)
      for (let i = 0; i < CHUNK_SIZE; i++) {
        const v = this.get(i);
        if (v !== 0) next.set(i, v);
      }
    this.width = width;
    this.words = next.words;
  }

  heapBytes(): number {
    return 32 + this.words.byteLength;
  }

  /** u8 width | u32 n | n words (trailing zero words are not stored: sparse chunks stay small). */
  write(w: ByteWriter): void {
    w.u8(this.width);
    if (this.width === 0) return;
    let n = this.words.length;
    while (n > 0 && this.words[n - 1] === 0) n--;
    w.u32(n);
    w.typed(this.words.subarray(0, n));
  }

  static read(r: ByteReader): PackedCodes {
    const width = r.u8();
    if (width > 32) throw new FormatError(`packed code width ${width} > 32`);
    if (width === 0) return PackedCodes.empty();
    const words = new Uint32Array(((CHUNK_SIZE * width) >>> 5) + 1);
    const n = r.u32();
    if (n > words.length) throw new FormatError(`packed codes of ${n} words exceed ${words.length}`);
    words.set(r.u32s(n));
    return new PackedCodes(width, words);
  }
}

export function bitsFor(v: number): number {
  return v === 0 ? 0 : 32 - Math.clz32(v);
}
