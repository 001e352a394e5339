// (De)serialisation of bitmaps in the RoaringFormatSpec portable format (what CRoaring, Java and Go
// roaring read and write), so the Node `roaring` package can check our bytes in tests.
//
//   no run containers                          with run containers (size = number of containers)
//   +-------------------------+                +--------------------------------------------+
//   | u32 cookie = 12346      |                | u16 cookie = 12347 | u16 size - 1          |
//   | u32 size                |                | run flags: ceil(size / 8) bytes, bit i =   |
//   +-------------------------+                |   container i is a run container           |
//                                              +--------------------------------------------+
//   descriptive header: size x (u16 key, u16 cardinality - 1)
//   offset header:      size x u32 byte offset of the container from the start
//                       (always without runs; with runs only when size >= 4)
//   containers:  array  = cardinality x u16 (sorted)
//                bitset = 1024 x u64 (8192 bytes; used when cardinality > 4096)
//                run    = u16 number of runs, then runs x (u16 start, u16 length - 1)
//   All integers little-endian.

import { ARRAY, ARRAY_MAX, ArrayContainer, BITSET, BITSET_WORDS, BitsetContainer, RunContainer, type Container, containerProblem } from "./container";
import { Bitmap } from "./bitmap";
import { ByteReader, ByteWriter, FormatError } from "../format/bytes";

export const SERIAL_COOKIE_NO_RUNCONTAINER = 12346;
export const SERIAL_COOKIE = 12347;
const NO_OFFSET_THRESHOLD = 4;

function containerBytes(c: Container): number {
  if (c.kind === ARRAY) return 2 * c.n;
  if (c.kind === BITSET) return 8192;
  return 2 + 4 * c.nRuns;
}

export function portableSize(b: Bitmap): number {
  const size = b.keys.length;
  const hasRun = b.cs.some((c) => c.kind !== ARRAY && c.kind !== BITSET);
  let n = hasRun ? 4 + ((size + 7) >> 3) : 8;
  n += 4 * size;
  if (!hasRun || size >= NO_OFFSET_THRESHOLD) n += 4 * size;
  for (const c of b.cs) n += containerBytes(c);
  return n;
}

export function writePortable(w: ByteWriter, b: Bitmap): void {
  const size = b.keys.length;
  const hasRun = b.cs.some((c) => c.kind !== ARRAY && c.kind !== BITSET);
  const start = w.length;
  if (hasRun) {
    w.u16(SERIAL_COOKIE);
    w.u16(size - 1);
    const flags = new Uint8Array((size + 7) >> 3);
    b.cs.forEach((c, i) => {
      if (c.kind !== ARRAY && c.kind !== BITSET) flags[i >> 3]! |= 1 << (i & 7);
    });
    w.bytes(flags);
  } else {
    w.u32(SERIAL_COOKIE_NO_RUNCONTAINER);
    w.u32(size);
  }
  for (let i = 0; i < size; i++) {
    w.u16(b.keys[i]!);
    w.u16(b.cs[i]!.n - 1);
  }
  if (!hasRun || size >= NO_OFFSET_THRESHOLD) {
    let offset = w.length - start + 4 * size;
    for (const c of b.cs) {
      w.u32(offset);
      offset += containerBytes(c);
    }
  }
  for (const c of b.cs) {
    if (c.kind === ARRAY) w.typed(c.data.subarray(0, c.n));
    else if (c.kind === BITSET) w.typed(c.words);
    else {
      w.u16(c.nRuns);
      w.typed(c.runs.subarray(0, 2 * c.nRuns));
    }
  }
}

export function serializePortable(b: Bitmap): Uint8Array {
  const w = new ByteWriter(portableSize(b));
  writePortable(w, b);
  return w.finish();
}

/** Reads one portable bitmap at the reader's position, validating every container. */
export function readPortable(r: ByteReader): Bitmap {
  const start = r.pos;
  const cookie = r.u32();
  let size: number;
  let runFlags: Uint8Array | null = null;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1;
    runFlags = r.bytes((size + 7) >> 3);
  } else if (cookie === SERIAL_COOKIE_NO_RUNCONTAINER) {
    size = r.u32();
    if (size > 65536) throw new FormatError(`portable bitmap claims ${size} containers`);
  } else throw new FormatError(`not a portable roaring bitmap (cookie ${cookie})`);
  const keys: number[] = new Array(size);
  const cards: number[] = new Array(size);
  for (let i = 0; i < size; i++) {
    keys[i] = r.u16();
    cards[i] = r.u16() + 1;
    if (i > 0 && keys[i]! <= keys[i - 1]!) throw new FormatError(`portable bitmap keys not increasing at ${i}`);
  }
  let offsets: Uint32Array | null = null;
  if (runFlags === null || size >= NO_OFFSET_THRESHOLD) offsets = r.u32s(size);
  const cs: Container[] = new Array(size);
  for (let i = 0; i < size; i++) {
    if (offsets !== null && offsets[i] !== r.pos - start) throw new FormatError(`portable bitmap container ${i} not at its stated offset`);
    const isRun = runFlags !== null && (runFlags[i >> 3]! & (1 << (i & 7))) !== 0;
    const card = cards[i]!;
    let c: Container;
    if (isRun) {
      const nRuns = r.u16();
      c = new RunContainer(r.u16s(2 * nRuns), nRuns, card);
    } else if (card <= ARRAY_MAX) c = new ArrayContainer(r.u16s(card), card);
    else c = new BitsetContainer(r.u32s(BITSET_WORDS), card);
    const problem = containerProblem(c);
    if (problem !== null) throw new FormatError(`portable bitmap chunk ${keys[i]}: ${problem}`);
    cs[i] = c;
  }
  return new Bitmap(keys, cs);
}

export function deserializePortable(bytes: Uint8Array): Bitmap {
  const r = new ByteReader(bytes);
  const b = readPortable(r);
  if (r.remaining !== 0) throw new FormatError(`${r.remaining} trailing bytes after a portable bitmap`);
  return b;
}
