// The edge's own evaluation of plan.ts ValueTests on one normalised value, and the scalar order used
// for ORDER BY / MIN / MAX. Same rules as the shards (a test whose operand kind differs from the
// value never matches; boolean < number < text across kinds), kept here so src/ never imports the engine.

import type { Scalar, ValueTest } from "../shared/plan";

const KIND_RANK: Record<string, number> = { boolean: 0, number: 1, string: 2 };

/** Total order: numbers numerically, text by UTF-16 code units, false < true; kinds boolean < number < text. */
export function compareScalars(a: Scalar, b: Scalar): number {
  const ka = typeof a, kb = typeof b;
  if (ka !== kb) return (KIND_RANK[ka] ?? 3) - (KIND_RANK[kb] ?? 3);
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** True when `v` passes `test`. Operands were normalised at compile time (text already lower-cased). */
export function passes(test: ValueTest, v: Scalar): boolean {
  switch (test.op) {
    case "eq":
      return typeof v === typeof test.value && v === test.value;
    case "ne":
      return typeof v === typeof test.value && v !== test.value;
    case "in":
      return test.values.some((x) => typeof v === typeof x && v === x);
    case "range": {
      if (test.min !== null) {
        if (typeof test.min !== typeof v) return false;
        const c = compareScalars(v, test.min);
        if (c < 0 || (c === 0 && !test.minInclusive)) return false;
      }
      if (test.max !== null) {
        if (typeof test.max !== typeof v) return false;
        const c = compareScalars(v, test.max);
        if (c > 0 || (c === 0 && !test.maxInclusive)) return false;
      }
      return true;
    }
    case "starts-with":
      return typeof v === "string" && v.startsWith(test.value);
    case "ends-with":
      return typeof v === "string" && v.endsWith(test.value);
    case "contains":
      return typeof v === "string" && v.includes(test.value);
    case "and":
      return test.tests.every((t) => passes(t, v));
    case "or":
      return test.tests.some((t) => passes(t, v));
    case "not":
      return !passes(test.test, v);
  }
}
