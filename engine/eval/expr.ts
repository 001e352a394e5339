// Evaluates plan.ts expressions on one dimension with bitmap algebra: leaves come from column codecs
// (value bitmaps, bit-sliced ranges, event postings counted per chunk), and/or/not combine them, and
// everything stays inside the dimension's live entities. Also the result/score `score` of entities.
// Counts of and/or/not mostly skip the bitmaps: count-rows.ts evaluates them chunk by chunk in rows.

import type { Expr, ValueTest } from "../../contract/plan";
import { Bitmap } from "../bitmap/bitmap";
import { fromWords } from "../bitmap/container";
import { andC } from "../bitmap/container-ops";
import type { Shard } from "../shard";
import { compileTest } from "../../contract/value-test";
import { CodedColumn } from "../encodings/coded-column";
import { NumberColumn } from "../encodings/number-column";
import { matchingCodes } from "../encodings/value-bitmaps";
import { kernel } from "../kernel/kernel";
import { type RowNode, SPARSE_PER_CHUNK, countByRows, countPathsTaken, forcedCountPath, rowsNeeded } from "./count-rows";

export class Evaluator {
  private readonly memo = new Map<Expr, Bitmap>();
  readonly live: Bitmap;
  private readonly dimOrd: number;

  constructor(
    private readonly shard: Shard,
    readonly dimension: string,
  ) {
    this.live = shard.live(dimension);
    this.dimOrd = shard.dim(dimension)?.ord ?? -1;
  }

  /** Live entities for which `expr` holds (memoised per sub-expression object). */
  matches(expr: Expr): Bitmap {
    let b = this.memo.get(expr);
    if (b === undefined) {
      b = this.compute(expr);
      this.memo.set(expr, b);
    }
    return b;
  }

  /**
   * How many live entities match: and/or/not chunk by chunk in the kernel's scratch rows
   * (count-rows.ts), an attribute test by its codec when it can count without building the set, and
   * otherwise through bitmaps, where a two-way `or` is counted as |A| + |B| - |A ∧ B| (an intersection
   * count needs no result containers, a union would build them).
   */
  count(expr: Expr): number {
    if (expr.op === "attr" && !this.memo.has(expr)) {
      // A column's values only belong to live entities of its own dimension, so counting them is the answer.
      const c = this.shard.codec(expr.col);
      if (c !== null && !c.event && c.meta.dim === this.dimOrd && c.countSelect !== undefined) return c.countSelect(expr.test);
    }
    const path = forcedCountPath();
    if ((expr.op === "and" || expr.op === "or" || expr.op === "not") && !this.memo.has(expr) && path !== "bitmaps") {
      const plan = this.rowPlan(expr, path === "auto");
      // A sparse expression was left to bitmap algebra whole (rowPlan): its bitmap is the answer.
      if (plan.kind === "set") {
        countPathsTaken.bitmaps++;
        return plan.bitmap.size;
      }
      if (rowsNeeded(plan) <= kernel().rows.length) {
        countPathsTaken.rows++;
        return countByRows(plan, this.live.keys);
      }
    }
    countPathsTaken.bitmaps++;
    if (expr.op === "or" && expr.args.length === 2 && !this.memo.has(expr)) {
      const a = this.matches(expr.args[0]!);
      const b = this.matches(expr.args[1]!);
      return a.size + b.size - a.andCount(b);
    }
    return this.matches(expr).size;
  }

