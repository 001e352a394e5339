// Answers of the counting queries: count-entity, count-event, total and exists.

import type { CountEntityQuery, CountEventQuery, ExistsQuery, ShardAnswer, TotalQuery } from "../../contract/plan";
import { Evaluator, drainEventCounts, eventScratch } from "../eval/expr";
import { containerHas } from "../bitmap/container";
import type { Shard } from "../shard";

export function countEntities(shard: Shard, q: CountEntityQuery): ShardAnswer {
  const evaluators = new Map<string, Evaluator>();
  const counts = q.queries.map(({ dimension, expr }) => {
    let ev = evaluators.get(dimension);
    if (ev === undefined) evaluators.set(dimension, (ev = new Evaluator(shard, dimension)));
    return ev.count(expr);
  });
  return { kind: "count-entity", counts };
}

/** Events, not entities: every matching event of a live entity counts, summed over the terms. */
export function countEvents(shard: Shard, q: CountEventQuery): ShardAnswer {
  const counts = q.queries.map(({ dimension, terms }) => {
    const live = shard.live(dimension);
    const codecs = terms.map((t) => {
      const c = shard.codec(t.col);
      return c !== null && c.event ? c : null;
    });
    let total = 0;
    const { counts, touched } = eventScratch();
    for (let i = 0; i < live.keys.length; i++) {
      const k = live.keys[i]!;
      terms.forEach((t, j) => codecs[j]?.accumulate(t.test, t.window, k, counts, touched));
      const c = live.cs[i]!;
      drainEventCounts(counts, touched, (l, count) => {
        if (containerHas(c, l)) total += count;
      });
    }
    return total;
  });
  return { kind: "count-event", counts };
}

export function total(shard: Shard, q: TotalQuery): ShardAnswer {
  const names = q.dimensions === null ? shard.allDims().map((d) => d.name) : [...new Set(q.dimensions)];
  let n = 0;
  for (const name of names) n += shard.dim(name)?.live ?? 0;
  return { kind: "total", counts: [n] };
}

/** Input order kept, repeated ids answered once. */
export function exists(shard: Shard, q: ExistsQuery): ShardAnswer {
  const d = shard.dim(q.dimension);
  if (d === undefined) return { kind: "exists", ids: [] };
  const unique = [...new Set(q.ids)];
  const found = shard.entities.lookup(d.ord, unique);
  const live = shard.live(q.dimension);
  return { kind: "exists", ids: unique.filter((id) => found.has(id) && live.has(found.get(id)!)) };
}
