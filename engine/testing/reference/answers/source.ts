// What the per-query-kind answers need from storage: a view of one dimension and the live entity
// counts of every dimension. Implemented by the caching store; trivially fakeable in tests.

import type { DimensionView } from "../data";

export interface ViewSource {
  view(dimension: string): DimensionView;
  /** Live entities per dimension (dimensions with none may be absent). */
  liveCounts(): ReadonlyMap<string, number>;
}
