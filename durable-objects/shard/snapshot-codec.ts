// The byte format of a shard snapshot: a streaming writer that emits fixed-size chunks, a reader that
// pulls them on demand, and a validating decoder. Every read is bounds-checked and the CRC (the
// engine's CRC-32, fed chunk by chunk) covers the whole stream, so damage is an error, never garbage.
//
// Byte format, version 1 (all integers little-endian; str = u32 byte length + UTF-8 bytes):
//
//   offset 0  ┌──────────────────────────────────────────────────────────────┐
//             │ magic "SLCDSNAP" (8 bytes: 53 4C 43 44 53 4E 41 50)          │
//          8  │ version u16 = 1          │ flags u16 = 0 (reserved)          │
//         12  │ taken-at f64 (ms since the epoch, when the dump began)       │
//         20  │ table count T u32                                            │
//             ├──────────────────────────────────────────────────────────────┤
//   T times   │ 'T' u8 (0x54) │ name str │ autoincrement seq f64 (-1: none)  │
//             │ statement count u16 │ str × count (CREATE TABLE first, then  │
//             │   its indexes and triggers, as sqlite_master holds them)     │
//             │ column count C u16 │ column name str × C                     │
//             │ rows: 'R' u8 (0x52) then C values, repeated                  │
//             │ 'E' u8 (0x45) │ row count u32 (cross-checks truncation)      │
//             ├──────────────────────────────────────────────────────────────┤
//   trailer   │ 'Z' u8 (0x5A) │ table count u32 │ crc32 u32 of every byte   │
//             │   before this crc field (IEEE, as zlib)                      │
//             └──────────────────────────────────────────────────────────────┘
//   value := tag u8 then: 0 null │ 1 integer i64 │ 2 real f64 │ 3 text str │ 4 blob u32 length + bytes
//
// Integers travel as i64 (read from SQLite as text, so values beyond 2^53 survive) and are written
// back with CAST(? AS INTEGER): the DO binds every JS number as REAL, which would change the type of
// values in untyped columns (`ref_attr.v`). The stream is cut into chunks of exactly `chunkBytes`
// (the last may be shorter) so that R2 multipart parts made of whole chunks are all the same size.

import { FormatError } from "../../engine/format/bytes";
import { crc32Update } from "../../engine/format/crc32";

export const SNAPSHOT_MAGIC = "SLCDSNAP";
export const SNAPSHOT_FORMAT_VERSION = 1;
/** Where chunks wait between the synchronous dump and the asynchronous upload (and the reverse on restore). */
export const STAGE_TABLE = "shard_snapshot_stage";

const TAG = { null: 0, integer: 1, real: 2, text: 3, blob: 4 } as const satisfies Record<SnapshotValue["t"], number>;
const MARK_TABLE = 0x54;
const MARK_ROW = 0x52;
const MARK_END = 0x45;
const MARK_TRAILER = 0x5a;

export class SnapshotFormatError extends FormatError {
  override name = "SnapshotFormatError";
}

export interface SnapshotSummary {
  version: number;
  takenAt: number;
  tables: number;
  rows: number;
  bytes: number;
}

/** A decoded value: integers stay decimal text so no precision is lost between dump and restore. */
export type SnapshotValue = { t: "null" } | { t: "integer"; v: string } | { t: "real"; v: number } | { t: "text"; v: string } | { t: "blob"; v: Uint8Array };

export interface TableDef {
  name: string;
  seq: number; // sqlite_sequence value, -1 when the table has no AUTOINCREMENT entry
  statements: string[];
  columns: string[];
}

