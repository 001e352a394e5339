// Answers of the counting query kinds: count-entity, count-event, total and exists.

import type { CountEntityQuery, CountEventQuery, ExistsQuery, ShardAnswer, TotalQuery } from "../../../../contract/plan";
import { ExprEvaluator, matchingEventCounts } from "../evaluate";
import type { ViewSource } from "./source";

export function countEntities(src: ViewSource, q: CountEntityQuery): ShardAnswer {
  const counts = q.queries.map(({ dimension, expr }) => new ExprEvaluator(src.view(dimension)).matches(expr).size);
  return { kind: "count-entity", counts };
}

/** Events, not entities: every matching event counts, duplicates included, summed over the terms. */
export function countEvents(src: ViewSource, q: CountEventQuery): ShardAnswer {
  const counts = q.queries.map(({ dimension, terms }) => {
    let total = 0;
    for (const n of matchingEventCounts(src.view(dimension), terms).values()) total += n;
    return total;
  });
  return { kind: "count-event", counts };
}

/** A dimension listed twice is counted once: the answer is a number of entities, not of mentions. */
export function total(src: ViewSource, q: TotalQuery): ShardAnswer {
  const live = src.liveCounts();
  const dims = q.dimensions === null ? [...live.keys()] : [...new Set(q.dimensions)];
  let n = 0;
  for (const d of dims) n += live.get(d) ?? 0;
  return { kind: "total", counts: [n] };
}

/** Input order is kept; a repeated id is answered once. */
export function exists(src: ViewSource, q: ExistsQuery): ShardAnswer {
  const view = src.view(q.dimension);
  const live = new Set(view.entities.values());
  const ids = [...new Set(q.ids)].filter((id) => live.has(id));
  return { kind: "exists", ids };
}
