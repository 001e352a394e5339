// Result/score page tokens (API.md §7.7, errors 112/113): an opaque base64url text carrying the
// page number, the page size and every shard's cursor, bound to a hash of the request so a token
// presented with a different query (or a tampered one) is refused instead of paging garbage.

import { ApiError } from "../../contract/errors";
import { EXTRACTION_LIMIT_MAX } from "../../contract/limits";

export interface PageCursor {
  page: number; // 1-based number of the page this cursor starts
  limit: number;
  offsets: number[]; // rows already returned from each shard
}

/** JSON with object keys sorted, so equal requests hash equally whatever their member order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** A 53-bit hash (cyrb53) as hex: enough to tell queries apart; tokens are not a security boundary. */
export function queryHash(text: string): string {
  let h1 = 0xdeadbeef,
    h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16);
}

export function encodePageToken(hash: string, c: PageCursor): string {
  const json = JSON.stringify({ v: 1, h: hash, p: c.page, l: c.limit, o: c.offsets });
  return btoa(json).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const isCount = (n: unknown, min: number): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= min;

/** The cursor inside `token`, or error 113 when it is malformed or belongs to another query. */
export function decodePageToken(token: unknown, hash: string): PageCursor {
  const bad = (why: string) => new ApiError("QUERY_PAGE_TOKEN", `invalid page-token: ${why}; pass the "next-page" value of the previous answer to the same query`);
  if (typeof token !== "string" || token === "") throw bad("it must be a non-empty string");
  let parsed: unknown;
  try {
    parsed = JSON.parse(atob(token.replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    throw bad("it is not a token this service issued");
  }
  const t = parsed as { v?: unknown; h?: unknown; p?: unknown; l?: unknown; o?: unknown };
  if (typeof t !== "object" || t === null || t.v !== 1 || typeof t.h !== "string") throw bad("it is not a token this service issued");
  if (t.h !== hash) throw bad("it was issued for a different query");
  if (!isCount(t.p, 2) || !isCount(t.l, 1) || t.l > EXTRACTION_LIMIT_MAX || !Array.isArray(t.o) || !t.o.every((o) => isCount(o, 0))) {
    throw bad("it is damaged");
  }
  return { page: t.p, limit: t.l, offsets: t.o as number[] };
}
