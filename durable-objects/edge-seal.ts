// Sealing what the Worker keeps outside the shards (result-cache entries in KV, queued inserts):
// AES-256-GCM under a key derived from the master secret for one purpose and one database, in an
// envelope naming the secret's fingerprint, so a rotation (DATA_KEY_SECRET_PREVIOUS) still opens it.
//
//   0      4                 12            24
//   "SEB1" | secret id (8 B) | nonce (12 B) | ciphertext ‖ tag (16 B)
//   AAD = "sliced/SEB1/<purpose>/<db>/<context>": a box moved to another key, database or purpose fails.

import { DataKeyError, secretId, type MasterSecrets } from "./shard/data-key";
import { ISOLATE_CACHE_ENTRIES_MAX } from "../contract/limits";

export type SealPurpose = "result-cache" | "ingest-queue";

const MAGIC = [0x53, 0x45, 0x42, 0x31]; // "SEB1"
const ID_BYTES = 8;
const NONCE_BYTES = 12;
const HEADER_BYTES = MAGIC.length + ID_BYTES + NONCE_BYTES;
const TAG_BYTES = 16;
/** How many bytes a box adds to its plaintext (header and tag): callers size what they seal by it. */
export const SEALED_OVERHEAD_BYTES = HEADER_BYTES + TAG_BYTES;
const HKDF_SALT = new TextEncoder().encode("sliced/encryption-at-rest/v1");
const utf8 = new TextEncoder();

const bases = new Map<string, Promise<CryptoKey>>();
const keys = new Map<string, Promise<CryptoKey>>();

function baseOf(secret: string): Promise<CryptoKey> {
  let base = bases.get(secret);
  if (base === undefined) {
    base = crypto.subtle.importKey("raw", utf8.encode(secret), "HKDF", false, ["deriveKey"]);
    bases.set(secret, base);
  }
  return base;
}

/** The AES-GCM key of (secret, purpose, database), derived once per isolate. */
function keyOf(secret: string, purpose: SealPurpose, db: string): Promise<CryptoKey> {
  const name = `${purpose}/${db}`;
  const cacheKey = `${secret.length}:${secret}/${name}`;
  let key = keys.get(cacheKey);
  if (key === undefined) {
    key = baseOf(secret).then((base) =>
      crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: utf8.encode(`edge-seal/${name}`) }, base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]),
    );
    if (keys.size >= ISOLATE_CACHE_ENTRIES_MAX) keys.delete(keys.keys().next().value!);
    keys.set(cacheKey, key);
  }
  return key;
}

function aad(purpose: SealPurpose, db: string, context: string): Uint8Array {
  return utf8.encode(`sliced/SEB1/${purpose}/${db}/${context}`);
}

/** Whether `bytes` is a sealed box (else it is plaintext written while encryption was off). */
export function isSealed(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER_BYTES + TAG_BYTES && MAGIC.every((b, i) => bytes[i] === b);
}

/** `plain` sealed under the current secret, or null when no secret is configured (encryption off). */
export async function seal(secrets: MasterSecrets, purpose: SealPurpose, db: string, context: string, plain: Uint8Array): Promise<Uint8Array | null> {
  if (secrets.current === null) return null;
  const [id, key] = await Promise.all([secretId(secrets.current), keyOf(secrets.current, purpose, db)]);
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad(purpose, db, context) }, key, plain));
  const out = new Uint8Array(HEADER_BYTES + sealed.length);
  out.set(MAGIC);
  out.set(fromHex(id), MAGIC.length);
  out.set(nonce, MAGIC.length + ID_BYTES);
  out.set(sealed, HEADER_BYTES);
  return out;
}

/** Opens a sealed box with whichever configured secret sealed it; DataKeyError when none can. */
export async function open(secrets: MasterSecrets, purpose: SealPurpose, db: string, context: string, box: Uint8Array): Promise<Uint8Array> {
  if (!isSealed(box)) throw new DataKeyError(`a sealed ${purpose} value of database ${db} is damaged (no SEB1 header)`);
  const id = toHex(box.subarray(MAGIC.length, MAGIC.length + ID_BYTES));
  for (const secret of [secrets.current, secrets.previous]) {
    if (secret === null || (await secretId(secret)) !== id) continue;
    const key = await keyOf(secret, purpose, db);
    try {
      const nonce = box.slice(MAGIC.length + ID_BYTES, HEADER_BYTES);
      return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: aad(purpose, db, context) }, key, box.slice(HEADER_BYTES)));
    } catch {
      throw new DataKeyError(`a sealed ${purpose} value of database ${db} fails authentication under master secret ${id}`);
    }
  }
  throw new DataKeyError(`a ${purpose} value of database ${db} is sealed by master secret ${id}, which is neither DATA_KEY_SECRET nor DATA_KEY_SECRET_PREVIOUS`);
}

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function fromHex(s: string): Uint8Array {
  return Uint8Array.from({ length: s.length / 2 }, (_, i) => parseInt(s.slice(2 * i, 2 * i + 2), 16));
}
