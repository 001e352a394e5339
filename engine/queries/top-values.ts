// Answer of a top-values query: every qualifying value with its number of distinct live entities, in
// dictionary order. The edge adds the shards' counts, then ranks and cuts to N, so ranking here too
// would only cost a sort of every value per shard (a large share of a 1000-value query).

import type { ShardAnswer, TopValuesQuery } from "../../contract/plan";
import type { Shard } from "../shard";

export function topValues(shard: Shard, q: TopValuesQuery): ShardAnswer {
  const values = q.queries.map(({ dimension, col, test, window }) => {
    const codec = shard.codec(col);
    if (codec === null) return [];
    const groups = codec.groups(test, window, shard.live(dimension), false, shard.dim(dimension)?.ord);
    const out: Array<[string, number]> = [];
    for (const g of groups) if (g.count > 0) out.push([g.display, g.count]);
    return out;
  });
  return { kind: "top-values", values };
}
