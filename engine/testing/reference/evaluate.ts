// Entity-level evaluation of plan.ts expressions over one DimensionView: which live entities match an
// Expr, how many events match a list of EventTerms, and the result/score `score` of a matching entity.
// Sets of dense entity ids, no cleverness: this is the oracle the encoded engine is tested against.

import { isEventType } from "../../../contract/columns";
import type { EventTerm, Expr, Window } from "../../../contract/plan";
import type { DimensionView } from "./data";
import { compileOptionalTest, compileTest } from "./value-test";

/** Inclusive window test; null = all time. */
export function inWindow(t: number, w: Window | null): boolean {
  return w === null || (t >= w.from && t <= w.to);
}

/**
 * Matching events per live entity, summed over all terms (freqgroup semantics: an event matched by two
 * terms of the same column counts twice, once per term). Entities with no matching event are absent.
 */
export function matchingEventCounts(view: DimensionView, terms: readonly EventTerm[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const term of terms) {
    const pass = compileOptionalTest(term.test);
    for (const [eid, events] of view.events(term.col.id)) {
      if (!view.entities.has(eid)) continue;
      let n = 0;
      for (const e of events) if (inWindow(e.t, term.window) && pass(e.value)) n++;
      if (n > 0) counts.set(eid, (counts.get(eid) ?? 0) + n);
    }
  }
  return counts;
}

/**
 * Evaluates expressions on one dimension, memoising each sub-expression's entity set by object
 * identity so scoring (which asks about every sub-expression) costs no re-evaluation.
 */
export class ExprEvaluator {
  private readonly memo = new Map<Expr, ReadonlySet<number>>();

  constructor(private readonly view: DimensionView) {}

  /** The live entities for which `expr` is true. */
  matches(expr: Expr): ReadonlySet<number> {
    let set = this.memo.get(expr);
    if (set === undefined) {
      set = this.compute(expr);
      this.memo.set(expr, set);
    }
    return set;
  }

  /**
   * plan.ts score of an entity for which `expr` is true: leaves, `and` and `not` score 1; `or` scores
   * the sum of the scores of its true arguments (an and-group counts once).
   */
  score(expr: Expr, eid: number): number {
    if (expr.op !== "or") return 1;
    let s = 0;
    for (const arg of expr.args) if (this.matches(arg).has(eid)) s += this.score(arg, eid);
    return s;
  }

  private compute(expr: Expr): ReadonlySet<number> {
    const live = this.view.entities;
    switch (expr.op) {
      case "all":
        return new Set(live.keys());
      case "and": {
        // Start from the smallest argument: cheaper, same answer.
        if (expr.args.length === 0) return new Set(live.keys());
        const sets = expr.args.map((a) => this.matches(a)).sort((a, b) => a.size - b.size);
        const [first, ...rest] = sets as [ReadonlySet<number>, ...ReadonlySet<number>[]];
        const out = new Set<number>();
        for (const eid of first) if (rest.every((s) => s.has(eid))) out.add(eid);
        return out;
      }
      case "or": {
        const out = new Set<number>();
        for (const a of expr.args) for (const eid of this.matches(a)) out.add(eid);
        return out;
      }
      case "not": {
        const inner = this.matches(expr.arg);
        const out = new Set<number>();
        for (const eid of live.keys()) if (!inner.has(eid)) out.add(eid);
        return out;
      }
      case "id": {
        // External ids are exact and case-sensitive: no case folding.
        const pass = compileTest(expr.test, false);
        const out = new Set<number>();
        for (const [eid, ext] of live) if (pass(ext)) out.add(eid);
        return out;
      }
      case "attr": {
        const pass = compileTest(expr.test);
        const out = new Set<number>();
        for (const [eid, values] of this.view.attr(expr.col.id)) {
          if (live.has(eid) && values.some((v) => pass(v.value))) out.add(eid);
        }
        return out;
      }
      case "has": {
        const column = isEventType(expr.col.type) ? this.view.events(expr.col.id) : this.view.attr(expr.col.id);
        const out = new Set<number>();
        for (const [eid, values] of column) if (live.has(eid) && values.length > 0) out.add(eid);
        return out;
      }
      case "events": {
        // "At least minfreq" with minfreq <= 0 holds for every entity, even one without events.
        if (expr.minfreq <= 0) return new Set(live.keys());
        const out = new Set<number>();
        for (const [eid, n] of matchingEventCounts(this.view, expr.terms)) if (n >= expr.minfreq) out.add(eid);
        return out;
      }
    }
  }
}
