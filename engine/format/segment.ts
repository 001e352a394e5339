// The envelope every stored segment travels in: magic, format version, segment kind, payload length
// and CRC-32. Payload layouts belong to the encodings; this file only frames and verifies them.
//
//   offset  size  field
//   0       4     magic "SSEG" (0x53 0x53 0x45 0x47)
//   4       1     format version (SEGMENT_FORMAT_VERSION)
//   5       1     segment kind (SegmentKind)
//   6       2     reserved, 0
//   8       4     payload length in bytes (u32 LE)
//   12      4     CRC-32 (IEEE) of the payload (u32 LE)
//   16      n     payload
//
// A segment above SEGMENT_BYTES_MAX is stored as several consecutive parts (store/blobs.ts); the
// envelope covers the whole concatenation.

import { FormatError } from "./bytes";
import { crc32 } from "./crc32";

export const SEGMENT_MAGIC = 0x47455353; // "SSEG" read as a little-endian u32
export const SEGMENT_FORMAT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 16;

/** What a segment holds; stored in the envelope and in the key of its row. */
export const SegmentKind = {
  /** A dimension's live entities: one portable roaring bitmap. */
  live: 1,
  /** Entities deleted from the shard (tombstones): one portable roaring bitmap. */
  tombstones: 2,
  /** One page of a column's value dictionary. */
  dictionary: 3,
  /** One column's data for one 2^16-entity chunk (layout by encoding). */
  columnChunk: 4,
  /** One event column's postings for one (month, entity chunk): the sorted base. */
  postings: 5,
  /** Events appended to a postings segment since its base was last written, one row per flush. */
  postingsTail: 6,
  /** Changes to an attribute column chunk since its base was last written, one row per flush (encodings/chunk-tail.ts). */
  columnTail: 7,
} as const;
export type SegmentKind = (typeof SegmentKind)[keyof typeof SegmentKind];

/** Wraps a payload (copies it once into the framed buffer). */
export function frameSegment(kind: SegmentKind, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(SEGMENT_HEADER_BYTES + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, SEGMENT_MAGIC, true);
  v.setUint8(4, SEGMENT_FORMAT_VERSION);
  v.setUint8(5, kind);
  v.setUint16(6, 0, true);
  v.setUint32(8, payload.length, true);
  v.setUint32(12, crc32(payload), true);
  out.set(payload, SEGMENT_HEADER_BYTES);
  return out;
}

/** Verifies the envelope and answers the payload (a view into `bytes`). */
export function unframeSegment(bytes: Uint8Array, expectedKind: SegmentKind): Uint8Array {
  if (bytes.length < SEGMENT_HEADER_BYTES) throw new FormatError(`segment of ${bytes.length} bytes is shorter than its header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint32(0, true);
  if (magic !== SEGMENT_MAGIC) throw new FormatError(`bad segment magic 0x${magic.toString(16)}`);
  const version = v.getUint8(4);
  if (version !== SEGMENT_FORMAT_VERSION) throw new FormatError(`segment format version ${version} is not ${SEGMENT_FORMAT_VERSION}`);
  const kind = v.getUint8(5);
  if (kind !== expectedKind) throw new FormatError(`segment kind ${kind} where ${expectedKind} was expected`);
  const length = v.getUint32(8, true);
  if (length !== bytes.length - SEGMENT_HEADER_BYTES) throw new FormatError(`segment payload is ${bytes.length - SEGMENT_HEADER_BYTES} bytes, header says ${length}`);
  const payload = bytes.subarray(SEGMENT_HEADER_BYTES);
  const sum = crc32(payload);
  if (sum !== v.getUint32(12, true)) throw new FormatError(`segment checksum mismatch`);
  return payload;
}
