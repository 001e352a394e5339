// Type-exact JSON for tests: parses numbers as {int|float} tags (like Python's json module, which the
// strictest conformance harness uses), and compares answers the way the runners do.

import { Float, stringifyResponse } from "../../../src/query/json";

export class Num {
  constructor(
    readonly value: number,
    readonly float: boolean,
  ) {}
}

/** JSON.parse keeping whether each number literal was a float (needs Node ≥ 21 source access). */
export function parseTyped(text: string): unknown {
  return JSON.parse(text, (_k, v, ctx?: { source?: string }) => {
    if (typeof v !== "number") return v;
    if (ctx?.source === undefined) throw new Error("JSON.parse source text access is unavailable (Node >= 21 needed)");
    return new Num(v, /[.eE]/.test(ctx.source));
  });
}

/** Our response as a type-strict client reads it. */
export function typedResponse(body: unknown): unknown {
  return parseTyped(stringifyResponse(body));
}

/**
 * The runners' comparison: keys of `expected` whose value is "ignore" are skipped; objects may have
 * extra keys (js) — pass `exactKeys` for the py/java rule; arrays are multisets of equal length;
 * numbers equal within 1e-9 relative and of the same int/float type; strings exact. Returns a list of
 * differences (empty when equal).
 */
export function compareAnswer(expected: unknown, actual: unknown, path = "$", exactKeys = false): string[] {
  if (expected === "ignore") return [];
  if (expected instanceof Num) {
    if (!(actual instanceof Num)) return [`${path}: expected number ${expected.value}, got ${show(actual)}`];
    const diffs: string[] = [];
    if (expected.float !== actual.float) diffs.push(`${path}: expected ${expected.float ? "float" : "int"} ${expected.value}, got ${actual.float ? "float" : "int"} ${actual.value}`);
    const scale = Math.max(Math.abs(expected.value), Math.abs(actual.value), 1e-300);
    if (Math.abs(expected.value - actual.value) / scale > 1e-9) diffs.push(`${path}: expected ${expected.value}, got ${actual.value}`);
    return diffs;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected a list, got ${show(actual)}`];
    if (expected.length !== actual.length) return [`${path}: expected ${expected.length} items, got ${actual.length}: ${show(actual)}`];
    const unused = actual.map((_, i) => i);
    for (const [i, e] of expected.entries()) {
      const j = unused.findIndex((k) => compareAnswer(e, actual[k], path, exactKeys).length === 0);
      if (j < 0) return [`${path}[${i}]: no match for ${show(e)} in ${show(actual)}`];
      unused.splice(j, 1);
    }
    return [];
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return [`${path}: expected an object, got ${show(actual)}`];
    const a = actual as Record<string, unknown>;
    const diffs: string[] = [];
    for (const [k, v] of Object.entries(expected)) {
      if (v === "ignore") continue;
      if (!(k in a)) diffs.push(`${path}.${k}: missing`);
      else diffs.push(...compareAnswer(v, a[k], `${path}.${k}`, exactKeys));
    }
    if (exactKeys) {
      for (const k of Object.keys(a)) if (!(k in expected)) diffs.push(`${path}.${k}: unexpected member`);
    }
    return diffs;
  }
  return expected === actual ? [] : [`${path}: expected ${show(expected)}, got ${show(actual)}`];
}

function show(v: unknown): string {
  const s = JSON.stringify(v, (_k, x) => (x instanceof Num ? x.value : x)) ?? String(v);
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}

/** The inverse of parseTyped: JSON text with float-typed numbers keeping their decimal point. */
export function stringifyTyped(v: unknown): string {
  const untag = (x: unknown): unknown => {
    if (x instanceof Num) return x.float ? new Float(x.value) : x.value;
    if (Array.isArray(x)) return x.map(untag);
    if (x !== null && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, untag(y)]));
    return x;
  };
  return stringifyResponse(untag(v));
}
