// The read side shared by the two dictionary-coded attribute columns (latest-value DictColumn and
// list-of-values ListColumn): both keep one bitmap per dictionary code per chunk, so filters, groups
// and metrics are the same unions and intersections; only writes and extraction differ.

import type { MetricName, MetricPartial, ValueTest, Window } from "../../contract/plan";
import { Bitmap } from "../bitmap/bitmap";
import type { Container } from "../bitmap/container";
import type { Segment } from "../store/cache";
import type { ValueGroup } from "./codec";
import { ChunkedColumn } from "./column-base";
import { groupByCodes, matchingCodes, metricByCodes, unionOfCodes, type ValueChunk } from "./value-bitmaps";

export abstract class CodedColumn<C extends Segment & ValueChunk> extends ChunkedColumn<C> {
  has(): Bitmap {
    const out = new Bitmap();
    for (const k of this.meta.chunks) out.push(k, this.chunk(k)?.exists ?? null);
    return out;
  }

  select(test: ValueTest): Bitmap {
    const dict = this.dict();
    return unionOfCodes(this.allChunks(), matchingCodes(dict, test), dict.size);
  }

  groups(test: ValueTest | null, _window: Window | null, within: Bitmap, wantSets: boolean, withinIsLiveOf?: number): ValueGroup[] {
    return groupByCodes(this.dict(), [...this.overlap(within)], test, wantSets, withinIsLiveOf === this.meta.dim);
  }

  /** Chunks of `within` this column has data for: (chunk, its value bitmaps, within's container). */
  chunksWithin(within: Bitmap): Array<[number, C, Container]> {
    return [...this.overlap(within)];
  }

  metric(within: Bitmap, metric: MetricName, _extremes: boolean): MetricPartial {
    return metricByCodes(this.dict(), [...this.overlap(within)], metric);
  }

  private allChunks(): Array<[number, C]> {
    const out: Array<[number, C]> = [];
    for (const k of this.meta.chunks) {
      const c = this.chunk(k);
      if (c !== null) out.push([k, c]);
    }
    return out;
  }
}
