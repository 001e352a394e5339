// Per-value entity counts (top values, aggregation groups) merged across shards before cutting to N:
// each entity lives in one shard, so adding the shards' counts per value is exact.

/** Adds the [value, quantity] lists of every shard. */
export function mergeValueCounts(lists: Iterable<ReadonlyArray<readonly [string, number]>>): Map<string, number> {
  const out = new Map<string, number>();
  for (const list of lists) for (const [value, q] of list) out.set(value, (out.get(value) ?? 0) + q);
  return out;
}

/** Code-unit order, the same order the engine uses for display strings. */
export function compareText(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Quantity descending, then value ascending (a deterministic tie order), at most `n` entries. */
export function rankValues<T extends { value: string; quantity: number }>(items: T[], n: number): T[] {
  return [...items].sort((a, b) => b.quantity - a.quantity || compareText(a.value, b.value)).slice(0, n);
}
