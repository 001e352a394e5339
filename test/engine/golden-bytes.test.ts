// Golden bytes pinning the on-disk formats: RoaringFormatSpec portable bitmaps, the segment envelope
// (magic, version, kind, length, CRC-32) and the engine's segments for a tiny fixed dataset. A change
// here is a storage format change: bump SEGMENT_FORMAT_VERSION / SCHEMA_VERSION and migrate.

import { describe, expect, it } from "vitest";
import { Bitmap } from "../../engine/bitmap/bitmap";
import { deserializePortable, serializePortable } from "../../engine/bitmap/portable";
import { crc32 } from "../../engine/format/crc32";
import { FormatError } from "../../engine/format/bytes";
import { SegmentKind, frameSegment, unframeSegment } from "../../engine/format/segment";
import { createSegmentEngine } from "../../engine/index";
import { PostingsSegment } from "../../engine/encodings/postings";
import { openSqlite } from "./helpers/sqlite";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

describe("portable roaring bytes", () => {
  it("empty bitmap", () => {
    expect(hex(serializePortable(new Bitmap()))).toBe("3a30000000000000");
  });
  it("array container {1, 2, 3}", () => {
    expect(hex(serializePortable(Bitmap.of(1, 2, 3)))).toBe("3a300000" + "01000000" + "0000" + "0200" + "10000000" + "010002000300");
  });
  it("run container [0, 99] (no offset header below 4 containers)", () => {
    const b = Bitmap.fromValues(Array.from({ length: 100 }, (_, i) => i)).runOptimize();
    expect(hex(serializePortable(b))).toBe("3b300000" + "01" + "0000" + "6300" + "0100" + "0000" + "6300");
  });
  it("two chunks, array and bitset", () => {
    const values = [5, ...Array.from({ length: 5000 }, (_, i) => 65536 + 2 * i)];
    const bytes = serializePortable(Bitmap.fromValues(values));
    expect(hex(bytes.subarray(0, 24))).toBe("3a300000" + "02000000" + "0000" + "0000" + "0100" + "8713" + "18000000" + "1a000000");
    expect(bytes.length).toBe(8 + 8 + 8 + 2 + 8192);
    expect(deserializePortable(bytes).toArray()).toEqual(Uint32Array.from(values));
  });
  it("rejects damaged bytes", () => {
    expect(() => deserializePortable(unhex("3a30000001000000000002001000000001000200"))).toThrow(FormatError);
    expect(() => deserializePortable(unhex("3a300000010000000000020010000000030002000100"))).toThrow(/increasing/);
    expect(() => deserializePortable(unhex("3b310000"))).toThrow(/cookie/);
  });
});

describe("segment envelope", () => {
  it("CRC-32 check values", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array([1, 2, 3]))).toBe(0x55bc801d);
  });
  it("frames a payload", () => {
    const framed = frameSegment(SegmentKind.live, new Uint8Array([1, 2, 3]));
    expect(hex(framed)).toBe("53534547" + "01" + "01" + "0000" + "03000000" + "1d80bc55" + "010203");
    expect(Array.from(unframeSegment(framed, SegmentKind.live))).toEqual([1, 2, 3]);
  });
  it("detects corruption, wrong kind and wrong version", () => {
    const framed = frameSegment(SegmentKind.live, new Uint8Array([1, 2, 3]));
    const flipped = framed.slice();
    flipped[17]! ^= 1;
    expect(() => unframeSegment(flipped, SegmentKind.live)).toThrow(/checksum/);
    expect(() => unframeSegment(framed, SegmentKind.postings)).toThrow(/kind/);
    const v2 = framed.slice();
    v2[4] = 2;
    expect(() => unframeSegment(v2, SegmentKind.live)).toThrow(/version/);
    expect(() => unframeSegment(framed.subarray(0, 10), SegmentKind.live)).toThrow(/shorter/);
  });
});

describe("engine segments for a fixed dataset", () => {
  it("stores the pinned bytes", () => {
    const h = openSqlite();
    const engine = createSegmentEngine(h.sql);
    const str = { id: 1, type: "string", storage: "latest-value" } as const;
    const int = { id: 2, type: "integer", storage: "latest-value" } as const;
    const ev = { id: 3, type: "string-event", storage: "latest-value" } as const;
    const t = Date.UTC(2017, 4, 2);
    h.transactionSync(() =>
      engine.apply({
        kind: "write",
        entities: [
          {
            dimension: "default",
            id: "a",
            attrs: [
              { col: str, value: "x" },
              { col: int, value: 5 },
            ],
            events: [{ col: ev, value: "v", t }],
          },
          {
            dimension: "default",
            id: "b",
            attrs: [
              { col: str, value: "y" },
              { col: int, value: -3 },
            ],
            events: [{ col: ev, value: "v", t: t + 86_400_000 }],
          },
        ],
      }),
    );
    const rows = h.db.prepare("SELECT kind, a, b, c, part, hex(bytes) AS h FROM seg_blobs ORDER BY kind, a, b, c, part").all() as Array<Record<string, unknown>>;
    const got = rows.map((r) => `${r.kind}:${r.a}:${r.b}:${r.c}:${r.part} ${String(r.h).toLowerCase()}`);
    expect(got).toMatchSnapshot();
    h.close();
  });
});

describe("postings segment bytes", () => {
  it("sorted base row, then a tail row per flush", () => {
    const start = Date.UTC(2017, 4, 1);
    const key = { kind: SegmentKind.postings, a: 3, b: 24208, c: 0 };
    const seg = PostingsSegment.empty(key, start);
    seg.append(7, 2, start + 86_400_000);
    seg.append(3, 2, start + 2 * 86_400_000);
    seg.append(3, 1, start);
    const rows: Array<[string, string]> = [];
    const write = (k: { kind: number; c: number }, framed: Uint8Array): void => {
      rows.push([`${k.kind}:${k.c}`, hex(unframeSegment(framed, k.kind as 5 | 6))]);
    };
    const removed: number[] = [];
    seg.flush(write, (k) => removed.push(k.c)); // new segment: the base, sorted by (code, entity, time), unit 1 day
    seg.append(5, 1, start + 1000);
    seg.flush(write, (k) => removed.push(k.c)); // then only the new event, as tail row 0
    expect(rows).toEqual([
      [
        "5:0",
        "01" +
          "000040e814bc7542" +
          "0000000070999441" +
          "02000000" +
          "01000000" +
          "01000000" +
          "01000000" +
          "01000000" +
          "02000000" +
          "02000000" +
          "02000000" +
          "02000000" +
          "03" +
          "00" +
          "0304" +
          "0201" +
          "00000000",
      ],
      ["6:0", "02" + "01000000" + "0105e807"],
    ]);
    expect(removed).toEqual([]);
    const back = PostingsSegment.decode(key, start, frameSegment(SegmentKind.postings, unhex(rows[0]![1])), [frameSegment(SegmentKind.postingsTail, unhex(rows[1]![1]))]);
    expect(back.events).toBe(4);
    const counts = new Uint32Array(65536);
    back.countInto(null, start, start + 86_400_000, false, counts, new Uint32Array(2048));
    expect([counts[3], counts[5], counts[7]]).toEqual([1, 1, 1]);
  });
});
