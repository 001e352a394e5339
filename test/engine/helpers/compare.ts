// Deep comparison of shard answers with a relative tolerance on non-integer numbers (float sums may
// add in another order in the encoded engine), returning the first difference's path.

import type { ShardAnswer } from "../../../contract/plan";

export function firstDifference(a: unknown, b: unknown, path = "$"): string | null {
  if (typeof a === "number" && typeof b === "number") {
    if (Object.is(a, b) || a === b) return null;
    const scale = Math.max(Math.abs(a), Math.abs(b), 1e-300);
    return Math.abs(a - b) / scale <= 1e-9 ? null : `${path}: ${a} vs ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length} (${JSON.stringify(a).slice(0, 300)} vs ${JSON.stringify(b).slice(0, 300)})`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return `${path}: keys ${ka.join()} vs ${kb.join()}`;
    for (const k of ka) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d !== null) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

/** Top-values lists may come in any order (plan.ts): sorted by value, the answers compare as sets. */
export function canonicalAnswer(a: ShardAnswer): ShardAnswer {
  if (a.kind !== "top-values") return a;
  return { kind: "top-values", values: a.values.map((list) => [...list].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) };
}

/** firstDifference of two shard answers, order-free where the answer's contract is. */
export function answerDifference(got: ShardAnswer, want: ShardAnswer): string | null {
  return firstDifference(canonicalAnswer(got), canonicalAnswer(want));
}
