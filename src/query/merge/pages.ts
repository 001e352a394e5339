// Merges the shards' extraction pages by their order keys (missing values last in either direction,
// full ties by entity id ascending: the engine's own order), so a page of the whole database is the
// first `limit` rows of a k-way merge; `taken` says how far each shard's cursor moves. A shard may
// send fewer rows than the page needs (src/query/page-rounds.ts): the merge then stops where its
// rows run out and says so.

import type { ExtractRow, OrderKey, Scalar } from "../../../contract/plan";

const KIND_RANK: Record<string, number> = { boolean: 0, number: 1, string: 2 };

/** Same-kind values compare naturally (text by code units); kinds order boolean < number < text. */
export function compareScalars(a: Scalar, b: Scalar): number {
  const ka = KIND_RANK[typeof a] ?? 3;
  const kb = KIND_RANK[typeof b] ?? 3;
  if (ka !== kb) return ka - kb;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

export function compareRows(order: readonly OrderKey[], a: ExtractRow, b: ExtractRow): number {
  for (let i = 0; i < order.length; i++) {
    const x = a.sort[i] ?? null;
    const y = b.sort[i] ?? null;
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
      continue;
    }
    const c = compareScalars(x, y);
    if (c !== 0) return order[i]!.dir === "desc" ? -c : c;
  }
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

/** One shard's rows for the merge, sorted by the order; `more`: the shard has matching rows after them. */
export interface ShardPage {
  rows: readonly ExtractRow[];
  more: boolean;
}

export interface MergedPage {
  rows: ExtractRow[];
  /** Rows consumed from each shard's page. */
  taken: number[];
  /**
   * The merge stopped short of `limit` because a shard's page ran out while that shard has more
   * rows (the next of them could come first): it must be asked for more before the page is complete.
   */
  stalled: boolean;
}

/** The first `limit` rows of the merged order, or fewer when the pages run out (see `stalled`). */
export function mergePages(pages: readonly ShardPage[], order: readonly OrderKey[], limit: number): MergedPage {
  const taken = pages.map(() => 0);
  const rows: ExtractRow[] = [];
  while (rows.length < limit) {
    let best = -1;
    for (let s = 0; s < pages.length; s++) {
      const page = pages[s]!;
      const row = page.rows[taken[s]!];
      if (row === undefined) {
        if (page.more) return { rows, taken, stalled: true };
        continue;
      }
      if (best < 0 || compareRows(order, row, pages[best]!.rows[taken[best]!]!) < 0) best = s;
    }
    if (best < 0) break;
    rows.push(pages[best]!.rows[taken[best]!]!);
    taken[best]!++;
  }
  return { rows, taken, stalled: false };
}
