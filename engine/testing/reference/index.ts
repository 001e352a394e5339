// The reference shard engine: a plain, obviously-correct ShardEngine over SQLite tables (ref_*) with
// a per-dimension in-memory cache. Every shard uses it today, and it is the oracle the encoded engine
// is tested against. Entry point: createReferenceEngine(sql).

import type { Mutation, ShardAnswer, ShardQuery } from "../../../contract/plan";
import type { EngineStats, MutationOutcome, ShardEngine, SqlLike } from "../../engine";
import { aggregation } from "./answers/aggregation";
import { countEntities, countEvents, exists, total } from "./answers/counts";
import { extract } from "./answers/extract";
import { topValues } from "./answers/top-values";
import { applyMutation, touchedDimensions } from "./mutations";
import { ReferenceStore } from "./store";

export { SCHEMA_VERSION } from "./schema";

/** Builds the engine and migrates its tables (idempotent; safe on every Durable Object wake-up). */
export function createReferenceEngine(sql: SqlLike): ShardEngine {
  const store = new ReferenceStore(sql);
  return {
    apply(mutation: Mutation): MutationOutcome {
      try {
        return applyMutation(store, mutation);
      } finally {
        // Also on a throw: the caller rolls storage back, and the cache must then re-read it.
        for (const d of touchedDimensions(mutation)) store.invalidate(d);
      }
    },

    applyAll(mutations: readonly Mutation[]): MutationOutcome[] {
      return mutations.map((m) => this.apply(m));
    },

    query(q: ShardQuery): ShardAnswer {
      switch (q.kind) {
        case "count-entity":
          return countEntities(store, q);
        case "count-event":
          return countEvents(store, q);
        case "total":
          return total(store, q);
        case "exists":
          return exists(store, q);
        case "top-values":
          return topValues(store, q);
        case "aggregation":
          return aggregation(store, q);
        case "extract":
          return extract(store, q);
      }
    },

    stats(): EngineStats {
      const dimensions: Record<string, number> = {};
      let entities = 0;
      for (const [d, n] of store.liveCounts()) {
        dimensions[d] = n;
        entities += n;
      }
      return { entities, dimensions, storageBytes: store.storageBytes(), cachedBytes: store.cachedBytes() };
    },

    dropCaches(): void {
      store.dropCaches();
    },
  };
}
