// Encryption at rest of segment rows: the cipher interface the engine is given (pure, synchronous:
// segments are written inside the caller's transactionSync) and the sealed-row envelope around it.
//
//   offset  size  field
//   0       4     magic "SENC" (0x53 0x45 0x4E 0x43)
//   4       1     envelope version (SEALED_VERSION)
//   5       3     reserved, 0
//   8       n     the cipher's box: 96-bit nonce, ciphertext of the framed segment, 128-bit tag
//
// The AAD is the 8 header bytes plus the segment's key, so a row cannot be moved to another key (or
// another shard/database: the cipher adds its own context) without failing authentication. Rows
// that start with the plaintext segment magic "SSEG" were written before encryption (see blobs.ts).

export const SEALED_MAGIC = 0x434e4553; // "SENC" read as a little-endian u32
export const SEALED_VERSION = 1;
export const SEALED_HEADER_BYTES = 8;
/** seg_meta key recording that every segment of this shard is sealed; plaintext rows are refused after. */
export const ENCRYPTION_META_KEY = "segment_encryption";
export const ENCRYPTION_SCHEME = "aes-256-gcm/1";

/** An authenticated cipher (AES-256-GCM in production, durable-objects/shard/segment-cipher.ts). */
export interface SegmentCipher {
  /** Encrypts under a fresh random nonce; answers nonce ‖ ciphertext ‖ tag. */
  seal(plain: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Verifies and decrypts a box made by seal(); throws if it or the AAD was changed. */
  open(box: Uint8Array, aad: Uint8Array): Uint8Array;
}

/** A sealed row was tampered with, belongs to another key, or no data key is at hand. */
export class SegmentSealError extends Error {
  override name = "SegmentSealError";
}

const utf8 = new TextEncoder();

function header(): Uint8Array {
  const h = new Uint8Array(SEALED_HEADER_BYTES);
  new DataView(h.buffer).setUint32(0, SEALED_MAGIC, true);
  h[4] = SEALED_VERSION;
  return h;
}

function aadOf(head: Uint8Array, rowKey: string): Uint8Array {
  const k = utf8.encode(`seg:${rowKey}`);
  const out = new Uint8Array(head.length + k.length);
  out.set(head);
  out.set(k, head.length);
  return out;
}

export function isSealed(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === SEALED_MAGIC;
}

export function sealRow(cipher: SegmentCipher, rowKey: string, plain: Uint8Array): Uint8Array {
  const head = header();
  const box = cipher.seal(plain, aadOf(head, rowKey));
  const out = new Uint8Array(head.length + box.length);
  out.set(head);
  out.set(box, head.length);
  return out;
}

export function openRow(cipher: SegmentCipher, rowKey: string, sealed: Uint8Array): Uint8Array {
  if (sealed.length < SEALED_HEADER_BYTES || sealed[4] !== SEALED_VERSION) {
    throw new SegmentSealError(`segment ${rowKey}: unknown sealed-row version ${String(sealed[4])}`);
  }
  try {
    return cipher.open(sealed.subarray(SEALED_HEADER_BYTES), aadOf(sealed.subarray(0, SEALED_HEADER_BYTES), rowKey));
  } catch {
    // The cause is deliberately not forwarded: it can say nothing useful and must never carry key material.
    throw new SegmentSealError(`segment ${rowKey} failed authentication: it was altered, moved from another key, or sealed under another data key`);
  }
}