// ------------------------------------------------------------------------------------------------
// Writer: fixed-size chunks out, CRC over everything but the CRC itself.

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export class SnapshotWriter {
  private readonly chunk: Uint8Array;
  private readonly view: DataView;
  private pos = 0;
  private crcPos = 0; // bytes of the current chunk before this are already in `crc`
  private crc = 0;
  private sealed = false; // after the CRC field is written nothing more is checksummed
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);
  bytes = 0;

  constructor(
    private readonly chunkBytes: number,
    private readonly emit: (chunk: Uint8Array) => void,
  ) {
    this.chunk = new Uint8Array(chunkBytes);
    this.view = new DataView(this.chunk.buffer);
  }

  write(src: Uint8Array): void {
    this.bytes += src.length;
    let off = 0;
    while (off < src.length) {
      const n = Math.min(this.chunkBytes - this.pos, src.length - off);
      this.chunk.set(src.subarray(off, off + n), this.pos);
      this.pos += n;
      off += n;
      if (this.pos === this.chunkBytes) this.flush();
    }
  }

  private checksum(): void {
    if (!this.sealed) this.crc = crc32Update(this.crc, this.chunk.subarray(this.crcPos, this.pos));
    this.crcPos = this.pos;
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.checksum();
    this.emit(this.chunk.slice(0, this.pos));
    this.pos = 0;
    this.crcPos = 0;
  }

  /** Scalars go straight into the chunk when they fit (the hot path), else through `write`. */
  private scalar(n: number, set: (view: DataView, at: number) => void): void {
    if (this.chunkBytes - this.pos > n) {
      set(this.view, this.pos);
      this.pos += n;
      this.bytes += n;
    } else {
      set(this.scratchView, 0);
      this.write(this.scratch.subarray(0, n));
    }
  }

  u8(v: number): void {
    if (this.chunkBytes - this.pos > 1) {
      this.chunk[this.pos++] = v;
      this.bytes++;
    } else this.scalar(1, (d, at) => d.setUint8(at, v));
  }
  u16(v: number): void {
    this.scalar(2, (d, at) => d.setUint16(at, v, true));
  }
  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new SnapshotFormatError(`snapshot: ${v} does not fit a u32`);
    this.scalar(4, (d, at) => d.setUint32(at, v, true));
  }
  f64(v: number): void {
    this.scalar(8, (d, at) => d.setFloat64(at, v, true));
  }
  i64(decimal: string): void {
    const big = BigInt(decimal);
    this.scalar(8, (d, at) => d.setBigInt64(at, big, true));
  }
  str(s: string): void {
    // UTF-8 is at most 3 bytes per UTF-16 unit: encode in place when that surely fits.
    if (this.chunkBytes - this.pos > 4 + 3 * s.length) {
      const { written } = utf8.encodeInto(s, this.chunk.subarray(this.pos + 4));
      this.view.setUint32(this.pos, written, true);
      this.pos += 4 + written;
      this.bytes += 4 + written;
      return;
    }
    const b = utf8.encode(s);
    this.u32(b.length);
    this.write(b);
  }

  header(takenAt: number, tables: number): void {
    this.write(utf8.encode(SNAPSHOT_MAGIC));
    this.u16(SNAPSHOT_FORMAT_VERSION);
    this.u16(0);
    this.f64(takenAt);
    this.u32(tables);
  }

  beginTable(def: TableDef): void {
    this.u8(MARK_TABLE);
    this.str(def.name);
    this.f64(def.seq);
    this.u16(def.statements.length);
    for (const s of def.statements) this.str(s);
    this.u16(def.columns.length);
    for (const c of def.columns) this.str(c);
  }

  /** Starts a row; its values follow (row() or one sqlValue() per column). */
  beginRow(): void {
    this.u8(MARK_ROW);
  }

  row(values: SnapshotValue[]): void {
    this.beginRow();
    for (const v of values) {
      this.u8(TAG[v.t]);
      if (v.t === "integer") this.i64(v.v);
      else if (v.t === "real") this.f64(v.v);
      else if (v.t === "text") this.str(v.v);
      else if (v.t === "blob") {
        this.u32(v.v.length);
        this.write(v.v);
      }
    }
  }

  /** One value straight from SQLite: its storage class (typeof) and value (integers as text). */
  sqlValue(type: unknown, v: unknown): void {
    switch (type) {
      case "null":
        return this.u8(TAG.null);
      case "integer":
        this.u8(TAG.integer);
        return this.i64(String(v));
      case "real":
        this.u8(TAG.real);
        return this.f64(Number(v));
      case "text":
        this.u8(TAG.text);
        return this.str(String(v));
      case "blob": {
        const b = v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer);
        this.u8(TAG.blob);
        this.u32(b.length);
        return this.write(b);
      }
      default:
        throw new SnapshotFormatError(`snapshot: SQLite returned an unknown storage class '${String(type)}'`);
    }
  }

  endTable(rows: number): void {
    this.u8(MARK_END);
    this.u32(rows);
  }

  /** Writes the trailer and emits the last (short) chunk. */
  finish(tables: number): void {
    this.u8(MARK_TRAILER);
    this.u32(tables);
    this.checksum();
    this.sealed = true;
    const crc = this.crc;
    this.u32(crc);
    this.flush();
  }
}