  /**
   * The expression for count-rows.ts: dictionary tests of this dimension's columns become the codes
   * whose value bitmaps they union, bit-sliced eq/range tests become kernel compares, and the rest
   * (or anything already computed) their bitmaps. Within an `and`, sets come first, then nested
   * and/or/not, then ranges, which cost less within a smaller scope. With `auto`, an `and` of only
   * sets, one of them very sparse, stays bitmap algebra (a few array values probe faster than whole
   * rows are loaded); ranges always go to the rows.
   */
  private rowPlan(expr: Expr, auto: boolean): RowNode {
    const done = this.memo.get(expr);
    if (done !== undefined) return { kind: "set", bitmap: done };
    switch (expr.op) {
      case "and": {
        if (expr.args.length === 0) return { kind: "set", bitmap: this.live };
        const rank = (n: RowNode): number => (n.kind === "set" || n.kind === "codes" ? 0 : n.kind === "range" ? 2 : 1);
        const args = expr.args.map((a) => this.rowPlan(a, auto));
        if (auto && args.every((a) => rank(a) === 0) && args.some((a) => this.sparse(a))) return { kind: "set", bitmap: this.matches(expr) };
        return { kind: "and", args: args.sort((a, b) => rank(a) - rank(b)) };
      }
      case "or":
        if (expr.args.length === 0) return { kind: "set", bitmap: new Bitmap() };
        return { kind: "or", args: expr.args.map((a) => this.rowPlan(a, auto)) };
      case "not":
        return { kind: "not", arg: this.rowPlan(expr.arg, auto), live: this.live };
      case "attr": {
        // Only this dimension's columns: their bitmaps hold live entities only, as the rows assume.
        const c = this.shard.codec(expr.col);
        if (c === null || c.event || c.meta.dim !== this.dimOrd) break;
        if (c instanceof CodedColumn) {
          const codes = matchingCodes(c.dict(), expr.test);
          if (codes.length === 0) return { kind: "set", bitmap: new Bitmap() };
          return { kind: "codes", chunk: (k) => c.chunk(k), codes };
        }
        if (c instanceof NumberColumn) {
          const bounds = c.rangeBounds(expr.test);
          if (bounds !== undefined) return { kind: "range", col: c, bounds, fallback: () => this.matches(expr) };
        }
        break;
      }
      default:
        break;
    }
    return { kind: "set", bitmap: this.matches(expr) };
  }

  /**
   * Whether a set leaf is sparse enough (at most SPARSE_PER_CHUNK entities per chunk on average) that
   * bitmap algebra beats rows; codes of many values count as dense.
   */
  private sparse(n: RowNode): boolean {
    const limit = SPARSE_PER_CHUNK * this.live.keys.length;
    if (n.kind === "set") return n.bitmap.size <= limit;
    if (n.kind !== "codes" || n.codes.length > 8) return false;
    let size = 0;
    for (const k of this.live.keys) {
      const ch = n.chunk(k);
      if (ch !== null) for (const code of n.codes) size += ch.values.get(code)?.n ?? 0;
    }
    return size <= limit;
  }

  private compute(expr: Expr): Bitmap {
    const live = this.live;
    switch (expr.op) {
      case "all":
        return live;
      case "and":
        return this.and(expr.args);
      case "or":
        return Bitmap.orMany(expr.args.map((a) => this.matches(a)));
      case "not":
        return live.andNot(this.matches(expr.arg));
      case "id":
        return this.ids(expr.test);
      case "attr": {
        const c = this.shard.codec(expr.col);
        if (c === null || c.event) return new Bitmap();
        // A column's bitmaps only ever hold live entities of its own dimension (deletes purge them).
        return c.meta.dim === this.dimOrd ? c.select(expr.test) : c.select(expr.test).and(live);
      }
      case "has": {
        const c = this.shard.codec(expr.col);
        if (c === null) return new Bitmap();
        return c.meta.dim === this.dimOrd ? c.has() : c.has().and(live);
      }
      case "events":
        return this.events(expr.terms, expr.minfreq);
    }
  }

  /**
   * Conjunction: the cheap arguments first (smallest first), then attribute tests of encodings that
   * evaluate faster inside a restriction (bit-sliced ranges) within what is left.
   */
  private and(args: readonly Expr[]): Bitmap {
    if (args.length === 0) return this.live;
    const restricted: Array<{ codec: { selectWithin(t: ValueTest, w: Bitmap): Bitmap }; test: ValueTest }> = [];
    const plain: Bitmap[] = [];
    for (const a of args) {
      if (a.op === "attr") {
        const c = this.shard.codec(a.col);
        if (c !== null && !c.event && c.selectWithin !== undefined && !this.memo.has(a)) {
          restricted.push({ codec: c as { selectWithin(t: ValueTest, w: Bitmap): Bitmap }, test: a.test });
          continue;
        }
      }
      plain.push(this.matches(a));
    }
    plain.sort((a, b) => a.size - b.size);
    let acc = plain.length > 0 ? plain[0]! : this.live;
    for (let i = 1; i < plain.length && !acc.isEmpty(); i++) acc = acc.and(plain[i]!);
    for (const r of restricted) {
      if (acc.isEmpty()) break;
      acc = r.codec.selectWithin(r.test, acc);
    }
    return acc;
  }

