// Answer of a top-values query: every qualifying value with its number of distinct live entities
// (the edge merges shards and cuts to N).

import type { ShardAnswer, TopValuesQuery } from "../../../src/shared/plan";
import type { Shard } from "../shard";
import { rankGroups } from "./grouping";

export function topValues(shard: Shard, q: TopValuesQuery): ShardAnswer {
  const values = q.queries.map(({ dimension, col, test, window }) => {
    const codec = shard.codec(col);
    if (codec === null) return [];
    const live = shard.live(dimension);
    return rankGroups(codec.groups(test, window, live, false, shard.dim(dimension)?.ord)).map((g): [string, number] => [g.display, g.count]);
  });
  return { kind: "top-values", values };
}
