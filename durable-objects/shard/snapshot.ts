// A shard's storage as one versioned byte stream: every SQLite table (engine `ref_*`/`seg_*` and the
// shard's own `shard_*`), dumped inside one synchronous block and staged in fixed-size chunks, then
// validated and loaded back. Pure: it reaches storage only through the SnapshotSql it is given.
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

export const SNAPSHOT_MAGIC = "SLCDSNAP";
export const SNAPSHOT_FORMAT_VERSION = 1;
/** Where chunks wait between the synchronous dump and the asynchronous upload (and the reverse on restore). */
export const STAGE_TABLE = "shard_snapshot_stage";
const SQL_PARAMS_MAX = 100; // the DO's bound-parameter limit per statement

const TAG = { null: 0, integer: 1, real: 2, text: 3, blob: 4 } as const satisfies Record<SnapshotValue["t"], number>;
const MARK_TABLE = 0x54;
const MARK_ROW = 0x52;
const MARK_END = 0x45;
const MARK_TRAILER = 0x5a;

/** The slice of the DO's SqlStorage a snapshot needs: cursors are iterated lazily, row by row. */
export interface SnapshotSql {
  exec(query: string, ...bindings: unknown[]): Iterable<Record<string, unknown>> & { toArray(): Record<string, unknown>[]; raw(): Iterable<unknown[]> };
}

export class SnapshotFormatError extends Error {
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
export type SnapshotValue =
  | { t: "null" }
  | { t: "integer"; v: string }
  | { t: "real"; v: number }
  | { t: "text"; v: string }
  | { t: "blob"; v: Uint8Array };

export interface TableDef {
  name: string;
  seq: number; // sqlite_sequence value, -1 when the table has no AUTOINCREMENT entry
  statements: string[];
  columns: string[];
}

// ------------------------------------------------------------------------------------------------
// CRC-32, incremental (the engine's crc32 wants the whole buffer; a snapshot never is in memory).

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continues a CRC-32: start with 0, feed slices in order; the result is the zlib value. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
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

  constructor(private readonly chunkBytes: number, private readonly emit: (chunk: Uint8Array) => void) {
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

  row(values: SnapshotValue[]): void {
    this.u8(MARK_ROW);
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
    for (const s of statements) if (!/^CREATE (TABLE|(UNIQUE )?INDEX|TRIGGER)\b/i.test(s)) throw new SnapshotFormatError(`snapshot: table '${name}' carries a statement that is not a CREATE: ${s.slice(0, 60)}`);
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

// ------------------------------------------------------------------------------------------------
// Dump: every user table, read and staged in the caller's one synchronous transaction.

/** SQLite's own tables, the platform's (`_cf_*`), and the staging table never travel in a snapshot. */
export function isInternalTable(name: string): boolean {
  return /^(sqlite_|_cf_)/i.test(name) || name === STAGE_TABLE;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The tables a snapshot holds, in creation order, each with its schema statements and columns. */
export function listTables(sql: SnapshotSql): TableDef[] {
  const master = sql.exec(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid`).toArray();
  const seqs = new Map<string, number>();
  if (master.some((m) => m["name"] === "sqlite_sequence")) {
    for (const r of sql.exec(`SELECT name, seq FROM sqlite_sequence`).toArray()) seqs.set(String(r["name"]), Number(r["seq"]));
  }
  const defs: TableDef[] = [];
  for (const m of master) {
    const name = String(m["name"]);
    if (m["type"] !== "table" || isInternalTable(name)) continue;
    const statements = [String(m["sql"])];
    for (const x of master) if (x["type"] !== "table" && x["tbl_name"] === name) statements.push(String(x["sql"]));
    const columns = sql.exec(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, name).toArray().map((c) => String(c["name"]));
    defs.push({ name, seq: seqs.get(name) ?? -1, statements, columns });
  }
  return defs;
}

/**
 * Dumps every table through `writer`. Must run inside one synchronous block (no await) so the
 * snapshot is one consistent state of the shard even while writes keep arriving.
 */
export function dumpTables(sql: SnapshotSql, writer: SnapshotWriter, takenAt: number): SnapshotSummary {
  const defs = listTables(sql);
  writer.header(takenAt, defs.length);
  let total = 0;
  for (const def of defs) {
    writer.beginTable(def);
    // typeof() per column keeps the storage class; integers come out as text so none loses precision.
    const select = def.columns.map((c, i) => `typeof(${q(c)}) AS t${i}, CASE WHEN typeof(${q(c)}) = 'integer' THEN CAST(${q(c)} AS TEXT) ELSE ${q(c)} END AS v${i}`).join(", ");
    let rows = 0;
    for (const row of sql.exec(`SELECT ${select} FROM ${q(def.name)}`).raw()) {
      writer.u8(MARK_ROW);
      for (let i = 0; i < row.length; i += 2) writer.sqlValue(row[i], row[i + 1]);
      rows++;
    }
    writer.endTable(rows);
    total += rows;
  }
  writer.finish(defs.length);
  return { version: SNAPSHOT_FORMAT_VERSION, takenAt, tables: defs.length, rows: total, bytes: writer.bytes };
}

// ------------------------------------------------------------------------------------------------
// Load: replaces every user table with the snapshot's. The caller runs it in one transactionSync
// after the same bytes passed decodeSnapshot (so a failure here is rolled back, never half-applied).

export function loadTables(sql: SnapshotSql, next: () => Uint8Array | null, limits: DecodeLimits): SnapshotSummary {
  for (const def of listTables(sql)) sql.exec(`DROP TABLE IF EXISTS ${q(def.name)}`);
  let batch: SnapshotValue[][] = [];
  let current: TableDef | null = null;
  const flush = () => {
    if (!current || batch.length === 0) return;
    const cols = current.columns.map(q).join(", ");
    const tuples = batch.map((row) => `(${row.map(placeholder).join(", ")})`).join(", ");
    sql.exec(`INSERT INTO ${q(current.name)} (${cols}) VALUES ${tuples}`, ...batch.flat().map(binding));
    batch = [];
  };
  return decodeSnapshot(
    next,
    {
      table(def) {
        sql.exec(def.statements[0]!);
        current = def;
      },
      row(values) {
        batch.push(values);
        // Rows per INSERT: as many as fit the 100-parameter limit (a 100-column row goes alone).
        if ((batch.length + 1) * values.length > SQL_PARAMS_MAX) flush();
      },
      endTable(def) {
        flush();
        // Indexes and triggers after the rows: one build instead of one update per row.
        for (const s of def.statements.slice(1)) sql.exec(s);
        // AUTOINCREMENT's high-water mark may exceed the largest surviving key (the outbox prunes
        // its rows), so it travels explicitly; sqlite_sequence exists once such a table does.
        if (def.seq >= 0) {
          sql.exec(`DELETE FROM sqlite_sequence WHERE name = ?`, def.name);
          sql.exec(`INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, def.name, def.seq);
        }
        current = null;
      },
    },
    limits,
  );
}

