// ValueTest semantics (plan.ts) on one stored value, and the total order on scalars used wherever the
// reference engine sorts values. Tests are compiled once per query so operands are lower-cased once.

import type { Scalar, ValueTest } from "../../../contract/plan";

export type ValuePredicate = (v: Scalar) => boolean;

const KIND_RANK = { boolean: 0, number: 1, string: 2 } as const;

/**
 * Total order on scalars: same-kind values compare naturally (numbers numerically, text by UTF-16
 * code units, false < true); different kinds order boolean < number < text so sorting never throws.
 */
export function compareScalars(a: Scalar, b: Scalar): number {
  const ka = typeof a as keyof typeof KIND_RANK;
  const kb = typeof b as keyof typeof KIND_RANK;
  if (ka !== kb) return KIND_RANK[ka] - KIND_RANK[kb];
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Code-unit order on strings (not locale order): what "entity ids sort as strings" means here. */
export function compareStrings(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * Compiles a test. `foldCase` lower-cases text operands (column values are stored lower-cased);
 * the entity-id test is exact and case-sensitive, so it compiles with foldCase = false.
 * An operand of another kind than the value never matches (also for `ne`): "does not fit" is false.
 */
export function compileTest(test: ValueTest, foldCase = true): ValuePredicate {
  const norm = (s: Scalar): Scalar => (foldCase && typeof s === "string" ? s.toLowerCase() : s);
  const normText = (s: string): string => (foldCase ? s.toLowerCase() : s);
  switch (test.op) {
    case "eq": {
      const x = norm(test.value);
      return (v) => typeof v === typeof x && v === x;
    }
    case "ne": {
      const x = norm(test.value);
      return (v) => typeof v === typeof x && v !== x;
    }
    case "in": {
      const xs = test.values.map(norm);
      return (v) => xs.some((x) => typeof v === typeof x && v === x);
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

/** A null test (no filter) passes everything. */
export function compileOptionalTest(test: ValueTest | null): ValuePredicate {
  return test === null ? () => true : compileTest(test);
}
