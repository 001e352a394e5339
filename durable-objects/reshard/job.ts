// The state of one reshard, as the catalog stores it (cat_meta "reshard"): from which layout to
// which, the phase it is in and each old shard's copy progress. Only the catalog's alarm advances it
// (driver.ts), and every phase can run again after a crash without changing the outcome.

import type { ExportCursor } from "../../engine/index";

export interface Layout {
  epoch: number;
  shards: number;
}

/**
 * freezing → copying → publishing → retiring → done; cancelling → cancelled (DELETE before
 * publishing). A copy that finds its source changed starts over into a fresh epoch (freezing again).
 */
export type ReshardPhase = "freezing" | "copying" | "publishing" | "retiring" | "done" | "cancelling" | "cancelled";

export interface SourceProgress {
  shard: number;
  /** Where the next export page starts (null: the beginning, or the end once `done`). */
  cursor: ExportCursor | null;
  /** Pages copied so far: the page number is part of the copy's record ids, so a repeated page lands once. */
  page: number;
  copied: number;
  done: boolean;
  /** What the frozen source held when frozen; the copy is published only if it still holds exactly that. */
  appliedRecords: number | null;
  entities: number | null;
}

export interface ReshardJob {
  id: string;
  from: Layout;
  to: Layout;
  phase: ReshardPhase;
  sources: SourceProgress[];
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** The last failed step's error (retried after RESHARD_RETRY_MS), null once a step succeeds. */
  lastError: string | null;
  failedSteps: number;
  /** Epochs a copy was started into and given up (their objects are destroyed at the end). */
  abandoned: number[];
}

export function isRunning(job: ReshardJob | null): boolean {
  return job !== null && job.phase !== "done" && job.phase !== "cancelled";
}

export function freshSources(from: Layout): SourceProgress[] {
  return Array.from({ length: from.shards }, (_, shard) => ({ shard, cursor: null, page: 0, copied: 0, done: false, appliedRecords: null, entities: null }));
}

/** What health and the reshard routes show. */
export function progressOf(job: ReshardJob): Record<string, unknown> {
  const entities = job.sources.reduce((n, s) => n + (s.entities ?? 0), 0);
  const copied = job.sources.reduce((n, s) => n + s.copied, 0);
  return {
    id: job.id,
    phase: job.phase,
    from: job.from,
    to: job.to,
    "entities-copied": copied,
    entities,
    "sources-done": job.sources.filter((s) => s.done).length,
    "started-at": job.startedAt,
    "updated-at": job.updatedAt,
    "finished-at": job.finishedAt,
    "last-error": job.lastError,
  };
}
