// Little-endian byte writer and bounds-checked reader shared by every on-disk format of the engine.
// Readers throw FormatError on truncation so a damaged segment never decodes into garbage.

export class FormatError extends Error {
  override name = "FormatError";
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const grown = new Uint8Array(cap);
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  /** Unsigned LEB128 for integers in [0, 2^53). */
  varint(v: number): void {
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Raw little-endian contents of a typed array (the platforms we run on are little-endian). */
  typed(a: Uint16Array | Uint32Array | Float64Array): void {
    this.bytes(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }

  str(s: string): void {
    const b = utf8Encoder.encode(s);
    this.varint(b.length);
    this.bytes(b);
  }

  /** Reserves 4 bytes to patch later (lengths, checksums); answers their offset. */
  placeholder32(): number {
    this.ensure(4);
    this.length += 4;
    return this.length - 4;
  }

  patch32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class ByteReader {
  private readonly view: DataView;
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    pos = 0,
    readonly end = buf.length,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new FormatError(`truncated data: need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
    throw new FormatError(`varint longer than 8 bytes at ${this.pos}`);
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Copies n little-endian u16 into a fresh (aligned) array. */
  u16s(n: number): Uint16Array {
    const b = this.bytes(2 * n);
    const out = new Uint16Array(n);
    new Uint8Array(out.buffer).set(b);
    return out;
  }

  u32s(n: number): Uint32Array {
    const b = this.bytes(4 * n);
    const out = new Uint32Array(n);
    new Uint8Array(out.buffer).set(b);
    return out;
  }

  f64s(n: number): Float64Array {
    const b = this.bytes(8 * n);
    const out = new Float64Array(n);
    new Uint8Array(out.buffer).set(b);
    return out;
  }

  str(): string {
    const n = this.varint();
    try {
      return utf8Decoder.decode(this.bytes(n));
    } catch (e) {
      if (e instanceof FormatError) throw e;
      throw new FormatError(`invalid UTF-8 text at ${this.pos - n}`);
    }
  }
}