// ------------------------------------------------------------------------------------------------
// Reader: pulls chunks on demand; every read is bounds-checked so damage is an error, not garbage.

export class SnapshotReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.chunk.buffer);
  private pos = 0;
  private crcPos = 0;
  private crc = 0;
  private sealed = false;
  private base = 0; // stream offset of the current chunk

  /** `next` answers the next chunk, or null at the end of the stream. */
  constructor(private readonly next: () => Uint8Array | null) {}

  get consumed(): number {
    return this.base + this.pos;
  }

  private checksum(): void {
    if (!this.sealed) this.crc = crc32Update(this.crc, this.chunk.subarray(this.crcPos, this.pos));
    this.crcPos = this.pos;
  }

  private advance(wanted: number): void {
    this.checksum();
    const c = this.next();
    if (c === null) throw new SnapshotFormatError(`snapshot: truncated at byte ${this.consumed} (wanted ${wanted} more)`);
    this.base += this.chunk.length;
    this.chunk = c;
    this.view = new DataView(c.buffer, c.byteOffset, c.byteLength);
    this.pos = 0;
    this.crcPos = 0;
  }

  read(n: number): Uint8Array {
    if (this.chunk.length - this.pos >= n) {
      this.pos += n;
      return this.chunk.subarray(this.pos - n, this.pos);
    }
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      if (this.pos === this.chunk.length) {
        this.advance(n - off);
        continue;
      }
      const k = Math.min(n - off, this.chunk.length - this.pos);
      out.set(this.chunk.subarray(this.pos, this.pos + k), off);
      this.pos += k;
      off += k;
    }
    return out;
  }

  private at(n: number): { d: DataView; o: number } {
    if (this.chunk.length - this.pos >= n) {
      this.pos += n;
      return { d: this.view, o: this.pos - n };
    }
    return { d: new DataView(this.read(n).slice().buffer), o: 0 };
  }

  u8(): number {
    if (this.pos < this.chunk.length) return this.chunk[this.pos++]!;
    return this.read(1)[0]!;
  }
  u16(): number {
    const { d, o } = this.at(2);
    return d.getUint16(o, true);
  }
  u32(): number {
    const { d, o } = this.at(4);
    return d.getUint32(o, true);
  }
  f64(): number {
    const { d, o } = this.at(8);
    return d.getFloat64(o, true);
  }
  i64(): string {
    const { d, o } = this.at(8);
    return d.getBigInt64(o, true).toString();
  }
  str(limit: number): string {
    const n = this.u32();
    if (n > limit) throw new SnapshotFormatError(`snapshot: a string of ${n} bytes at byte ${this.consumed} exceeds ${limit}`);
    try {
      return utf8Strict.decode(this.read(n));
    } catch {
      throw new SnapshotFormatError(`snapshot: invalid UTF-8 before byte ${this.consumed}`);
    }
  }

  expect(marker: number, what: string): void {
    const got = this.u8();
    if (got !== marker) throw new SnapshotFormatError(`snapshot: expected ${what} at byte ${this.consumed - 1}, found 0x${got.toString(16)}`);
  }

  /** Reads the CRC field and checks it against every byte read before it; then nothing may follow. */
  verifyCrc(): void {
    this.checksum();
    this.sealed = true;
    const computed = this.crc;
    const stored = this.u32();
    if (stored !== computed) throw new SnapshotFormatError(`snapshot: checksum mismatch (stored ${hex32(stored)}, computed ${hex32(computed)})`);
    if (this.pos < this.chunk.length || this.next() !== null) throw new SnapshotFormatError("snapshot: bytes after the trailer");
  }
}

const hex32 = (n: number) => n.toString(16).padStart(8, "0");

// ------------------------------------------------------------------------------------------------
// Decoding a whole stream into callbacks (validation passes no-op callbacks; restore writes SQL).

export interface SnapshotVisitor {
  table(def: TableDef): void;
  row(values: SnapshotValue[]): void;
  endTable(def: TableDef, rows: number): void;
}

export interface DecodeLimits {
  rowBytesMax: number; // a row that could not be written back to the DO is refused up front
}

