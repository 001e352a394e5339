// API keys: random opaque tokens that name their database (so a lookup goes straight to its
// catalog), stored only as SHA-256 hashes; and constant-time comparison for secrets.

const encoder = new TextEncoder();

export type { KeyLevel } from "../../contract/api-keys";

/** A new database id: 20 lower-case hex characters. */
export function newDatabaseId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(10)));
}

/** A new API key for a database: `sk_<db id>_<32 random bytes, base64url>`. */
export function newApiKey(db: string): string {
  const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  return `sk_${db}_${secret}`;
}

/** The database a key names, or null when the key is not one of ours. */
export function databaseOfKey(key: string): string | null {
  const m = /^sk_([0-9a-f]{20})_[A-Za-z0-9_-]{20,}$/.exec(key);
  return m ? m[1]! : null;
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
}

/** Compares two secrets in time independent of where they differ (hashing first equalises lengths). */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([given, expected].map((s) => crypto.subtle.digest("SHA-256", encoder.encode(s))));
  return crypto.subtle.timingSafeEqual(a!, b!);
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
