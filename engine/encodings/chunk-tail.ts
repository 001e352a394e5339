// Column chunks (every attribute encoding's, and event columns' existence chunks) written as a base
// plus tails. Rewriting a column's whole 2^16-entity chunk on every flush (re-encoding, checksumming
// and, deployed, encrypting ~0.1 MB) made the fixed cost of an apply call (docs/capacity.md); now a
// flush stores only the chunk's changes since the previous one, as one small tail row of operations,
// and rewrites the base (dropping the tail rows) only when the tails have grown: COLUMN_TAIL_ROWS_MAX
// rows, or more operations than COLUMN_TAIL_OPS_MIN and a quarter of the chunk's entities. Paging a
// chunk in decodes its base and replays its tails in order through the chunk's own write methods, so
// a replayed chunk is the chunk that was written.
//
// Tail payload (segment kind "column tail", key (column, chunk, sequence)):
//   u8 layout = 1 | u32 n | n x (u8 op, u16 local, f64 value)

import { COLUMN_TAIL_OPS_MIN, COLUMN_TAIL_ROWS_MAX } from "../../contract/limits";
import { ByteReader, ByteWriter, FormatError } from "../format/bytes";
import { SegmentKind, frameSegment, unframeSegment } from "../format/segment";
import type { SegKey } from "../store/blobs";

const TAIL_LAYOUT = 1;
const OP_BYTES = 11;

/** What a tail operation does; each chunk class replays the ones it records. */
export const TailOp = {
  /** Latest-value code (DictChunk.set). */
  setCode: 1,
  /** Removes the entity's value (DictChunk.clear, BsiChunk.clear). */
  clear: 2,
  /** Adds a code to the entity's set (ListChunk.add). */
  addCode: 3,
  /** Removes one code from the entity's set (ListChunk.removeValue). */
  removeCode: 4,
  /** Stores a scaled integer (BsiChunk.setInt). */
  setInt: 5,
  /** Stores a value without an exact scaled form (BsiChunk.setOdd). */
  setOdd: 6,
  /** A datetime's forward code (BsiChunk.setForward). */
  setForward: 7,
  /** The entity has an event (EventExistsChunk.add). */
  addEntity: 8,
} as const;

/** A chunk that keeps a tail: replays one recorded operation. */
export interface TailedChunk {
  readonly tail: ChunkTail;
  replay(op: number, local: number, value: number): void;
}

export function keepsTail(chunk: object): chunk is TailedChunk {
  return (chunk as Partial<TailedChunk>).tail instanceof ChunkTail;
}

export function tailKey(col: number, chunk: number, seq: number): SegKey {
  return { kind: SegmentKind.columnTail, a: col, b: chunk, c: seq };
}

export class ChunkTail {
  private pending = new ByteWriter(64);
  private pendingOps = 0;
  private storedRows = 0;
  private storedOps = 0;
  /** Whether the chunk's base row is in storage (a new chunk writes its base first). */
  private baseStored = false;
  private rewrite = false;
  private replaying = false;

  record(op: number, local: number, value: number): void {
    if (this.replaying) return;
    this.pending.u8(op);
    this.pending.u16(local);
    this.pending.f64(value);
    this.pendingOps++;
  }

  /** The next flush rewrites the base: a change the tail does not express (a rescale, a bulk clear). */
  requireRewrite(): void {
    if (!this.replaying) this.rewrite = true;
  }

  /** Resident bytes of the operations not yet flushed. */
  heapBytes(): number {
    return 64 + this.pendingOps * OP_BYTES;
  }

  /** Decoded from storage: its base is stored, then its tails (in sequence order) are replayed into `chunk`. */
  loaded(chunk: TailedChunk, tails: readonly Uint8Array[]): void {
    this.baseStored = true;
    this.replaying = true;
    try {
      for (const framed of tails) {
        const r = new ByteReader(unframeSegment(framed, SegmentKind.columnTail));
        const layout = r.u8();
        if (layout !== TAIL_LAYOUT) throw new FormatError(`column tail layout ${layout}, expected ${TAIL_LAYOUT}`);
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const op = r.u8();
          const local = r.u16();
          chunk.replay(op, local, r.f64());
        }
        if (r.remaining !== 0) throw new FormatError(`${r.remaining} trailing bytes after a column tail`);
        this.storedRows++;
        this.storedOps += n;
      }
    } finally {
      this.replaying = false;
    }
  }

  /**
   * Stores the operations since the last flush as one tail row, or rewrites the base (`encodeBase`)
   * and removes the tail rows when the base is new, a rewrite was asked for, or the tails have grown.
   */
  flush(key: SegKey, entities: number, encodeBase: () => Uint8Array, write: (key: SegKey, framed: Uint8Array) => void, remove: (key: SegKey) => void): void {
    const ops = this.storedOps + this.pendingOps;
    const grown = this.storedRows >= COLUMN_TAIL_ROWS_MAX || (ops > COLUMN_TAIL_OPS_MIN && 4 * ops > entities);
    if (!this.baseStored || this.rewrite || grown) {
      write(key, encodeBase());
      for (let seq = 0; seq < this.storedRows; seq++) remove(tailKey(key.a, key.b, seq));
      this.baseStored = true;
      this.rewrite = false;
      this.storedRows = 0;
      this.storedOps = 0;
    } else if (this.pendingOps > 0) {
      const w = new ByteWriter(5 + this.pendingOps * OP_BYTES);
      w.u8(TAIL_LAYOUT);
      w.u32(this.pendingOps);
      w.bytes(this.pending.finish());
      write(tailKey(key.a, key.b, this.storedRows++), frameSegment(SegmentKind.columnTail, w.finish()));
      this.storedOps += this.pendingOps;
    }
    this.pending = new ByteWriter(64);
    this.pendingOps = 0;
  }
}
