// The shard's synchronous segment cipher: AES-256-GCM from @noble/ciphers (audited, pure JS, no
// native code), because segments are sealed inside transactionSync where WebCrypto (async) cannot run.

import { gcm } from "@noble/ciphers/aes.js";
import type { SegmentCipher } from "../../engine/store/sealed";

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const utf8 = new TextEncoder();

/**
 * A cipher under one database's data key. `context` (e.g. "<db>/<shard>") is prepended to every AAD
 * so a sealed row copied into another shard or database fails authentication. Random 96-bit nonces:
 * safe for up to 2^32 seals per key (NIST SP 800-38D), far above a shard's lifetime of rewrites.
 */
export function createSegmentCipher(dataKey: Uint8Array, context: string): SegmentCipher {
  if (dataKey.length !== 32) throw new Error("segment cipher: the data key must be 256 bits");
  const key = dataKey.slice(); // our own copy: the caller's buffer may be reused
  const ctx = utf8.encode(`${context}\u0000`);
  const aadWith = (aad: Uint8Array): Uint8Array => {
    const out = new Uint8Array(ctx.length + aad.length);
    out.set(ctx);
    out.set(aad, ctx.length);
    return out;
  };
  return {
    seal(plain, aad) {
      const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
      const sealed = gcm(key, nonce, aadWith(aad)).encrypt(plain);
      const out = new Uint8Array(NONCE_BYTES + sealed.length);
      out.set(nonce);
      out.set(sealed, NONCE_BYTES);
      return out;
    },
    open(box, aad) {
      if (box.length < NONCE_BYTES + TAG_BYTES) throw new Error("sealed box is shorter than nonce and tag");
      return gcm(key, box.slice(0, NONCE_BYTES), aadWith(aad)).decrypt(box.slice(NONCE_BYTES));
    },
  };
}
