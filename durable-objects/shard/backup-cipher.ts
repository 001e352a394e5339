// Encrypted backup objects: every staged snapshot chunk becomes one AES-256-GCM record (WebCrypto,
// the database's data key), so memory stays at one chunk and full chunks keep one size (R2 parts).
//
// Record, repeated (all integers little-endian):
//   0   8  magic "SLCDENC1"          12  4  plaintext length n
//   8   2  version (1)               16 12  nonce (random per record)
//   10  2  flags (bit 0: last)       28  4  record index (from 0)
//   32  n+16  ciphertext ‖ tag;  AAD = the 32 header bytes ‖ "<db>/<shard>"
// The index and the last flag are authenticated, so a reordered, dropped or truncated record fails.
// An object that does not start with the magic is a plaintext snapshot (taken before encryption).

export const ENC_MAGIC = "SLCDENC1";
export const ENC_HEADER_BYTES = 32;
export const ENC_TAG_BYTES = 16;
const VERSION = 1;
const FLAG_LAST = 1;
const MAGIC_BYTES = new TextEncoder().encode(ENC_MAGIC);
const utf8 = new TextEncoder();

/** What seals one shard's backup: its database's data key and the shard it belongs to. */
export interface BackupSeal {
  key: CryptoKey;
  context: string; // "<db>/<shard>": an object cannot be restored into another shard or database
}

export class BackupSealError extends Error {
  override name = "BackupSealError";
}

export async function importDataKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

function aad(header: Uint8Array, context: string): Uint8Array {
  const c = utf8.encode(context);
  const out = new Uint8Array(header.length + c.length);
  out.set(header);
  out.set(c, header.length);
  return out;
}

export async function sealRecord(seal: BackupSeal, index: number, last: boolean, plain: Uint8Array): Promise<Uint8Array> {
  const out = new Uint8Array(ENC_HEADER_BYTES + plain.length + ENC_TAG_BYTES);
  const header = out.subarray(0, ENC_HEADER_BYTES);
  const v = new DataView(out.buffer);
  header.set(MAGIC_BYTES);
  v.setUint16(8, VERSION, true);
  v.setUint16(10, last ? FLAG_LAST : 0, true);
  v.setUint32(12, plain.length, true);
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  header.set(nonce, 16);
  v.setUint32(28, index, true);
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad(header, seal.context) }, seal.key, plain);
  out.set(new Uint8Array(ct), ENC_HEADER_BYTES);
  return out;
}

export function startsEncrypted(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC_BYTES.length && MAGIC_BYTES.every((b, i) => bytes[i] === b);
}

/**
 * Turns an object's byte stream back into the snapshot stream. Detects the format from the first
 * 8 bytes; plaintext objects pass through. Memory: one record (one chunk) at a time.
 */
export class BackupOpener {
  private buf: Uint8Array = new Uint8Array(0);
  private mode: "unknown" | "plain" | "sealed" = "unknown";
  private next = 0;
  private done = false;

  constructor(private readonly seal: BackupSeal | null) {}

  get encrypted(): boolean {
    return this.mode === "sealed";
  }

  /** Feeds object bytes; answers the plaintext that became available. */
  async push(bytes: Uint8Array): Promise<Uint8Array[]> {
    if (this.mode === "plain") return [bytes];
    this.buf = join(this.buf, bytes);
    if (this.mode === "unknown") {
      if (this.buf.length < MAGIC_BYTES.length) return [];
      this.mode = startsEncrypted(this.buf) ? "sealed" : "plain";
      if (this.mode === "plain") {
        const all = this.buf;
        this.buf = new Uint8Array(0);
        return [all];
      }
      if (this.seal === null) throw new BackupSealError("the snapshot is encrypted and no data key is available (is DATA_KEY_SECRET set?)");
    }
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.buf.length < ENC_HEADER_BYTES) break;
      const v = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      const n = v.getUint32(12, true);
      if (this.buf.length < ENC_HEADER_BYTES + n + ENC_TAG_BYTES) break;
      out.push(await this.open(this.buf.subarray(0, ENC_HEADER_BYTES + n + ENC_TAG_BYTES)));
      this.buf = this.buf.slice(ENC_HEADER_BYTES + n + ENC_TAG_BYTES);
    }
    return out;
  }

  /** Call after the last push: refuses a truncated object. */
  finish(): Uint8Array[] {
    if (this.mode === "unknown") {
      const rest = this.buf;
      this.buf = new Uint8Array(0);
      return rest.length > 0 ? [rest] : []; // a tiny plaintext object; its own format check judges it
    }
    if (this.mode === "sealed" && (!this.done || this.buf.length > 0)) throw new BackupSealError("the encrypted snapshot is truncated or has trailing bytes");
    return [];
  }

  private async open(record: Uint8Array): Promise<Uint8Array> {
    const header = record.subarray(0, ENC_HEADER_BYTES);
    const v = new DataView(header.buffer, header.byteOffset, ENC_HEADER_BYTES);
    if (!startsEncrypted(header) || v.getUint16(8, true) !== VERSION) throw new BackupSealError(`record ${this.next} has an unknown header or version`);
    if (this.done) throw new BackupSealError("the encrypted snapshot has records after its last one");
    if (v.getUint32(28, true) !== this.next) throw new BackupSealError(`record ${v.getUint32(28, true)} found where ${this.next} was expected`);
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: header.slice(16, 28), additionalData: aad(header, this.seal!.context) }, this.seal!.key, record.subarray(ENC_HEADER_BYTES));
    } catch {
      throw new BackupSealError(`record ${this.next} fails decryption: the object was altered, belongs to another shard, or was sealed under another data key`);
    }
    this.next++;
    if ((v.getUint16(10, true) & FLAG_LAST) !== 0) this.done = true;
    return new Uint8Array(plain);
  }
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
