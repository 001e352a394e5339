// Ranking of value groups, shared by top values and aggregation: entities descending, then the
// displayed value ascending (code-unit order), so every shard answers in the same order.

import { compareStrings } from "../../contract/value-test";

export function rankGroups<G extends { display: string; count: number }>(groups: G[]): G[] {
  return groups.filter((g) => g.count > 0).sort((a, b) => b.count - a.count || compareStrings(a.display, b.display));
}
