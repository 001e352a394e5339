// API keys of a database (master key only): create read/write/custom keys (the secret is answered
// once, only its SHA-256 is stored), list them (never secrets or hashes), revoke one, rotate the master.
// Revocation is immediate in the catalog; isolates that cached the key forget it within AUTH_CACHE_MS.

import { Hono } from "hono";
import { forgetKeys, requireLevel } from "../middleware/auth";
import { catalogOf } from "../../durable-objects/stubs";
import { readJson } from "../middleware/body-limits";
import { success } from "./respond";
import { type AppEnv } from "../app-env";
import { KEY_ID_PATTERN, newKeyId } from "../../contract/api-keys";
import { newApiKey, sha256Hex } from "../crypto/api-key-tokens";
import { show } from "../query/body";
import { API_NAME_PATTERN } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import type { ColumnGrant, KeyInfo, KeyLevel, KeyPermissions } from "../../contract/api-keys";
import { COLUMN_API_NAME_CHARS_MAX, DIMENSION_NAME_CHARS_MAX, KEY_NAME_CHARS_MAX, KEY_PERMISSION_COLUMNS_MAX, KEY_PERMISSION_DIMENSIONS_MAX, QUERY_BODY_BYTES_MAX } from "../../contract/limits";
import type { RpcResult } from "../../contract/rpc-result";

export const keys = new Hono<AppEnv>();

keys.post("/keys", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "manage API keys");
  const def = parseKeyDefinition(await readJson(c, QUERY_BODY_BYTES_MAX));
  const secret = newApiKey(caller.db);
  const info: KeyInfo = { id: newKeyId(), createdAt: new Date().toISOString(), ...def };
  const result = (await catalogOf(c.env, caller.db).createKey({ ...info, hash: await sha256Hex(secret) })) as RpcResult<KeyInfo>;
  if (!result.ok) throw ApiError.from(result.error);
  return success(c, { ...keyJson(result.value), "api-key": secret }, 201);
});

keys.get("/keys", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "manage API keys");
  const list = (await catalogOf(c.env, caller.db).listKeys()) as KeyInfo[];
  return success(c, { keys: list.map(keyJson) });
});

keys.delete("/keys/:id", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "manage API keys");
  const id = c.req.param("id");
  if (!KEY_ID_PATTERN.test(id)) throw new ApiError("KEY_NOT_FOUND", `no key with id ${show(id)}`);
  const result = (await catalogOf(c.env, caller.db).revokeKey(id)) as RpcResult<KeyInfo>;
  if (!result.ok) throw ApiError.from(result.error);
  forgetKeys(caller.db);
  return success(c, { revoked: keyJson(result.value) });
});

keys.post("/keys/master/rotate", async (c) => {
  const caller = c.get("caller");
  requireLevel(caller, [], "rotate the master key");
  const secret = newApiKey(caller.db);
  // Only the presented master can be replaced: a concurrent rotation with the same old key loses (401).
  const result = (await catalogOf(c.env, caller.db).rotateMaster(await sha256Hex(secret), caller.keyHash)) as RpcResult<KeyInfo>;
  if (!result.ok) throw ApiError.from(result.error);
  forgetKeys(caller.db);
  return success(c, { ...keyJson(result.value), "api-key": secret });
});

export function keyJson(k: KeyInfo): Record<string, unknown> {
  return { id: k.id, name: k.name, level: k.level, permissions: k.permissions, "created-at": k.createdAt };
}

export const CREATABLE_LEVELS: readonly KeyLevel[] = ["read", "write", "custom"];

/** A POST /v1/keys body: {name, level, permissions (custom only)}. Hand-written so no member name reaches an object's prototype. */
export function parseKeyDefinition(body: unknown): { name: string; level: KeyLevel; permissions: KeyPermissions | null } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalid(`a key definition must be a JSON object, got ${show(body)}`);
  const obj = body as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (!["name", "level", "permissions"].includes(k)) throw invalid(`unknown member "${k}"; allowed: name, level, permissions`);
  const name = obj["name"];
  if (typeof name !== "string" || name.trim() === "" || name.length > KEY_NAME_CHARS_MAX) throw invalid(`"name" must be 1 to ${KEY_NAME_CHARS_MAX} characters, got ${show(name)}`);
  const level = obj["level"];
  if (typeof level !== "string" || !(CREATABLE_LEVELS as readonly string[]).includes(level)) {
    throw invalid(`"level" must be one of ${CREATABLE_LEVELS.join(", ")} (a database has one master key: rotate it), got ${show(level)}`);
  }
  if (level !== "custom") {
    if (obj["permissions"] !== undefined) throw invalid(`"permissions" apply to custom keys only`);
    return { name: name.trim(), level: level as KeyLevel, permissions: null };
  }
  return { name: name.trim(), level: "custom", permissions: parsePermissions(obj["permissions"]) };
}

function parsePermissions(raw: unknown): KeyPermissions {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalid(`a custom key needs "permissions": {"query": {"<dimension>": ["<column>", ...] | "*"}, "insert": {...}}, got ${show(raw)}`);
  }
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (k !== "query" && k !== "insert") throw invalid(`unknown member "permissions.${k}"; allowed: query, insert`);
  const budget = { columns: 0 };
  const perms: KeyPermissions = { query: grants(obj["query"], "query", budget), insert: grants(obj["insert"], "insert", budget) };
  if (Object.keys(perms.query).length === 0 && Object.keys(perms.insert).length === 0) throw invalid(`a custom key must grant at least one dimension in "query" or "insert"`);
  return perms;
}

function grants(raw: unknown, what: string, budget: { columns: number }): Record<string, ColumnGrant> {
  if (raw === undefined) return {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalid(`"permissions.${what}" must be an object keyed by dimension, got ${show(raw)}`);
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > KEY_PERMISSION_DIMENSIONS_MAX) throw invalid(`"permissions.${what}" names ${entries.length} dimensions; the limit is ${KEY_PERMISSION_DIMENSIONS_MAX}`);
  const out: Array<[string, ColumnGrant]> = entries.map(([dimension, grant]) => {
    if (!API_NAME_PATTERN.test(dimension) || dimension.length > DIMENSION_NAME_CHARS_MAX) throw invalid(`"permissions.${what}": ${show(dimension)} is not a dimension name`);
    if (grant === "*") return [dimension, "*"];
    if (!Array.isArray(grant)) throw invalid(`"permissions.${what}.${dimension}" must be "*" or a list of column api-names, got ${show(grant)}`);
    const columns = new Set<string>();
    for (const col of grant) {
      if (typeof col !== "string" || !API_NAME_PATTERN.test(col) || col.length > COLUMN_API_NAME_CHARS_MAX) {
        throw invalid(`"permissions.${what}.${dimension}": ${show(col)} is not a column api-name`);
      }
      columns.add(col);
    }
    budget.columns += columns.size;
    if (budget.columns > KEY_PERMISSION_COLUMNS_MAX) throw invalid(`the permissions name more than ${KEY_PERMISSION_COLUMNS_MAX} columns`);
    return [dimension, [...columns]];
  });
  // fromEntries defines own members, so even odd names could never set a prototype.
  return Object.fromEntries(out);
}

function invalid(message: string): ApiError {
  return new ApiError("KEY_INVALID", `key: ${message}`);
}
