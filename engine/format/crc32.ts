// CRC-32 (IEEE 802.3, the zlib/PNG polynomial) over bytes, slice-by-4 for speed: every segment
// payload is checksummed on write and verified on page-in; a shard snapshot, which is never whole
// in memory, feeds it chunk by chunk (crc32Update).

const TABLES: Uint32Array[] = (() => {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let s = 1; s < 4; s++) {
    const prev = tables[s - 1]!;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n]! >>> 8) ^ t0[prev[n]! & 0xff]!;
    tables.push(t);
  }
  return tables;
})();

export function crc32(bytes: Uint8Array): number {
  return crc32Update(0, bytes);
}

/** Continues a CRC-32: start with 0 and feed slices in order; the result is the zlib value of their concatenation. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  const [t0, t1, t2, t3] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc >>> 0;
  let i = 0;
  const n = bytes.length;
  const end4 = n - (n & 3);
  while (i < end4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = t3[c & 0xff]! ^ t2[(c >>> 8) & 0xff]! ^ t1[(c >>> 16) & 0xff]! ^ t0[c >>> 24]!;
    i += 4;
  }
  while (i < n) c = t0[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
