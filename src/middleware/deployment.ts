// What this deployment may serve, decided per request: "local development" is a request whose host is
// loopback (localhost, 127.0.0.1, [::1]), which only `wrangler dev` / `npm run dev` receive: Cloudflare
// routes a request to the Worker by a hostname of its zone or workers.dev, never a loopback one. Outside
// local development, data routes refuse to run unencrypted unless ALLOW_PLAINTEXT says so on purpose.

import { ApiError } from "../../contract/errors";
import { secretsOf } from "../../durable-objects/shard/data-key";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** True for a request to a loopback host: local development (docs/security.md "Local development"). */
export function isLocalRequest(url: string): boolean {
  return LOOPBACK_HOSTS.has(new URL(url).hostname.toLowerCase());
}

let warned = false;

/**
 * Throws 503 / 3007 when DATA_KEY_SECRET is unset on a non-local host and ALLOW_PLAINTEXT is not
 * "true": a deploy that lost its secret must not quietly store customer data in plaintext.
 */
export function requireEncryptionOrConsent(env: Env, url: string): void {
  if (secretsOf(env).current !== null || String(env.ALLOW_PLAINTEXT) === "true" || isLocalRequest(url)) return;
  const message =
    'this deployment has no DATA_KEY_SECRET, so it would store data in plaintext: set it (`wrangler secret put DATA_KEY_SECRET`), or set the variable ALLOW_PLAINTEXT="true" if an unencrypted service is intended';
  if (!warned) console.error(`refusing data routes: ${message}`);
  warned = true;
  throw new ApiError("PLAINTEXT_NOT_ALLOWED", message);
}
