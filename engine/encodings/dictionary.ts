// A column's value dictionary: dense codes (from 1; 0 = no value) ↔ stored values, with the display
// text of each. Append-only, stored as pages of DICT_PAGE_CODES entries so a write rewrites only the
// last page. Datetimes are keyed by their text (what answers show); everything else by value.
//
// Page payload (inside the segment envelope, kind "dictionary", key (column, page)):
//   u32 first code | u32 count | count x entry
//   entry = u8 tag (0 text, 1 number, 2 false, 3 true) | value (text: varint length + UTF-8;
//           number: f64) | u8 has-text | [text: varint length + UTF-8]

import type { ColumnType } from "../../contract/columns";
import type { Scalar } from "../../contract/plan";
import { displayValue, isoDateTime } from "../../contract/values";
import { ByteReader, ByteWriter, FormatError } from "../format/bytes";
import { SegmentKind, frameSegment, unframeSegment } from "../format/segment";
import type { BlobStore, SegKey } from "../store/blobs";
import type { Segment } from "../store/cache";

export const DICT_PAGE_CODES = 4096;

export class Dictionary implements Segment {
  readonly values: Scalar[] = [false];
  readonly texts: Array<string | undefined> = [undefined];
  private readonly index = new Map<Scalar, number>();
  private byValue: Map<number, number[]> | null = null;
  private dirtyFrom = Infinity;
  private bytes = 64;

  constructor(
    readonly col: number,
    readonly type: ColumnType,
  ) {}

  /** Number of codes handed out plus one (code 0). */
  get size(): number {
    return this.values.length;
  }

  private keyOf(value: Scalar, text: string | undefined): Scalar {
    if (this.type === "datetime") return text ?? (typeof value === "number" ? isoDateTime(value) : String(value));
    return value;
  }

  lookup(value: Scalar, text?: string): number {
    return this.index.get(this.keyOf(value, text)) ?? 0;
  }

  /** The code of (value, text), adding an entry when new. */
  intern(value: Scalar, text?: string): number {
    const key = this.keyOf(value, text);
    const found = this.index.get(key);
    if (found !== undefined) return found;
    const code = this.values.length;
    this.values.push(value);
    this.texts.push(this.type === "datetime" ? text : undefined);
    this.index.set(key, code);
    if (this.byValue !== null && typeof value === "number") pushTo(this.byValue, value, code);
    this.bytes += 48 + (typeof value === "string" ? 2 * value.length : 8) + (text === undefined ? 0 : 2 * text.length);
    if (code < this.dirtyFrom) this.dirtyFrom = code;
    return code;
  }

  /** Codes whose value equals `value` (datetimes can have several texts for one instant). */
  codesOfValue(value: number): readonly number[] {
    if (this.byValue === null) {
      this.byValue = new Map();
      for (let c = 1; c < this.values.length; c++) {
        const v = this.values[c];
        if (typeof v === "number") pushTo(this.byValue, v, c);
      }
    }
    return this.byValue.get(value) ?? [];
  }

  value(code: number): Scalar {
    return this.values[code]!;
  }

  display(code: number): string {
    return displayValue(this.type, this.values[code]!, this.texts[code]);
  }

  heapBytes(): number {
    return this.bytes;
  }

  flush(write: (key: SegKey, framed: Uint8Array) => void): void {
    if (this.dirtyFrom === Infinity) return;
    const firstPage = Math.floor(Math.max(1, this.dirtyFrom) / DICT_PAGE_CODES);
    const lastPage = Math.floor((this.values.length - 1) / DICT_PAGE_CODES);
    for (let p = firstPage; p <= lastPage; p++) {
      const from = Math.max(1, p * DICT_PAGE_CODES);
      const to = Math.min(this.values.length, (p + 1) * DICT_PAGE_CODES);
      const w = new ByteWriter(64 + 16 * (to - from));
      w.u32(from);
      w.u32(to - from);
      for (let c = from; c < to; c++) writeEntry(w, this.values[c]!, this.texts[c]);
      write(dictKey(this.col, p), frameSegment(SegmentKind.dictionary, w.finish()));
    }
    this.dirtyFrom = Infinity;
  }

  static load(blobs: BlobStore, col: number, type: ColumnType): Dictionary {
    const d = new Dictionary(col, type);
    for (const { bytes } of blobs.readRange(SegmentKind.dictionary, col, 0, 2 ** 31)) {
      const r = new ByteReader(unframeSegment(bytes, SegmentKind.dictionary));
      const first = r.u32();
      const count = r.u32();
      if (first !== d.values.length) throw new FormatError(`dictionary page of column ${col} starts at code ${first}, expected ${d.values.length}`);
      for (let i = 0; i < count; i++) {
        const [value, text] = readEntry(r);
        const code = d.intern(value, text);
        if (code !== first + i) throw new FormatError(`dictionary of column ${col} repeats an entry at code ${first + i}`);
      }
      if (r.remaining !== 0) throw new FormatError(`trailing bytes in a dictionary page of column ${col}`);
    }
    d.dirtyFrom = Infinity;
    return d;
  }
}

export function dictKey(col: number, page: number): SegKey {
  return { kind: SegmentKind.dictionary, a: col, b: page, c: 0 };
}

function pushTo(m: Map<number, number[]>, k: number, v: number): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}

function writeEntry(w: ByteWriter, value: Scalar, text: string | undefined): void {
  if (typeof value === "string") {
    w.u8(0);
    w.str(value);
  } else if (typeof value === "number") {
    w.u8(1);
    w.f64(value);
  } else w.u8(value ? 3 : 2);
  if (text === undefined) w.u8(0);
  else {
    w.u8(1);
    w.str(text);
  }
}

function readEntry(r: ByteReader): [Scalar, string | undefined] {
  const tag = r.u8();
  let value: Scalar;
  if (tag === 0) value = r.str();
  else if (tag === 1) value = r.f64();
  else if (tag === 2 || tag === 3) value = tag === 3;
  else throw new FormatError(`bad dictionary value tag ${tag}`);
  const hasText = r.u8();
  if (hasText > 1) throw new FormatError(`bad dictionary text flag ${hasText}`);
  return [value, hasText === 1 ? r.str() : undefined];
}
