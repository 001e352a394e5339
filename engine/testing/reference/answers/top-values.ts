// Answer of a top-values query: every qualifying value with its number of distinct entities (the edge
// merges the shards' lists and cuts to N, so nothing is cut here).

import type { ShardAnswer, TopValuesQuery } from "../../../../contract/plan";
import { groupByValue, rankGroups } from "./grouping";
import type { ViewSource } from "./source";

export function topValues(src: ViewSource, q: TopValuesQuery): ShardAnswer {
  const values = q.queries.map(({ dimension, col, test, window }) =>
    rankGroups(groupByValue(src.view(dimension), col, test, window, null)).map(([display, entities]): [string, number] => [display, entities.size]),
  );
  return { kind: "top-values", values };
}
