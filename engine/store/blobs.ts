// Segment rows in seg_blobs: framed bytes split into parts below SEGMENT_BYTES_MAX (the platform's
// 2 MB row limit, which local SQLite does not enforce), point and range reads that reassemble them.
// With a cipher every segment is sealed (store/sealed.ts) before it is split, and opened after reassembly.

import { SEGMENT_BYTES_MAX } from "../../contract/limits";
import type { SqlLike } from "../engine";
import { ENCRYPTION_META_KEY, ENCRYPTION_SCHEME, isSealed, openRow, sealRow, SegmentSealError, type SegmentCipher } from "./sealed";
import { getMeta, setMeta } from "./schema";

export interface SegKey {
  kind: number;
  a: number;
  b: number;
  c: number;
}

export function keyString(k: SegKey): string {
  return `${k.kind}:${k.a}:${k.b}:${k.c}`;
}

/** BLOBs come back as ArrayBuffer from Durable Objects and as Uint8Array from other drivers. */
function asBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new Error(`segment engine: expected a BLOB, got ${typeof v}`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class BlobStore {
  /** Once every segment is sealed (seg_meta), a plaintext row can only be a substitution: refused. */
  private sealedOnly: boolean;

  constructor(
    private readonly sql: SqlLike,
    private readonly cipher: SegmentCipher | null = null,
  ) {
    this.sealedOnly = getMeta(sql, ENCRYPTION_META_KEY) === ENCRYPTION_SCHEME;
  }

  /**
   * Migration to encryption: seals every segment written in plaintext before a cipher was configured,
   * then marks the shard sealed-only. Runs once, synchronously, in the caller's storage transaction.
   */
  sealLegacy(): void {
    if (this.cipher === null || this.sealedOnly) return;
    const keys = this.sql.exec(`SELECT DISTINCT kind, a, b, c FROM seg_blobs`).toArray();
    for (const r of keys) {
      const k: SegKey = { kind: Number(r.kind), a: Number(r.a), b: Number(r.b), c: Number(r.c) };
      const bytes = this.readRaw(k);
      if (bytes !== null && !isSealed(bytes)) this.write(k, bytes);
    }
    setMeta(this.sql, ENCRYPTION_META_KEY, ENCRYPTION_SCHEME);
    this.sealedOnly = true;
  }

  read(k: SegKey): Uint8Array | null {
    const bytes = this.readRaw(k);
    return bytes === null ? null : this.decode(k, bytes);
  }

  private readRaw(k: SegKey): Uint8Array | null {
    const rows = this.sql.exec(`SELECT bytes FROM seg_blobs WHERE kind = ? AND a = ? AND b = ? AND c = ? ORDER BY part`, k.kind, k.a, k.b, k.c).toArray();
    if (rows.length === 0) return null;
    return concat(rows.map((r) => asBytes(r.bytes)));
  }

  /** Stored bytes → framed segment: opens sealed rows, passes plaintext ones only before sealing began. */
  private decode(k: SegKey, stored: Uint8Array): Uint8Array {
    const id = keyString(k);
    if (isSealed(stored)) {
      if (this.cipher === null) throw new SegmentSealError(`segment ${id} is encrypted and this shard has no data key (is DATA_KEY_SECRET set?)`);
      return openRow(this.cipher, id, stored);
    }
    if (this.sealedOnly) throw new SegmentSealError(`segment ${id} is stored in plaintext in a shard whose segments are all encrypted: refused as tampered`);
    return stored;
  }

  private encode(k: SegKey, framed: Uint8Array): Uint8Array {
    if (this.cipher !== null) return sealRow(this.cipher, keyString(k), framed);
    if (this.sealedOnly) throw new SegmentSealError(`this shard's segments are encrypted and it has no data key (is DATA_KEY_SECRET set?): not writing plaintext`);
    return framed;
  }

  /** Every segment of (kind, a) with b in [bFrom, bTo], in key order: one range scan. */
  readRange(kind: number, a: number, bFrom: number, bTo: number): Array<{ key: SegKey; bytes: Uint8Array }> {
    const rows = this.sql.exec(`SELECT b, c, bytes FROM seg_blobs WHERE kind = ? AND a = ? AND b BETWEEN ? AND ? ORDER BY b, c, part`, kind, a, bFrom, bTo).toArray();
    return this.assemble(kind, a, rows);
  }

  /**
   * Every segment of (kind, a, b) with c in [cFrom, cTo], in key order. One b per statement: with a
   * range on b, SQLite would test c on every row of the range and read each row's BLOB to do so.
   */
  readCs(kind: number, a: number, b: number, cFrom: number, cTo: number): Array<{ key: SegKey; bytes: Uint8Array }> {
    const rows = this.sql.exec(`SELECT b, c, bytes FROM seg_blobs WHERE kind = ? AND a = ? AND b = ? AND c BETWEEN ? AND ? ORDER BY c, part`, kind, a, b, cFrom, cTo).toArray();
    return this.assemble(kind, a, rows);
  }

  private assemble(kind: number, a: number, rows: Record<string, unknown>[]): Array<{ key: SegKey; bytes: Uint8Array }> {
    const out: Array<{ key: SegKey; bytes: Uint8Array }> = [];
    let parts: Uint8Array[] = [];
    let cur: SegKey | null = null;
    for (const r of rows) {
      const b = Number(r.b);
      const c = Number(r.c);
      if (cur === null || cur.b !== b || cur.c !== c) {
        if (cur !== null) out.push({ key: cur, bytes: concat(parts) });
        cur = { kind, a, b, c };
        parts = [];
      }
      parts.push(asBytes(r.bytes));
    }
    if (cur !== null) out.push({ key: cur, bytes: concat(parts) });
    return out.map((s) => ({ key: s.key, bytes: this.decode(s.key, s.bytes) }));
  }

  /** Replaces the segment's rows; answers the stored byte count. */
  write(k: SegKey, framed: Uint8Array): number {
    const bytes = this.encode(k, framed);
    const parts = Math.max(1, Math.ceil(bytes.length / SEGMENT_BYTES_MAX));
    for (let p = 0; p < parts; p++) {
      const from = p * SEGMENT_BYTES_MAX;
      const to = Math.min(bytes.length, from + SEGMENT_BYTES_MAX);
      const piece = bytes.buffer.slice(bytes.byteOffset + from, bytes.byteOffset + to);
      this.sql.exec(
        `INSERT INTO seg_blobs (kind, a, b, c, part, bytes) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, a, b, c, part) DO UPDATE SET bytes = excluded.bytes`,
        k.kind,
        k.a,
        k.b,
        k.c,
        p,
        piece,
      );
    }
    this.sql.exec(`DELETE FROM seg_blobs WHERE kind = ? AND a = ? AND b = ? AND c = ? AND part >= ?`, k.kind, k.a, k.b, k.c, parts);
    return bytes.length;
  }

  remove(k: SegKey): void {
    this.sql.exec(`DELETE FROM seg_blobs WHERE kind = ? AND a = ? AND b = ? AND c = ?`, k.kind, k.a, k.b, k.c);
  }

  totalBytes(): number {
    return Number(this.sql.exec(`SELECT COALESCE(SUM(length(bytes)), 0) AS n FROM seg_blobs`).one().n);
  }
}