  private ids(test: Extract<Expr, { op: "id" }>["test"]): Bitmap {
    if (this.dimOrd < 0) return new Bitmap();
    const exact = exactValuesCaseSensitive(test);
    if (exact !== null) {
      const texts = exact.filter((v): v is string => typeof v === "string");
      const found = this.shard.entities.lookup(this.dimOrd, texts);
      return Bitmap.fromValues([...found.values()]).and(this.live);
    }
    const pass = compileTest(test, false);
    const hits: number[] = [];
    for (const [id, ext] of this.shard.entities.all(this.dimOrd)) if (pass(ext)) hits.push(id);
    return Bitmap.fromValues(hits).and(this.live);
  }

  /** Entities whose matching events, summed over the terms, reach minfreq: counted per chunk. */
  private events(terms: Extract<Expr, { op: "events" }>["terms"], minfreq: number): Bitmap {
    const out = new Bitmap();
    const codecs = terms.map((t) => {
      const c = this.shard.codec(t.col);
      return c !== null && c.event ? c : null;
    });
    if (codecs.every((c) => c === null)) return out;
    const threshold = Math.max(1, minfreq);
    const { counts, touched } = eventScratch();
    for (let i = 0; i < this.live.keys.length; i++) {
      const k = this.live.keys[i]!;
      terms.forEach((t, j) => codecs[j]?.accumulate(t.test, t.window, k, counts, touched));
      const w = new Uint32Array(2048);
      let n = 0;
      drainEventCounts(counts, touched, (l, count) => {
        if (count >= threshold) {
          w[l >>> 5] = w[l >>> 5]! | (1 << (l & 31));
          n++;
        }
      });
      const c = fromWords(w, n);
      if (c !== null) {
        const live = andC(c, this.live.cs[i]!);
        if (live !== null) out.push(k, live);
      }
    }
    return out;
  }

  /**
   * plan.ts score for each entity of `ids` (ascending, all matching `expr`): `or` sums its true
   * arguments' scores, everything else scores 1, so a score is the number of flattened or-terms
   * holding the entity.
   */
  scores(expr: Expr, ids: Uint32Array): Float64Array {
    const out = new Float64Array(ids.length);
    const terms = orTerms(expr);
    const sel = Bitmap.fromSorted(ids);
    for (const t of terms) {
      const hit = this.matches(t).and(sel).toArray();
      let j = 0;
      for (let i = 0; i < hit.length; i++) {
        while (ids[j]! < hit[i]!) j++;
        out[j]!++;
      }
    }
    return out;
  }
}

/**
 * The flattened or-terms of a score: `or` sums its true arguments' scores and everything else scores
 * 1, so an entity's score is how many of these terms hold it (a term listed twice counts twice), and
 * the expression holds exactly where at least one term does.
 */
export function orTerms(expr: Expr): Expr[] {
  const terms: Expr[] = [];
  const flatten = (e: Expr): void => {
    if (e.op === "or") e.args.forEach(flatten);
    else terms.push(e);
  };
  flatten(expr);
  return terms;
}

/** Per-chunk event counters, shared by every evaluation (left zeroed after each chunk). */
let scratch: { counts: Uint32Array; touched: Uint32Array } | null = null;
export function eventScratch(): { counts: Uint32Array; touched: Uint32Array } {
  if (scratch === null) scratch = { counts: new Uint32Array(65536), touched: new Uint32Array(2048) };
  return scratch;
}

/**
 * Visits every entity of the chunk that got at least one counted event, with its count, and leaves
 * the scratch zeroed for the next chunk; only the touched words are read, not all 65,536 counters.
 */
export function drainEventCounts(counts: Uint32Array, touched: Uint32Array, visit: (local: number, count: number) => void): void {
  for (let x = 0; x < 2048; x++) {
    let bits = touched[x]!;
    if (bits === 0) continue;
    touched[x] = 0;
    while (bits !== 0) {
      const t = bits & -bits;
      bits ^= t;
      const l = (x << 5) | (31 - Math.clz32(t));
      visit(l, counts[l]!);
      counts[l] = 0;
    }
  }
}

function exactValuesCaseSensitive(test: Extract<Expr, { op: "id" }>["test"]) {
  if (test.op === "eq") return [test.value];
  if (test.op === "in") return test.values;
  return null;
}
