// The notes/engine.md §5.5 "physical limit": per query, the larger of
//   T_mem = bytes_touched / B        (B: sequential Uint32Array read bandwidth, measured here)
//   T_cpu = word_ops × t_word        (t_word: fused AND+popcount per 32-bit word, measured here)
// bytes_touched and word_ops come from a work model of the cheapest plausible bitmap plan for each
// query over this data (dense N-bit rows; bit-sliced ints with 2 passes per slice for a closed range;
// event postings of ~4 bytes each; forward-array scans where those beat per-value rows). It is a model,
// not a proof: efficiency = limit / measured, so 1.0 means "at the limit" and 0.33 means "3x off".

import type { Dataset } from "./data";

export interface Machine {
  /** Sequential read bandwidth, bytes per ms. */
  bytesPerMs: number;
  /** Fused AND + popcount, ms per 32-bit word. */
  msPerWord: number;
}

const popSwar = (x: number): number => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
};

/** Measures B and t_word in this process (about a second). */
export function measureMachine(): Machine {
  // Bandwidth: sum a 64 MiB Uint32Array (out of every cache), best of 5.
  const big = new Uint32Array(16 * 2 ** 20);
  for (let i = 0; i < big.length; i++) big[i] = i * 2654435761;
  let sink = 0;
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    let s = 0;
    for (let i = 0; i < big.length; i += 4) s = (s + big[i]! + big[i + 1]! + big[i + 2]! + big[i + 3]!) | 0;
    best = Math.min(best, performance.now() - t);
    sink ^= s;
  }
  const bytesPerMs = big.byteLength / best;
  // t_word: AND + popcount (SWAR) of two 2^20-bit rows, rotating over 64 rows (8 MiB), best of 5 rounds.
  const W = 2 ** 15;
  const rows = Array.from({ length: 64 }, (_, k) => big.subarray(k * W, (k + 1) * W));
  let bestWord = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    let c = 0;
    for (let k = 0; k < 64; k++) {
      const a = rows[k]!;
      const b = rows[(k + 7) & 63]!;
      for (let i = 0; i < W; i++) c += popSwar(a[i]! & b[i]!);
    }
    bestWord = Math.min(bestWord, (performance.now() - t) / (64 * W));
    sink ^= c;
  }
  // The same with a 16-bit lookup table (faster on some V8 versions); keep the better kernel.
  const table = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) table[i] = (i & 1) + table[i >>> 1]!;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    let c = 0;
    for (let k = 0; k < 64; k++) {
      const a = rows[k]!;
      const b = rows[(k + 7) & 63]!;
      for (let i = 0; i < W; i++) {
        const x = a[i]! & b[i]!;
        c += table[x & 0xffff]! + table[x >>> 16]!;
      }
    }
    bestWord = Math.min(bestWord, (performance.now() - t) / (64 * W));
    sink ^= c;
  }
  if (sink === 0.5) console.log(sink); // keep the loops alive
  return { bytesPerMs, msPerWord: bestWord };
}

export interface Work {
  bytes: number;
  ops: number;
  model: string;
}

/** The work model of each query at this dataset's size and selectivities. */
export function workModel(d: Dataset): Record<string, Work> {
  const n = d.n;
  const words = Math.ceil(n / 32);
  const row = n / 8;
  // Postings of purchase v3 between day 30 and 200 (what the event index reads).
  let postings = 0;
  for (let i = 0; i < d.ev.col.length; i++) if (d.ev.col[i] === 0 && d.ev.val[i] === 3 && d.ev.day[i]! >= 30 && d.ev.day[i]! <= 200) postings++;
  let c1 = 0;
  for (let i = 0; i < n; i++) if (d.cols.country[i] === 1) c1++;
  const passes = (k: number, rowsRead: number, model: string): Work => ({ bytes: rowsRead * row, ops: k * words, model });
  const scan = (bytesPerEntity: number, model: string): Work => ({ bytes: n * bytesPerEntity, ops: n, model });
  // age 18..90: 7 slices; income 0..200k: 18 slices; a closed range = 2 comparisons of 1 pass per slice.
  return {
    count_1pred: passes(1, 1, "1 row popcount"),
    count_3pred: passes(16, 9, "2 rows + 7-slice age range (14 passes) + fused AND count"),
    count_6pred: passes(40, 30, "3 country/plan rows, 2x7 age, 18 income (>), 2 rows, 3 combines"),
    range_int: passes(36, 18, "18-slice income range, 2 passes per slice"),
    event_minfreq: { bytes: postings * 5, ops: postings + words, model: `${postings} postings x (4 B read + 1 B counter), 1 popcount pass` },
    mixed_or_event: { bytes: 8 * row + postings * 5, ops: 17 * words + postings, model: `country row + 7-slice age (14) + OR/count, + ${postings} postings` },
    top_values: scan(2 + 1 / 8, "forward scan: 2 B city id per entity under the active row"),
    agg_by_group: { bytes: row + c1 * 5, ops: words + c1, model: `country row, then plan (1 B) + income (4 B) of ${c1} matches` },
    groupby_nested: scan(2, "forward scan: country + plan ids (1 B each) per entity"),
    page_100: { bytes: 1100 * 16, ops: 1100, model: "1,100 rows of id + 2 values" },
    score_top100: passes(32, 10, "3 rows + 7-slice age (14) + carry-save sum of 4 (12) + top pass (3)"),
  };
}

export function limitMs(w: Work, m: Machine): number {
  return Math.max(w.bytes / m.bytesPerMs, w.ops * m.msPerWord);
}
