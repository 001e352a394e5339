// The byte-budgeted LRU of decoded segments. Segments page in on first use; writes mutate cached
// segments and mark them dirty; flush() writes dirty ones back (the caller's transaction makes that
// atomic) and trim() evicts least-recently-used clean segments until the budget holds.

import type { BlobStore, SegKey } from "./blobs";

export interface Segment {
  /** Estimated resident bytes (typed arrays plus a per-object allowance). */
  heapBytes(): number;
  /** Writes every row that changed since the last flush (framed bytes per key); may remove rows. */
  flush(write: (key: SegKey, framed: Uint8Array) => void, remove: (key: SegKey) => void): void;
}

interface Entry {
  seg: Segment;
  dirty: boolean;
  bytes: number;
}

export class SegmentCache {
  private readonly entries = new Map<string, Entry>();
  constructor(
    private readonly blobs: BlobStore,
    public budget: number,
  ) {}

  /** The cached segment, or what `load` pages in (null: nothing stored). Marks it recently used. */
  get<T extends Segment>(key: string, load: () => T | null): T | null {
    const e = this.entries.get(key);
    if (e !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, e);
      return e.seg as T;
    }
    const seg = load();
    if (seg !== null) this.entries.set(key, { seg, dirty: false, bytes: seg.heapBytes() });
    return seg;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Adds a segment paged in by a batch read (no-op when one is cached already). */
  offer(key: string, seg: Segment): void {
    if (!this.entries.has(key)) this.entries.set(key, { seg, dirty: false, bytes: seg.heapBytes() });
  }

  /** Puts a new (or replacement) segment and marks it dirty. */
  put(key: string, seg: Segment): void {
    this.entries.delete(key);
    this.entries.set(key, { seg, dirty: true, bytes: seg.heapBytes() });
  }

  markDirty(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) throw new Error(`segment engine: ${key} marked dirty but not cached`);
    e.dirty = true;
  }

  /** Writes dirty segments; answers how many rows were written. */
  flush(): number {
    let rows = 0;
    for (const e of this.entries.values()) {
      if (!e.dirty) continue;
      e.seg.flush(
        (key, framed) => {
          this.blobs.write(key, framed);
          rows++;
        },
        (key) => this.blobs.remove(key),
      );
      e.dirty = false;
      e.bytes = e.seg.heapBytes();
    }
    return rows;
  }

  /** Evicts clean least-recently-used segments until the resident estimate fits the budget. */
  trim(): void {
    let total = 0;
    for (const e of this.entries.values()) total += e.bytes;
    if (total <= this.budget) return;
    for (const [key, e] of this.entries) {
      if (total <= this.budget) break;
      if (e.dirty) continue;
      this.entries.delete(key);
      total -= e.bytes;
    }
  }

  /** Re-measures entries (after queries that only read, sizes do not change; writes call this). */
  remeasure(): void {
    for (const e of this.entries.values()) e.bytes = e.seg.heapBytes();
  }

  /** Re-measures one entry (a read built a derived structure into it). */
  remeasureOne(key: string): void {
    const e = this.entries.get(key);
    if (e !== undefined) e.bytes = e.seg.heapBytes();
  }

  cachedBytes(): number {
    let total = 0;
    for (const e of this.entries.values()) total += e.bytes;
    return total;
  }

  clear(): void {
    this.entries.clear();
  }
}
