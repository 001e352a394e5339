// The encoded segment storage engine of a shard (DESIGN.md "The shard's storage engine"): dense
// entity ids, roaring bitmaps, dictionary / bit-sliced / postings encodings in checksummed SQLite
// segments paged through a byte-budgeted cache. Entry point: createSegmentEngine(sql, options).

import type { Mutation, ShardAnswer, ShardQuery } from "../contract/plan";
import type { EngineStats, ExportingEngine, MutationOutcome, SqlLike } from "./engine";
import { applyMutation } from "./mutations";
import { aggregation } from "./queries/aggregation";
import { countEntities, countEvents, exists, total } from "./queries/counts";
import { extract } from "./queries/extract";
import { exportEntities } from "./queries/export";
import { topValues } from "./queries/top-values";
import { SEGMENT_CACHE_BYTES_DEFAULT } from "../contract/limits";
import { Shard } from "./shard";
import type { SegmentCipher } from "./store/sealed";

export { SCHEMA_VERSION } from "./store/schema";
export type { ExportCursor, ExportPage } from "./engine";
export { SegmentSealError, type SegmentCipher } from "./store/sealed";

export interface SegmentEngineOptions {
  /** Budget of the decoded-segment cache in bytes (default 64 MiB). */
  cacheBytes?: number;
  /** Seals every segment row (AES-256-GCM in the DO); absent: plaintext, as before encryption existed. */
  cipher?: SegmentCipher | null;
}

/**
 * Builds the engine over the shard's SQL storage, migrating its seg_ tables (idempotent). The caller
 * wraps each apply() in one transaction; if that transaction is rolled back after apply() returned,
 * it must call dropCaches() so the engine re-reads storage.
 */
export function createSegmentEngine(sql: SqlLike, options: SegmentEngineOptions = {}): ExportingEngine {
  const shard = new Shard(sql, options.cacheBytes ?? SEGMENT_CACHE_BYTES_DEFAULT, options.cipher ?? null);
  return {
    apply(mutation: Mutation): MutationOutcome {
      return this.applyAll([mutation])[0]!;
    },

    applyAll(mutations: readonly Mutation[]): MutationOutcome[] {
      try {
        const out = mutations.map((m) => applyMutation(shard, m));
        shard.flush();
        shard.trim(true);
        return out;
      } catch (err) {
        // The caller rolls storage back; cached segments may hold half of this mutation.
        shard.reset();
        throw err;
      }
    },

    query(q: ShardQuery): ShardAnswer {
      try {
        return answer(shard, q);
      } finally {
        shard.trim(false);
      }
    },

    stats(): EngineStats {
      const dimensions: Record<string, number> = {};
      let entities = 0;
      for (const d of shard.allDims()) {
        if (d.live === 0) continue;
        dimensions[d.name] = d.live;
        entities += d.live;
      }
      return { entities, dimensions, storageBytes: shard.storageBytes(), cachedBytes: shard.cache.cachedBytes() };
    },

    exportEntities(cursor, limit) {
      try {
        return exportEntities(shard, cursor, limit);
      } finally {
        shard.trim(false);
      }
    },

    dropCaches(): void {
      shard.reset();
    },
  };
}

function answer(shard: Shard, q: ShardQuery): ShardAnswer {
  switch (q.kind) {
    case "count-entity":
      return countEntities(shard, q);
    case "count-event":
      return countEvents(shard, q);
    case "total":
      return total(shard, q);
    case "exists":
      return exists(shard, q);
    case "top-values":
      return topValues(shard, q);
    case "aggregation":
      return aggregation(shard, q);
    case "extract":
      return extract(shard, q);
  }
}
