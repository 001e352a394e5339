// Shard answers as they cross the Durable Object RPC boundary. Extraction rows and top-values lists
// travel as columns (one array per field): the V8 serialiser behind RPC then copies a few arrays
// instead of an object or a pair per row, about 5x cheaper for a page of 100 rows (node:v8 measure).
// Answers of other kinds cross as they are. The engines and the merges only see ShardAnswer.

import type { ExtractRow, ExtractedValue, Scalar, ShardAnswer } from "./plan";

type Extract = Extract_<ShardAnswer, "extract">;
type TopValues = Extract_<ShardAnswer, "top-values">;
type Extract_<U, K> = U extends { kind: K } ? U : never;

export type WireAnswer =
  | Exclude<ShardAnswer, Extract | TopValues>
  | {
      kind: "extract-columns";
      matched: number;
      ids: string[];
      /** Per row; null when no row has a score. */
      scores: Array<number | undefined> | null;
      /** Per order key, per row. */
      sort: Array<Array<Scalar | null>>;
      /** Per column key, per row (undefined: the entity has no value). Pairs, not an object: RPC
       * refuses null-prototype objects, and a key such as "__proto__" must stay a plain key. */
      values: Array<[key: string, perRow: Array<ExtractedValue | undefined>]>;
    }
  | { kind: "top-values-columns"; lists: Array<{ values: string[]; counts: number[] }> };

export function toWire(a: ShardAnswer): WireAnswer {
  if (a.kind === "top-values") return { kind: "top-values-columns", lists: a.values.map((list) => ({ values: list.map(([v]) => v), counts: list.map(([, n]) => n) })) };
  if (a.kind !== "extract") return a;
  const { rows } = a;
  const keys = rows[0]?.sort.length ?? 0;
  const values = new Map<string, Array<ExtractedValue | undefined>>();
  rows.forEach((r, i) => {
    for (const [key, v] of Object.entries(r.values)) {
      let list = values.get(key);
      if (list === undefined) values.set(key, (list = new Array<ExtractedValue | undefined>(rows.length).fill(undefined)));
      list[i] = v;
    }
  });
  return {
    kind: "extract-columns",
    matched: a.matched,
    ids: rows.map((r) => r.id),
    scores: rows.some((r) => r.score !== undefined) ? rows.map((r) => r.score) : null,
    sort: Array.from({ length: keys }, (_, k) => rows.map((r) => r.sort[k] ?? null)),
    values: [...values],
  };
}

export function fromWire(w: WireAnswer): ShardAnswer {
  if (w.kind === "top-values-columns") return { kind: "top-values", values: w.lists.map((l) => l.values.map((v, i): [string, number] => [v, l.counts[i]!])) };
  if (w.kind !== "extract-columns") return w;
  const columns = w.values;
  const rows = w.ids.map((id, i): ExtractRow => {
    const values: Record<string, ExtractedValue> = {};
    for (const [key, list] of columns) {
      const v = list[i];
      if (v !== undefined) values[key] = v;
    }
    const row: ExtractRow = { id, sort: w.sort.map((k) => k[i] ?? null), values };
    const score = w.scores?.[i];
    if (score !== undefined) row.score = score;
    return row;
  });
  return { kind: "extract", matched: w.matched, rows };
}
