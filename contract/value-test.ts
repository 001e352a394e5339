// plan.ts ValueTest semantics on one stored value, and the total order on scalars, shared by the
// storage engine (dictionary-encoded columns run these predicates once per dictionary entry, not per
// entity) and the SQL edge (rows it computes itself). The reference engine keeps its own independent
// copy on purpose: it is the oracle these are tested against.

import type { Scalar, ValueTest } from "./plan";

export type ValuePredicate = (v: Scalar) => boolean;

function kindRank(v: Scalar): number {
  return typeof v === "boolean" ? 0 : typeof v === "number" ? 1 : 2;
}

/** Same-kind values compare naturally (text by UTF-16 code units, false < true); kinds order boolean < number < text. */
export function compareScalars(a: Scalar, b: Scalar): number {
  const ka = kindRank(a);
  const kb = kindRank(b);
  if (ka !== kb) return ka - kb;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

export function compareStrings(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * Compiles a test; text operands are lower-cased (stored text is) unless `foldCase` is false (the
 * entity-id test is exact). An operand of another kind than the value never matches, `ne` included.
 */
export function compileTest(test: ValueTest, foldCase = true): ValuePredicate {
  const norm = (s: Scalar): Scalar => (foldCase && typeof s === "string" ? s.toLowerCase() : s);
  const normText = (s: string): string => (foldCase ? s.toLowerCase() : s);
  switch (test.op) {
    case "eq": {
      const x = norm(test.value);
      return (v) => v === x;
    }
    case "ne": {
      const x = norm(test.value);
      return (v) => typeof v === typeof x && v !== x;
    }
    case "in": {
      const xs = new Set(test.values.map(norm));
      return (v) => xs.has(v);
    }
    case "range": {
      const min = test.min === null ? null : norm(test.min);
      const max = test.max === null ? null : norm(test.max);
      const { minInclusive, maxInclusive } = test;
      return (v) => {
        if (min !== null) {
          if (typeof min !== typeof v) return false;
          const c = compareScalars(v, min);
          if (c < 0 || (c === 0 && !minInclusive)) return false;
        }
        if (max !== null) {
          if (typeof max !== typeof v) return false;
          const c = compareScalars(v, max);
          if (c > 0 || (c === 0 && !maxInclusive)) return false;
        }
        return true;
      };
    }
    case "starts-with": {
      const x = normText(test.value);
      return (v) => typeof v === "string" && v.startsWith(x);
    }
    case "ends-with": {
      const x = normText(test.value);
      return (v) => typeof v === "string" && v.endsWith(x);
    }
    case "contains": {
      const x = normText(test.value);
      return (v) => typeof v === "string" && v.includes(x);
    }
    case "and": {
      const ps = test.tests.map((t) => compileTest(t, foldCase));
      return (v) => ps.every((p) => p(v));
    }
    case "or": {
      const ps = test.tests.map((t) => compileTest(t, foldCase));
      return (v) => ps.some((p) => p(v));
    }
    case "not": {
      const p = compileTest(test.test, foldCase);
      return (v) => !p(v);
    }
  }
}

export function compileOptionalTest(test: ValueTest | null): ValuePredicate {
  return test === null ? () => true : compileTest(test);
}

/** The exact values an eq/in test can match (lower-cased), or null when the test is not of that shape. */
export function exactValues(test: ValueTest): Scalar[] | null {
  if (test.op === "eq") return [typeof test.value === "string" ? test.value.toLowerCase() : test.value];
  if (test.op === "in") return test.values.map((v) => (typeof v === "string" ? v.toLowerCase() : v));
  return null;
}

const compiled = new WeakMap<ValueTest, ValuePredicate>();

/** True when `v` passes `test` (compiled once per test object, for callers that test row by row). */
export function passes(test: ValueTest, v: Scalar): boolean {
  let p = compiled.get(test);
  if (p === undefined) compiled.set(test, (p = compileTest(test)));
  return p(v);
}
