// The API-key contract between the Worker and the catalog Durable Object: key levels, a custom
// key's grants, what a key listing shows (never a secret or a hash), and the shape of key ids.

/** master: everything; write: columns + inserts; read: queries; custom: data endpoints, limited by `permissions`. */
export type KeyLevel = "master" | "write" | "read" | "custom";

/** The columns of one dimension a custom key may touch: every column ("*"), or these api-names. */
export type ColumnGrant = "*" | string[];

/**
 * A custom key's permissions, per direction, keyed by dimension name. A dimension that is not listed
 * is not accessible at all in that direction. Look members up with Object.hasOwn (see grantOf).
 */
export interface KeyPermissions {
  query: Record<string, ColumnGrant>;
  insert: Record<string, ColumnGrant>;
}

/** A key as GET /v1/keys lists it. */
export interface KeyInfo {
  id: string;
  name: string;
  level: KeyLevel;
  permissions: KeyPermissions | null; // null for every level but custom
  createdAt: string; // ISO
}

/** A key to store: its description plus the SHA-256 hex of its secret (the secret itself is never stored). */
export interface StoredKey extends KeyInfo {
  hash: string;
}

/** The grant for `dimension`, reading own members only (a dimension named "constructor" must not find Object's). */
export function grantOf(grants: Record<string, ColumnGrant>, dimension: string): ColumnGrant | undefined {
  return Object.hasOwn(grants, dimension) ? grants[dimension] : undefined;
}

/** A key's public id (GET/DELETE /v1/keys): `k_` + 16 hex characters, unrelated to its secret. */
export function newKeyId(): string {
  return `k_${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export const KEY_ID_PATTERN = /^k_[0-9a-f]{16}$/;
