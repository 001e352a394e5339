// The key hierarchy of encryption at rest: DATA_KEY_SECRET (master secret, a Worker secret) → HKDF-SHA256
// → a key-encryption key that wraps each database's random 256-bit data key (AES-256-GCM, bound to the
// database id). Only wrapped keys are stored (catalog cat_meta 'data_key'); nothing here logs a secret.

/** Both secrets the deployment may hold: the current one and, during a rotation, the previous one. */
export interface MasterSecrets {
  current: string | null;
  previous: string | null;
}

/** Refusals that are safe to show: they name databases and secret fingerprints, never a secret or key. */
export class DataKeyError extends Error {
  override name = "DataKeyError";
}

/**
 * What a copy answers when it cannot load its database's key: a configuration error, not an outage
 * (the fan-out passes it through instead of trying another copy, which would fail the same way).
 */
export function dataKeyUnavailable(e: DataKeyError): { name: "DATA_KEY_UNAVAILABLE"; message: string } {
  return {
    name: "DATA_KEY_UNAVAILABLE",
    message: `data key unavailable: this database is encrypted and DATA_KEY_SECRET is missing or wrong (${e.message}); configure the secret that encrypted it, retrying will not help`,
  };
}

const WRAP_VERSION = "dk1";
const HKDF_SALT = new TextEncoder().encode("sliced/encryption-at-rest/v1");
const utf8 = new TextEncoder();

/** Reads the secrets without declaring them in Env (wrangler types may regenerate that file). */
export function secretsOf(env: object): MasterSecrets {
  const get = (name: string): string | null => {
    const v = (env as Record<string, unknown>)[name];
    return typeof v === "string" && v.length > 0 ? v : null;
  };
  return { current: get("DATA_KEY_SECRET"), previous: get("DATA_KEY_SECRET_PREVIOUS") };
}

export function newDataKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

interface Kek {
  id: string; // public fingerprint of the secret: 64 bits of HKDF output, names which secret wrapped a key
  key: CryptoKey;
}

const keks = new Map<string, Promise<Kek>>();

function kekOf(secret: string): Promise<Kek> {
  let k = keks.get(secret);
  if (!k) {
    k = (async () => {
      const base = await crypto.subtle.importKey("raw", utf8.encode(secret), "HKDF", false, ["deriveKey", "deriveBits"]);
      const idBits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: utf8.encode("secret-id") }, base, 64);
      const key = await crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: utf8.encode("data-key-wrap") }, base, { name: "AES-GCM", length: 256 }, false, [
        "encrypt",
        "decrypt",
      ]);
      return { id: hex(new Uint8Array(idBits)), key };
    })();
    keks.set(secret, k);
  }
  return k;
}

/** The public fingerprint of a master secret (shown by the rotation endpoint). */
export async function secretId(secret: string): Promise<string> {
  return (await kekOf(secret)).id;
}

/** Wrapped form: `dk1.<secret id>.<base64url(nonce ‖ ciphertext ‖ tag)>`, AAD binding version, database and secret id. */
export async function wrapDataKey(secret: string, db: string, dataKey: Uint8Array): Promise<string> {
  const kek = await kekOf(secret);
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad(db, kek.id) }, kek.key, dataKey));
  const box = new Uint8Array(nonce.length + ct.length);
  box.set(nonce);
  box.set(ct, nonce.length);
  return `${WRAP_VERSION}.${kek.id}.${base64url(box)}`;
}

/** Which secret (fingerprint) wrapped this key. */
export function wrappedBy(wrapped: string): string {
  const [version, id] = wrapped.split(".");
  if (version !== WRAP_VERSION || !id) throw new DataKeyError(`unknown wrapped data key format '${version ?? ""}'`);
  return id;
}

/** Unwraps with whichever configured secret wrapped the key. */
export async function unwrapDataKey(secrets: MasterSecrets, db: string, wrapped: string): Promise<Uint8Array> {
  const id = wrappedBy(wrapped);
  const box = fromBase64url(wrapped.split(".")[2] ?? "");
  for (const secret of [secrets.current, secrets.previous]) {
    if (secret === null) continue;
    const kek = await kekOf(secret);
    if (kek.id !== id) continue;
    try {
      const raw = await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.slice(0, 12), additionalData: aad(db, id) }, kek.key, box.slice(12));
      return new Uint8Array(raw);
    } catch {
      throw new DataKeyError(`the data key of database ${db} fails authentication under master secret ${id}`);
    }
  }
  throw new DataKeyError(`the data key of database ${db} is wrapped by master secret ${id}, which is neither DATA_KEY_SECRET nor DATA_KEY_SECRET_PREVIOUS`);
}

/** The key re-wrapped under the current secret, or null when it already is. */
export async function rewrapDataKey(secrets: MasterSecrets, db: string, wrapped: string): Promise<string | null> {
  if (secrets.current === null) throw new DataKeyError("DATA_KEY_SECRET is not set: nothing to re-wrap under");
  if (wrappedBy(wrapped) === (await kekOf(secrets.current)).id) return null;
  return wrapDataKey(secrets.current, db, await unwrapDataKey(secrets, db, wrapped));
}

function aad(db: string, id: string): Uint8Array {
  return utf8.encode(`sliced/${WRAP_VERSION}/${db}/${id}`);
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function base64url(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(s: string): Uint8Array {
  try {
    const bin = atob(s.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    throw new DataKeyError("the wrapped data key is not valid base64url");
  }
}
