// A roaring bitmap of 32-bit unsigned ids: sorted 16-bit chunk keys, one container per chunk.
// Binary operations return new bitmaps that may share (never mutate) their inputs' containers, so
// only the write path, on bitmaps it owns, calls add/remove.

import {
  type Container,
  BITSET_WORDS,
  cloneContainer,
  containerAdd,
  containerHas,
  containerHeapBytes,
  containerProblem,
  containerRemove,
  forEachInWords,
  fromWords,
  optimize,
  singleton,
  toValues,
  BITSET,
  ARRAY,
} from "./container";
import { andC, andCountC, andNotC, orC, unionMany, xorC } from "./container-ops";

export class Bitmap {
  constructor(
    public keys: number[] = [],
    public cs: Container[] = [],
  ) {}

  static of(...values: number[]): Bitmap {
    return Bitmap.fromValues(values);
  }

  /** Any order, duplicates allowed. */
  static fromValues(values: ArrayLike<number>): Bitmap {
    const sorted = Uint32Array.from(values as ArrayLike<number>).sort();
    return Bitmap.fromSorted(sorted);
  }

  /** Ascending values (duplicates allowed). */
  static fromSorted(values: ArrayLike<number>): Bitmap {
    const b = new Bitmap();
    let i = 0;
    while (i < values.length) {
      const key = values[i]! >>> 16;
      const w = new Uint32Array(BITSET_WORDS);
      let n = 0;
      while (i < values.length && values[i]! >>> 16 === key) {
        const v = values[i]! & 0xffff;
        const bit = 1 << (v & 31);
        if ((w[v >>> 5]! & bit) === 0) {
          w[v >>> 5] = w[v >>> 5]! | bit;
          n++;
        }
        i++;
      }
      b.keys.push(key);
      b.cs.push(fromWords(w, n)!);
    }
    return b;
  }

  /** Every id in [0, n). */
  static range(n: number): Bitmap {
    const b = new Bitmap();
    for (let key = 0; key * 65536 < n; key++) {
      const w = new Uint32Array(BITSET_WORDS);
      const hi = Math.min(65536, n - key * 65536);
      for (let v = 0; v < hi; v++) w[v >>> 5] = w[v >>> 5]! | (1 << (v & 31));
      b.keys.push(key);
      b.cs.push(fromWords(w, hi)!);
    }
    return b;
  }

  get size(): number {
    let n = 0;
    for (const c of this.cs) n += c.n;
    return n;
  }

  isEmpty(): boolean {
    return this.cs.length === 0;
  }

  /** Index of the chunk key, or -(insertion point) - 1. */
  private find(key: number): number {
    const keys = this.keys;
    let lo = 0;
    let hi = keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid]!;
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  container(key: number): Container | undefined {
    const i = this.find(key);
    return i >= 0 ? this.cs[i] : undefined;
  }

  has(x: number): boolean {
    const i = this.find(x >>> 16);
    return i >= 0 && containerHas(this.cs[i]!, x & 0xffff);
  }

  add(x: number): void {
    const key = x >>> 16;
    const i = this.find(key);
    if (i >= 0) this.cs[i] = containerAdd(this.cs[i]!, x & 0xffff);
    else {
      this.keys.splice(-i - 1, 0, key);
      this.cs.splice(-i - 1, 0, singleton(x & 0xffff));
    }
  }

  remove(x: number): void {
    const i = this.find(x >>> 16);
    if (i < 0) return;
    const c = containerRemove(this.cs[i]!, x & 0xffff);
    if (c === null) {
      this.keys.splice(i, 1);
      this.cs.splice(i, 1);
    } else this.cs[i] = c;
  }

  /** Replaces (or drops, when null) the container of one chunk. Used by chunk-wise builders. */
  setContainer(key: number, c: Container | null): void {
    const i = this.find(key);
    if (i >= 0) {
      if (c === null) {
        this.keys.splice(i, 1);
        this.cs.splice(i, 1);
      } else this.cs[i] = c;
    } else if (c !== null) {
      this.keys.splice(-i - 1, 0, key);
      this.cs.splice(-i - 1, 0, c);
    }
  }

  /** Appends a chunk whose key is above every present key (fast path of chunk-ordered builders). */
  push(key: number, c: Container | null): void {
    if (c === null) return;
    const last = this.keys[this.keys.length - 1];
    if (last !== undefined && last >= key) throw new Error(`bitmap chunk ${key} pushed after ${last}`);
    this.keys.push(key);
    this.cs.push(c);
  }

  and(o: Bitmap): Bitmap {
    const out = new Bitmap();
    let i = 0;
    let j = 0;
    while (i < this.keys.length && j < o.keys.length) {
      const a = this.keys[i]!;
      const b = o.keys[j]!;
      if (a < b) i++;
      else if (a > b) j++;
      else {
        const c = andC(this.cs[i]!, o.cs[j]!);
        if (c !== null) {
          out.keys.push(a);
          out.cs.push(c);
        }
        i++;
        j++;
      }
    }
    return out;
  }

  or(o: Bitmap): Bitmap {
    const out = new Bitmap();
    let i = 0;
    let j = 0;
    while (i < this.keys.length || j < o.keys.length) {
      const a = i < this.keys.length ? this.keys[i]! : Infinity;
      const b = j < o.keys.length ? o.keys[j]! : Infinity;
      if (a < b) {
        out.keys.push(a);
        out.cs.push(this.cs[i++]!);
      } else if (a > b) {
        out.keys.push(b);
        out.cs.push(o.cs[j++]!);
      } else {
        out.keys.push(a);
        out.cs.push(orC(this.cs[i++]!, o.cs[j++]!));
      }
    }
    return out;
  }

