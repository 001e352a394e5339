// The operator API's door: ADMIN_TOKEN must be configured (and, outside local development, at least
// ADMIN_TOKEN_CHARS_MIN characters), and wrong tokens are limited per client address. A valid token
// costs nothing extra: the failure limiter (wrangler.toml [[ratelimits]] ADMIN_FAILURE_LIMIT) is only
// called on a wrong token, and an address it has refused is answered 429 from isolate memory, before
// its token is even compared, for a minute (otherwise a correct guess would still get through).

import type { AppContext } from "../app-env";
import { ApiError } from "../../contract/errors";
import { ADMIN_FAILURES_PER_MINUTE_MAX, ADMIN_TOKEN_CHARS_MIN, ISOLATE_CACHE_ENTRIES_MAX } from "../../contract/limits";
import { secretsEqual } from "../crypto/api-key-tokens";
import { rememberBounded } from "../schema-cache";
import { isLocalRequest } from "./deployment";

const BLOCK_MS = 60_000;

/** Addresses the limiter refused, until when (epoch ms). */
const blocked = new Map<string, number>();
/** Wrong tokens per address in the current minute, used only when the binding is not configured. */
const counted = new Map<string, { minute: number; failures: number }>();

/** Cloudflare sets CF-Connecting-IP (a client cannot forge it there); locally every caller shares one bucket unless it sends one. */
export function clientAddress(c: AppContext): string {
  return c.req.header("cf-connecting-ip")?.trim() || "local";
}

let weakWarned = false;

export async function guardAdmin(c: AppContext): Promise<void> {
  const token = c.env.ADMIN_TOKEN;
  if (!token) throw new ApiError("ADMIN_NOT_CONFIGURED", "the operator API is disabled: set the ADMIN_TOKEN secret (locally: .dev.vars or --var ADMIN_TOKEN:<token>)");
  if (token.length < ADMIN_TOKEN_CHARS_MIN && !isLocalRequest(c.req.url)) {
    const message = `the operator API is disabled: ADMIN_TOKEN has ${token.length} characters and outside local development (localhost, 127.0.0.1) it must have at least ${ADMIN_TOKEN_CHARS_MIN}; set a random one (\`openssl rand -hex 32 | wrangler secret put ADMIN_TOKEN\`)`;
    if (!weakWarned) console.error(message);
    weakWarned = true;
    throw new ApiError("ADMIN_NOT_CONFIGURED", message);
  }
  const address = clientAddress(c);
  const now = Date.now();
  const until = blocked.get(address);
  if (until !== undefined && until > now) throw tooMany(c, until - now);
  if (until !== undefined) blocked.delete(address);
  const header = c.req.header("authorization") ?? "";
  const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? "";
  if (await secretsEqual(given, token)) return;
  if (!(await failureAllowed(c.env, address, now))) {
    rememberBounded(blocked, address, now + BLOCK_MS);
    throw tooMany(c, BLOCK_MS);
  }
  throw new ApiError("ADMIN_UNAUTHORIZED", "send the operator token as 'Authorization: Bearer <ADMIN_TOKEN>'");
}

/** Counts one wrong token of `address`; false once it made more than the limit this minute. */
async function failureAllowed(env: Env, address: string, now: number): Promise<boolean> {
  const limiter = env.ADMIN_FAILURE_LIMIT as RateLimit | undefined;
  if (limiter !== undefined) {
    try {
      return (await limiter.limit({ key: `admin-failures/${address}` })).success;
    } catch (e) {
      console.warn(`admin failure limiter unavailable (counting in this isolate): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const minute = Math.floor(now / 60_000);
  const entry = counted.get(address);
  const failures = entry !== undefined && entry.minute === minute ? entry.failures + 1 : 1;
  if (counted.size >= ISOLATE_CACHE_ENTRIES_MAX) counted.delete(counted.keys().next().value!);
  counted.set(address, { minute, failures });
  return failures <= ADMIN_FAILURES_PER_MINUTE_MAX;
}

function tooMany(c: AppContext, ms: number): ApiError {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  c.header("Retry-After", String(seconds));
  return new ApiError("ADMIN_RATE_LIMITED", `too many wrong operator tokens from this address: more than ${ADMIN_FAILURES_PER_MINUTE_MAX} in a minute; retry in ${seconds} s`, {
    limit: ADMIN_FAILURES_PER_MINUTE_MAX,
    "period-seconds": 60,
  });
}