function placeholder(v: SnapshotValue): string {
  if (v.t === "integer") return "CAST(? AS INTEGER)";
  if (v.t === "real") return "CAST(? AS REAL)";
  return "?";
}

function binding(v: SnapshotValue): unknown {
  return v.t === "null" ? null : v.v;
}

// ------------------------------------------------------------------------------------------------
// Staging: chunks of a snapshot kept in the DO's own SQLite between the synchronous and the
// asynchronous halves of a backup or a restore. Keyed by job so a backup and a restore never mix.

export function ensureStage(sql: SnapshotSql): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS ${STAGE_TABLE} (job TEXT NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (job, seq))`);
}

export function stageChunk(sql: SnapshotSql, job: string, seq: number, bytes: Uint8Array): void {
  sql.exec(`INSERT INTO ${STAGE_TABLE} (job, seq, bytes) VALUES (?, ?, ?)`, job, seq, bytes);
}

export function stagedChunk(sql: SnapshotSql, job: string, seq: number): Uint8Array | null {
  const row = sql.exec(`SELECT bytes FROM ${STAGE_TABLE} WHERE job = ? AND seq = ?`, job, seq).toArray()[0];
  if (!row) return null;
  const b = row["bytes"];
  return b instanceof Uint8Array ? b : new Uint8Array(b as ArrayBuffer);
}

/** A reader over one job's staged chunks, in order. */
export function stagedReader(sql: SnapshotSql, job: string): () => Uint8Array | null {
  let seq = 0;
  return () => stagedChunk(sql, job, seq++);
}

export function clearStage(sql: SnapshotSql, job: string | null): void {
  ensureStage(sql);
  if (job === null) sql.exec(`DELETE FROM ${STAGE_TABLE}`);
  else sql.exec(`DELETE FROM ${STAGE_TABLE} WHERE job = ?`, job);
}

/** Dumps the shard into staged chunks; call inside one transactionSync. */
export function stageDump(sql: SnapshotSql, job: string, takenAt: number, chunkBytes: number): SnapshotSummary & { chunks: number } {
  clearStage(sql, job);
  let seq = 0;
  const writer = new SnapshotWriter(chunkBytes, (chunk) => stageChunk(sql, job, seq++, chunk));
  const summary = dumpTables(sql, writer, takenAt);
  return { ...summary, chunks: seq };
}
