// Scores of result/score extraction as bit-sliced counters: per chunk, the or-terms' bitmaps are
// added into B = bitlength(terms) slice rows with a ripple-carry adder (an entity's score is the
// number of terms holding it, plan.ts), so an exact score level is one AND/ANDNOT pass over the B
// rows. Ordering by score then walks levels from the best and only ranks the members of the levels
// that overlap the requested page.

import { Bitmap } from "../bitmap/bitmap";
import { ARRAY, BITSET, BITSET_WORDS, type Container, fromWords, orIntoWords } from "../bitmap/container";
import { countLevelsByEntity } from "../kernel/js";
import { kernel } from "../kernel/kernel";
import { SCORE_LEVEL_PASSES_MAX } from "../../contract/limits";

export class ScoreLevels {
  /** Highest score any entity can have (the number of terms). */
  readonly maxScore: number;
  /** Entities with a score of at least 1: the union of the terms. */
  readonly size: number;
  /** The highest score present (0 when nothing matches). */
  readonly top: number;
  private readonly bits: number;
  /** How many entities score exactly l: the sum of the chunks' histograms. */
  private readonly counts: Float64Array;

  private constructor(
    readonly keys: number[],
    /** Per chunk: `bits` slice rows of 2048 words, slice j at [j * 2048, (j + 1) * 2048). */
    private readonly rows: Uint32Array[],
    /** Per chunk: how many of its entities score exactly l, at index l. */
    private readonly hists: Float64Array[],
    maxScore: number,
  ) {
    this.maxScore = maxScore;
    this.bits = 32 - Math.clz32(maxScore);
    this.counts = new Float64Array(maxScore + 1);
    for (const h of hists) for (let l = 1; l <= maxScore; l++) this.counts[l]! += h[l]!;
    let size = 0;
    let top = 0;
    for (let l = 1; l <= maxScore; l++) {
      size += this.counts[l]!;
      if (this.counts[l]! > 0) top = l;
    }
    this.size = size;
    this.top = top;
  }

  /** The counters of `terms` (each term counts once per occurrence, so repeated terms add up). */
  static build(terms: readonly Bitmap[]): ScoreLevels {
    const maxScore = Math.max(1, terms.length);
    const bits = 32 - Math.clz32(maxScore);
    const byKey = new Map<number, Container[]>();
    for (const t of terms) {
      for (let i = 0; i < t.keys.length; i++) {
        const k = t.keys[i]!;
        let cs = byKey.get(k);
        if (cs === undefined) byKey.set(k, (cs = []));
        cs.push(t.cs[i]!);
      }
    }
    const keys = [...byKey.keys()].sort((a, b) => a - b);
    const k = kernel();
    const rows: Uint32Array[] = [];
    const hists: Float64Array[] = [];
    for (const key of keys) {
      const row = new Uint32Array(bits * BITSET_WORDS);
      const words: Uint32Array[] = [];
      for (const c of byKey.get(key)!) {
        if (c.kind === ARRAY) addArray(row, bits, c.data, c.n);
        else if (c.kind === BITSET) words.push(c.words);
        else {
          const w = new Uint32Array(BITSET_WORDS);
          orIntoWords(w, c);
          words.push(w);
        }
      }
      // Few levels: the kernel counts them all right after adding. Many: one pass over the entities.
      const hist = new Float64Array(maxScore + 1);
      k.countLevels(row, bits, words, maxScore <= SCORE_LEVEL_PASSES_MAX ? hist : hist.subarray(0, 1));
      if (maxScore > SCORE_LEVEL_PASSES_MAX) countLevelsByEntity(row, bits, hist);
      rows.push(row);
      hists.push(hist);
    }
    return new ScoreLevels(keys, rows, hists, maxScore);
  }

  /** How many entities score exactly `level`. */
  count(level: number): number {
    return level >= 1 && level <= this.maxScore ? this.counts[level]! : 0;
  }

  /** The entities scoring exactly `level`. */
  members(level: number): Bitmap {
    const out = new Bitmap();
    if (level < 1 || level > this.maxScore) return out;
    const k = kernel();
    for (let c = 0; c < this.rows.length; c++) {
      if (this.hists[c]![level] === 0) continue;
      const w = new Uint32Array(BITSET_WORDS);
      out.push(this.keys[c]!, fromWords(w, k.levelRow(this.rows[c]!, this.bits, level, w)));
    }
    return out;
  }
}

/** Adds 1 to the counters of the listed entities: a lone bit ripples up until it lands on a 0 bit. */
function addArray(row: Uint32Array, bits: number, data: Uint16Array, n: number): void {
  const end = bits * BITSET_WORDS;
  for (let k = 0; k < n; k++) {
    const v = data[k]!;
    const bit = 1 << (v & 31);
    for (let p = v >>> 5; p < end; p += BITSET_WORDS) {
      const s = row[p]!;
      row[p] = s ^ bit;
      if ((s & bit) === 0) break;
    }
  }
}
