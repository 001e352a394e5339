// Shared evaluation over "one bitmap per dictionary value" chunks (latest-value dictionary columns
// and list-of-values columns): which codes pass a test, the union of their bitmaps, per-value groups
// and metrics by intersecting value bitmaps with a filter.

import type { MetricName, MetricPartial, ValueTest } from "../../contract/plan";
import { Bitmap } from "../bitmap/bitmap";
import type { Container } from "../bitmap/container";
import { andC, andCountC, unionMany } from "../bitmap/container-ops";
import { compileOptionalTest, compileTest, exactValues } from "../../contract/value-test";
import { addToPartial, emptyPartial, type ValueGroup } from "./codec";
import type { Dictionary } from "./dictionary";
import { countCodes, countRest, scanChoice, splitByCodes } from "./code-scan";
import type { PackedCodes } from "./packed";

export interface ValueChunk {
  exists: Container | null;
  values: Map<number, Container>;
  /** Latest-value columns: entity → code (each entity holds at most one code). */
  fwd?: PackedCodes;
}

/** Codes (ascending) whose value passes the test; eq/in look the dictionary up instead of scanning it. */
export function matchingCodes(dict: Dictionary, test: ValueTest | null): number[] {
  if (test !== null && dict.type !== "datetime") {
    const exact = exactValues(test);
    if (exact !== null) {
      const codes = new Set<number>();
      for (const v of exact) {
        const c = dict.lookup(v);
        if (c !== 0) codes.add(c);
      }
      return [...codes].sort((a, b) => a - b);
    }
  }
  const pass = test === null ? null : compileTest(test);
  const out: number[] = [];
  for (let c = 1; c < dict.size; c++) if (pass === null || pass(dict.value(c))) out.push(c);
  return out;
}

/** Union over chunks of the bitmaps of `codes`. */
export function unionOfCodes(chunks: Iterable<[number, ValueChunk]>, codes: readonly number[], dictSize: number): Bitmap {
  const out = new Bitmap();
  if (codes.length === 0) return out;
  let flags: Uint8Array | null = null;
  for (const [k, ch] of chunks) {
    // Iterate whichever is smaller: the wanted codes or the chunk's values.
    const parts: Container[] = [];
    if (codes.length <= ch.values.size) {
      for (const code of codes) {
        const c = ch.values.get(code);
        if (c !== undefined) parts.push(c);
      }
    } else {
      if (flags === null) {
        flags = new Uint8Array(dictSize);
        for (const code of codes) flags[code] = 1;
      }
      for (const [code, c] of ch.values) if (flags[code] === 1) parts.push(c);
    }
    if (parts.length === 0) continue;
    if (parts.length === 1) {
      out.push(k, parts[0]!);
      continue;
    }
    out.push(k, unionMany(parts));
  }
  return out;
}

/**
 * Groups of `within` by displayed value. Codes sharing a display (two dates of one day) merge with
 * a union, so an entity is counted once per display. `withinHoldsAll`: every value bitmap is inside
 * `within` (it is the column's live entities), so counts are cardinalities. Per chunk, a column
 * with a forward array may instead read each entity's code (code-scan.ts) when that is cheaper.
 */
