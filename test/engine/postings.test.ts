// Postings segments through many flushes: tail rows accumulate, merge into the base at the size or
// row-count threshold, survive a reload from the stored rows, and always count like a plain model.

import { describe, expect, it } from "vitest";
import { SegmentKind } from "../../engine/format/segment";
import { PostingsSegment } from "../../engine/encodings/postings";
import { Rng } from "./helpers/seeded";

const DAY = 86_400_000;

describe("postings lifecycle", () => {
  it("matches a model across appends, flushes, merges, removals and reloads", () => {
    const rng = new Rng(5);
    const start = Date.UTC(2017, 0, 1);
    const key = { kind: SegmentKind.postings, a: 1, b: 24204, c: 2 };
    const rows = new Map<string, { kind: number; c: number; bytes: Uint8Array }>();
    const write = (k: { kind: number; a: number; b: number; c: number }, framed: Uint8Array): void => {
      rows.set(`${k.kind}:${k.c}`, { kind: k.kind, c: k.c, bytes: framed });
    };
    const remove = (k: { kind: number; c: number }): void => {
      rows.delete(`${k.kind}:${k.c}`);
    };
    const reload = (): PostingsSegment => {
      const base = rows.get(`5:${key.c}`)!;
      const tails = [...rows.values()].filter((r) => r.kind === 6).sort((a, b) => a.c - b.c);
      return PostingsSegment.decode(
        key,
        start,
        base.bytes,
        tails.map((t) => t.bytes),
      );
    };
    let seg = PostingsSegment.empty(key, start);
    const model: Array<{ local: number; code: number; t: number }> = [];
    let maxTailRows = 0;
    for (let round = 0; round < 400; round++) {
      const n = rng.bool(0.9) ? rng.int(1, 4) : rng.int(100, 3000);
      for (let i = 0; i < n; i++) {
        const e = { local: rng.int(0, 65535), code: rng.int(1, 20), t: start + rng.int(0, 30) * DAY + rng.int(0, 3) * 1000 };
        seg.append(e.local, e.code, e.t);
        model.push(e);
      }
      if (rng.bool(0.02)) {
        const drop = (l: number): boolean => l % 7 === round % 7;
        const removed = seg.removeEntities(drop);
        const before = model.length;
        model.splice(0, model.length, ...model.filter((e) => !drop(e.local)));
        expect(removed).toBe(before - model.length);
      }
      seg.flush(write, remove);
      maxTailRows = Math.max(maxTailRows, [...rows.values()].filter((r) => r.kind === 6).length);
      if (rng.bool(0.2)) seg = reload();
      if (rng.bool(0.3)) {
        const from = start + rng.int(0, 30) * DAY;
        const to = from + rng.int(0, 10) * DAY;
        const codes = new Uint8Array(21);
        for (const c of rng.some(
          [...Array(20).keys()].map((x) => x + 1),
          5,
        ))
          codes[c] = 1;
        const counts = new Uint32Array(65536);
        const touched = new Uint32Array(2048);
        seg.countInto(codes, from, to, false, counts, touched);
        const want = new Map<number, number>();
        for (const e of model) if (codes[e.code] === 1 && e.t >= from && e.t <= to) want.set(e.local, (want.get(e.local) ?? 0) + 1);
        for (const [local, k] of want) expect(counts[local]).toBe(k);
        let total = 0;
        for (const k of counts) total += k;
        expect(total).toBe([...want.values()].reduce((a, b) => a + b, 0));
      }
      expect(seg.events).toBe(model.length);
    }
    expect(reload().events).toBe(model.length);
    expect(maxTailRows).toBeGreaterThan(10); // tails really accumulated between merges
    expect(maxTailRows).toBeLessThanOrEqual(256);
  });
});