  andNot(o: Bitmap): Bitmap {
    const out = new Bitmap();
    let j = 0;
    for (let i = 0; i < this.keys.length; i++) {
      const a = this.keys[i]!;
      while (j < o.keys.length && o.keys[j]! < a) j++;
      if (j < o.keys.length && o.keys[j] === a) {
        const c = andNotC(this.cs[i]!, o.cs[j]!);
        if (c !== null) {
          out.keys.push(a);
          out.cs.push(c);
        }
      } else {
        out.keys.push(a);
        out.cs.push(this.cs[i]!);
      }
    }
    return out;
  }

  xor(o: Bitmap): Bitmap {
    const out = new Bitmap();
    let i = 0;
    let j = 0;
    while (i < this.keys.length || j < o.keys.length) {
      const a = i < this.keys.length ? this.keys[i]! : Infinity;
      const b = j < o.keys.length ? o.keys[j]! : Infinity;
      if (a < b) {
        out.keys.push(a);
        out.cs.push(this.cs[i++]!);
      } else if (a > b) {
        out.keys.push(b);
        out.cs.push(o.cs[j++]!);
      } else {
        const c = xorC(this.cs[i++]!, o.cs[j++]!);
        if (c !== null) {
          out.keys.push(a);
          out.cs.push(c);
        }
      }
    }
    return out;
  }

  andCount(o: Bitmap): number {
    let n = 0;
    let i = 0;
    let j = 0;
    while (i < this.keys.length && j < o.keys.length) {
      const a = this.keys[i]!;
      const b = o.keys[j]!;
      if (a < b) i++;
      else if (a > b) j++;
      else n += andCountC(this.cs[i++]!, o.cs[j++]!);
    }
    return n;
  }

  orCount(o: Bitmap): number {
    return this.size + o.size - this.andCount(o);
  }

  andNotCount(o: Bitmap): number {
    return this.size - this.andCount(o);
  }

  xorCount(o: Bitmap): number {
    return this.size + o.size - 2 * this.andCount(o);
  }

  /** Union of many bitmaps, chunk by chunk (see unionMany: pairwise for a few, one scratch row for many). */
  static orMany(list: readonly Bitmap[]): Bitmap {
    if (list.length === 0) return new Bitmap();
    if (list.length === 1) return list[0]!;
    const byKey = new Map<number, Container[]>();
    for (const b of list) {
      for (let i = 0; i < b.keys.length; i++) {
        const k = b.keys[i]!;
        let cs = byKey.get(k);
        if (cs === undefined) byKey.set(k, (cs = []));
        cs.push(b.cs[i]!);
      }
    }
    const out = new Bitmap();
    for (const k of [...byKey.keys()].sort((a, b) => a - b)) {
      const cs = byKey.get(k)!;
      if (cs.length === 1) {
        out.push(k, cs[0]!);
        continue;
      }
      out.push(k, unionMany(cs));
    }
    return out;
  }

  forEach(fn: (x: number) => void): void {
    for (let i = 0; i < this.keys.length; i++) {
      const base = this.keys[i]! << 16;
      const c = this.cs[i]!;
      if (c.kind === BITSET) forEachInWords(c.words, (v) => fn((base | v) >>> 0));
      else if (c.kind === ARRAY) for (let k = 0; k < c.n; k++) fn((base | c.data[k]!) >>> 0);
      else {
        for (let r = 0; r < c.nRuns; r++) {
          const s = c.runs[2 * r]!;
          const e = s + c.runs[2 * r + 1]!;
          for (let v = s; v <= e; v++) fn((base | v) >>> 0);
        }
      }
    }
  }

  toArray(): Uint32Array {
    const out = new Uint32Array(this.size);
    let k = 0;
    for (let i = 0; i < this.keys.length; i++) {
      const base = this.keys[i]! << 16;
      const vals = toValues(this.cs[i]!);
      for (let j = 0; j < vals.length; j++) out[k++] = (base | vals[j]!) >>> 0;
    }
    return out;
  }

  /** The smallest value, or undefined when empty. */
  first(): number | undefined {
    const c = this.cs[0];
    if (c === undefined) return undefined;
    return ((this.keys[0]! << 16) | toValues(c)[0]!) >>> 0;
  }

  clone(): Bitmap {
    return new Bitmap(this.keys.slice(), this.cs.map(cloneContainer));
  }

  /** Same set with every container in its smallest form (runs where they pay off). */
  runOptimize(): Bitmap {
    return new Bitmap(this.keys.slice(), this.cs.map(optimize));
  }

  equals(o: Bitmap): boolean {
    if (this.keys.length !== o.keys.length) return false;
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== o.keys[i]) return false;
      const a = this.cs[i]!;
      const b = o.cs[i]!;
      if (a.n !== b.n || andCountC(a, b) !== a.n) return false;
    }
    return true;
  }

  heapBytes(): number {
    let n = 48 + 16 * this.keys.length;
    for (const c of this.cs) n += containerHeapBytes(c);
    return n;
  }

  /** Throws when a structural invariant is broken (sorted unique keys, valid non-empty containers). */
  validate(): void {
    if (this.keys.length !== this.cs.length) throw new Error("bitmap keys and containers differ in length");
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i]!;
      if (!Number.isInteger(k) || k < 0 || k > 0xffff) throw new Error(`bitmap key ${k} out of range`);
      if (i > 0 && k <= this.keys[i - 1]!) throw new Error(`bitmap keys not strictly increasing at ${i}`);
      const p = containerProblem(this.cs[i]!);
      if (p !== null) throw new Error(`bitmap chunk ${k}: ${p}`);
    }
  }
}