export function groupByCodes(dict: Dictionary, chunks: Array<[number, ValueChunk, Container]>, test: ValueTest | null, wantSets: boolean, withinHoldsAll = false): ValueGroup[] {
  const codes = matchingCodes(dict, test);
  const pass = new Uint8Array(dict.size);
  for (const c of codes) pass[c] = 1;
  const counts = new Float64Array(dict.size);
  const sets: Map<number, Bitmap> | null = wantSets ? new Map() : null;
  for (const [k, ch, w] of chunks) {
    if (sets === null) {
      // Counts only: intersection counts (or cardinalities), or one forward-array read per entity.
      const how = withinHoldsAll || ch.fwd === undefined ? "bitmaps" : scanChoice(w, ch.values, ch.exists, pass, false);
      if (how === "within") countCodes(ch.fwd!, w, counts);
      else if (how === "rest") countRest(ch.fwd!, w, ch.values, ch.exists!, counts);
      else for (const [code, c] of ch.values) if (pass[code] === 1) counts[code]! += withinHoldsAll ? c.n : andCountC(c, w);
      continue;
    }
    for (const [code, x] of splitChunk(ch, w, pass, withinHoldsAll)) {
      counts[code]! += x.n;
      let b = sets.get(code);
      if (b === undefined) sets.set(code, (b = new Bitmap()));
      b.push(k, x);
    }
  }
  // Strings and booleans show their own distinct values: one group per code, no display map.
  if (dict.type === "string" || dict.type === "boolean") {
    const out: ValueGroup[] = [];
    for (const code of codes) if (counts[code] !== 0) out.push({ display: dict.display(code), count: counts[code]!, set: sets?.get(code) ?? null });
    return out;
  }
  const byDisplay = new Map<string, number[]>();
  for (const code of codes) {
    if (counts[code] === 0) continue;
    const d = dict.display(code);
    const list = byDisplay.get(d);
    if (list === undefined) byDisplay.set(d, [code]);
    else list.push(code);
  }
  const out: ValueGroup[] = [];
  for (const [display, list] of byDisplay) {
    if (list.length === 1) {
      const code = list[0]!;
      out.push({ display, count: counts[code]!, set: sets?.get(code) ?? null });
      continue;
    }
    // Rare: several codes show the same text; their union counts each entity once.
    const union = Bitmap.orMany(list.map((code) => (sets !== null ? sets.get(code)! : codeBitmap(chunks, code))));
    out.push({ display, count: union.size, set: wantSets ? union : null });
  }
  return out;
}

/**
 * The entities of `w` (one chunk) split by code, for the codes with pass[code] = 1: value bitmaps
 * intersected with w, or w's entities filed by their forward-array code, whichever is cheaper.
 */
export function splitChunk(ch: ValueChunk, w: Container, pass: Uint8Array, withinHoldsAll = false): Array<[number, Container]> {
  if (!withinHoldsAll && ch.fwd !== undefined && scanChoice(w, ch.values, ch.exists, pass, true) === "within") return [...splitByCodes(ch.fwd, w, pass)];
  const out: Array<[number, Container]> = [];
  for (const [code, c] of ch.values) {
    if (pass[code] !== 1) continue;
    const x = withinHoldsAll ? c : andC(c, w);
    if (x !== null) out.push([code, x]);
  }
  return out;
}

function codeBitmap(chunks: Array<[number, ValueChunk, Container]>, code: number): Bitmap {
  const b = new Bitmap();
  for (const [k, ch, w] of chunks) {
    const c = ch.values.get(code);
    if (c !== undefined) b.push(k, andC(c, w));
  }
  return b;
}

/** Metric over every value held by entities of `within` (value × number of holders). */
export function metricByCodes(dict: Dictionary, chunks: Array<[number, ValueChunk, Container]>, metric: MetricName): MetricPartial {
  const counts = new Float64Array(dict.size);
  const all = new Uint8Array(dict.size).fill(1);
  for (const [, ch, w] of chunks) {
    const how = ch.fwd === undefined ? "bitmaps" : scanChoice(w, ch.values, ch.exists, all, false);
    if (how === "within") countCodes(ch.fwd!, w, counts);
    else if (how === "rest") countRest(ch.fwd!, w, ch.values, ch.exists!, counts);
    else for (const [code, c] of ch.values) counts[code]! += andCountC(c, w);
  }
  const p = emptyPartial();
  for (let code = 1; code < dict.size; code++) if (counts[code]! > 0) addToPartial(p, metric, dict.value(code), counts[code]!);
  return p;
}

export function predicateOf(test: ValueTest | null) {
  return compileOptionalTest(test);
}
