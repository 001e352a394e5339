// How a single roaring container is laid out inside engine segments (keys are the segment's
// business, not the container's), validated on read:
//
//   u8 kind (1 array, 2 bitset, 3 run) | u32 cardinality | array: n x u16 | bitset: 2048 x u32 |
//   run: u16 number of runs, runs x (u16 start, u16 length - 1)

import { ARRAY, ArrayContainer, BITSET, BITSET_WORDS, BitsetContainer, RUN, RunContainer, type Container, containerProblem } from "../bitmap/container";
import { ByteReader, ByteWriter, FormatError } from "../format/bytes";

export function writeContainer(w: ByteWriter, c: Container): void {
  w.u8(c.kind);
  w.u32(c.n);
  if (c.kind === ARRAY) w.typed(c.data.subarray(0, c.n));
  else if (c.kind === BITSET) w.typed(c.words);
  else {
    w.u16(c.nRuns);
    w.typed(c.runs.subarray(0, 2 * c.nRuns));
  }
}

export function readContainer(r: ByteReader): Container {
  const kind = r.u8();
  const n = r.u32();
  let c: Container;
  if (kind === ARRAY) {
    if (n > 65536) throw new FormatError(`array container claims ${n} values`);
    c = new ArrayContainer(r.u16s(n), n);
  } else if (kind === BITSET) c = new BitsetContainer(r.u32s(BITSET_WORDS), n);
  else if (kind === RUN) {
    const nRuns = r.u16();
    c = new RunContainer(r.u16s(2 * nRuns), nRuns, n);
  } else throw new FormatError(`unknown container kind ${kind}`);
  const problem = containerProblem(c);
  if (problem !== null) throw new FormatError(problem);
  return c;
}

/** Optional container: u8 0 (absent) or 1 followed by the container. */
export function writeMaybeContainer(w: ByteWriter, c: Container | null): void {
  if (c === null) w.u8(0);
  else {
    w.u8(1);
    writeContainer(w, c);
  }
}

export function readMaybeContainer(r: ByteReader): Container | null {
  const flag = r.u8();
  if (flag === 0) return null;
  if (flag !== 1) throw new FormatError(`bad container presence flag ${flag}`);
  return readContainer(r);
}

/** code → container map, written in ascending code order (deterministic bytes). */
export function writeCodeContainers(w: ByteWriter, m: Map<number, Container>): void {
  const codes = [...m.keys()].sort((a, b) => a - b);
  w.u32(codes.length);
  for (const code of codes) {
    w.u32(code);
    writeContainer(w, m.get(code)!);
  }
}

export function readCodeContainers(r: ByteReader): Map<number, Container> {
  const n = r.u32();
  const m = new Map<number, Container>();
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const code = r.u32();
    if (code <= prev) throw new FormatError(`value codes not increasing (${code} after ${prev})`);
    prev = code;
    m.set(code, readContainer(r));
  }
  return m;
}
