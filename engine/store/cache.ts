// The byte-budgeted LRU of decoded segments. Segments page in on first use; writes mutate cached
// segments and mark them dirty; flush() writes dirty ones back (the caller's transaction makes that
// atomic) and trim() evicts least-recently-used clean segments until the budget holds.
//
// Scan resistance: a read that streams through more segments than the budget holds (a batch page-in,
// or the segments a query only needs a projection of) offers them with admit(), which caches a
// segment only while the budget has room. Under plain LRU such a stream would evict everything,
// including itself, before the next run; admitted this way, what fits stays and the rest streams.

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
  /** Sum of entries' bytes (kept current by every change). */
  private total = 0;
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
    if (seg !== null) this.add(key, { seg, dirty: false, bytes: seg.heapBytes() });
    return seg;
  }

  /** The cached segment (marked recently used), or undefined; never loads. */
  peek<T extends Segment>(key: string): T | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.seg as T;
  }

  /** The cached segment without marking it used (a source read for a projection, not a use of its own). */
  peekQuiet<T extends Segment>(key: string): T | undefined {
    return this.entries.get(key)?.seg as T | undefined;
  }

  private add(key: string, e: Entry): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.total -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, e);
    this.total += e.bytes;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Adds a segment paged in by a batch read (no-op when one is cached already). */
  offer(key: string, seg: Segment): void {
    if (!this.entries.has(key)) this.add(key, { seg, dirty: false, bytes: seg.heapBytes() });
  }

  /**
   * Caches a clean segment a read paged in only if it fits the budget's free room (answers whether
   * it did): segments streamed past a full cache are used once and dropped, evicting nothing.
   */
  admit(key: string, seg: Segment): boolean {
    if (this.entries.has(key)) return true;
    const bytes = seg.heapBytes();
    if (this.total + bytes > this.budget) return false;
    this.add(key, { seg, dirty: false, bytes });
    return true;
  }

  /** Caches a clean segment derived from others (a projection), replacing any cached under its key. */
  store(key: string, seg: Segment): void {
    const old = this.entries.get(key);
    if (old !== undefined && old.dirty) throw new Error(`segment engine: ${key} is dirty; not replaced by a clean projection`);
    this.add(key, { seg, dirty: false, bytes: seg.heapBytes() });
  }

  /** Puts a new (or replacement) segment and marks it dirty. */
  put(key: string, seg: Segment): void {
    this.add(key, { seg, dirty: true, bytes: seg.heapBytes() });
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
      this.total -= e.bytes;
      e.bytes = e.seg.heapBytes();
      this.total += e.bytes;
    }
    return rows;
  }

  /** Evicts clean least-recently-used segments until the resident estimate fits the budget. */
  trim(): void {
    if (this.total <= this.budget) return;
    for (const [key, e] of this.entries) {
      if (this.total <= this.budget) break;
      if (e.dirty) continue;
      this.entries.delete(key);
      this.total -= e.bytes;
    }
  }

  /** Re-measures entries (after queries that only read, sizes do not change; writes call this). */
  remeasure(): void {
    let total = 0;
    for (const e of this.entries.values()) total += e.bytes = e.seg.heapBytes();
    this.total = total;
  }

  /** Re-measures one entry (a read built a derived structure into it). */
  remeasureOne(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.total -= e.bytes;
    e.bytes = e.seg.heapBytes();
    this.total += e.bytes;
  }

  cachedBytes(): number {
    return this.total;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
