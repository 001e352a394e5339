// The storage engine of one shard as the Durable Object sees it, and the slice of SQLite it runs on.
// Pure: an engine reaches storage only through the SqlLike it was built with.

import type { EntityWrite, Mutation, ShardAnswer, ShardQuery } from "../contract/plan";

/**
 * The storage engine of one shard. Pure: it reaches storage only through the SqlLike it was built
 * with, and the caller wraps every mutating call in one storage transaction (so a throw rolls back).
 */
export interface ShardEngine {
  /** Applies one mutation; answers how many entities it touched (written, deleted or updated). */
  apply(mutation: Mutation): MutationOutcome;
  /**
   * Applies mutations in order and persists them once at the end: a batch of queued inserts then
   * rewrites each touched segment once instead of once per message.
   */
  applyAll(mutations: readonly Mutation[]): MutationOutcome[];
  query(q: ShardQuery): ShardAnswer;
  stats(): EngineStats;
  /** Drops every cached byte (the next call pages from storage again). */
  dropCaches(): void;
}

/** Where an entity export page resumes: after entity `afterId` of dimension ordinal `dim` (engine/queries/export.ts). */
export interface ExportCursor {
  dim: number;
  afterId: number;
}

export interface ExportPage {
  writes: EntityWrite[];
  /** null: the page ends the export. */
  next: ExportCursor | null;
}

/** The engine a shard runs in production: also exports its entities (a reshard's copy, durable-objects/reshard/). */
export interface ExportingEngine extends ShardEngine {
  /** Up to `limit` entities after `cursor` as the writes that recreate them. */
  exportEntities(cursor: ExportCursor | null, limit: number): ExportPage;
}

export interface MutationOutcome {
  entities: number;
  values: number;
}

export interface EngineStats {
  entities: number; // live entities, all dimensions
  dimensions: Record<string, number>;
  storageBytes: number;
  cachedBytes: number;
}

/** The slice of DO SqlStorage the engine uses; node:sqlite is adapted to it in tests and benchmarks. */
export interface SqlLike {
  exec(query: string, ...bindings: unknown[]): SqlCursorLike;
}
export interface SqlCursorLike {
  toArray(): Record<string, unknown>[];
  one(): Record<string, unknown>;
  readonly rowsWritten: number;
}