export function decodeSnapshot(next: () => Uint8Array | null, visitor: SnapshotVisitor, limits: DecodeLimits): SnapshotSummary {
  const r = new SnapshotReader(next);
  const magic = new TextDecoder().decode(r.read(8));
  if (magic !== SNAPSHOT_MAGIC) throw new SnapshotFormatError(`snapshot: bad magic '${magic}' (not a shard snapshot)`);
  const version = r.u16();
  if (version !== SNAPSHOT_FORMAT_VERSION) throw new SnapshotFormatError(`snapshot: format version ${version} is not supported (this build reads ${SNAPSHOT_FORMAT_VERSION})`);
  const flags = r.u16();
  if (flags !== 0) throw new SnapshotFormatError(`snapshot: unknown flags 0x${flags.toString(16)}`);
  const takenAt = r.f64();
  const tables = r.u32();
  let totalRows = 0;
  const seen = new Set<string>();
  for (let t = 0; t < tables; t++) {
    r.expect(MARK_TABLE, "a table section");
    const name = r.str(limits.rowBytesMax);
    if (isInternalTable(name)) throw new SnapshotFormatError(`snapshot: table '${name}' may not be restored`);
    if (seen.has(name)) throw new SnapshotFormatError(`snapshot: table '${name}' appears twice`);
    seen.add(name);
    const seq = r.f64();
    const statements = Array.from({ length: r.u16() }, () => r.str(limits.rowBytesMax));
    if (!/^CREATE TABLE\b/i.test(statements[0] ?? "")) throw new SnapshotFormatError(`snapshot: table '${name}' has no CREATE TABLE statement`);
    for (const s of statements)
      if (!/^CREATE (TABLE|(UNIQUE )?INDEX|TRIGGER)\b/i.test(s)) throw new SnapshotFormatError(`snapshot: table '${name}' carries a statement that is not a CREATE: ${s.slice(0, 60)}`);
    const columns = Array.from({ length: r.u16() }, () => r.str(limits.rowBytesMax));
    if (columns.length === 0) throw new SnapshotFormatError(`snapshot: table '${name}' has no columns`);
    const def: TableDef = { name, seq, statements, columns };
    visitor.table(def);
    let rows = 0;
    for (;;) {
      const mark = r.u8();
      if (mark === MARK_END) break;
      if (mark !== MARK_ROW) throw new SnapshotFormatError(`snapshot: expected a row or the end of table '${name}' at byte ${r.consumed - 1}, found 0x${mark.toString(16)}`);
      const start = r.consumed;
      const values = columns.map(() => readValue(r, limits.rowBytesMax));
      if (r.consumed - start > limits.rowBytesMax) throw new SnapshotFormatError(`snapshot: a row of table '${name}' has ${r.consumed - start} bytes; rows are limited to ${limits.rowBytesMax}`);
      visitor.row(values);
      rows++;
    }
    const declared = r.u32();
    if (declared !== rows) throw new SnapshotFormatError(`snapshot: table '${name}' declares ${declared} rows but holds ${rows}`);
    visitor.endTable(def, rows);
    totalRows += rows;
  }
  r.expect(MARK_TRAILER, "the trailer");
  const again = r.u32();
  if (again !== tables) throw new SnapshotFormatError(`snapshot: trailer counts ${again} tables, header ${tables}`);
  const bytes = r.consumed + 4;
  r.verifyCrc();
  return { version, takenAt, tables, rows: totalRows, bytes };
}

function readValue(r: SnapshotReader, limit: number): SnapshotValue {
  const tag = r.u8();
  switch (tag) {
    case TAG.null:
      return { t: "null" };
    case TAG.integer:
      return { t: "integer", v: r.i64() };
    case TAG.real:
      return { t: "real", v: r.f64() };
    case TAG.text:
      return { t: "text", v: r.str(limit) };
    case TAG.blob: {
      const n = r.u32();
      if (n > limit) throw new SnapshotFormatError(`snapshot: a blob of ${n} bytes exceeds ${limit}`);
      return { t: "blob", v: r.read(n) };
    }
    default:
      throw new SnapshotFormatError(`snapshot: unknown value tag ${tag} at byte ${r.consumed - 1}`);
  }
}

/** SQLite's own tables, the platform's (`_cf_*`), and the staging table never travel in a snapshot. */
export function isInternalTable(name: string): boolean {
  return /^(sqlite_|_cf_)/i.test(name) || name === STAGE_TABLE;
}
