// Per-key request rate through Cloudflare's Rate Limiting binding (wrangler.toml [[ratelimits]]
// KEY_RATE_LIMIT): over the limit answers 429 / code 1502 with Retry-After. The binding counts per
// Cloudflare location and is eventually consistent: it protects the service, it is not a billing meter.

import type { Caller } from "./auth";
import type { AppContext } from "./http";
import { ApiError } from "./shared/errors";
import { KEY_RATE_PERIOD_S, KEY_REQUESTS_PER_PERIOD_MAX } from "./shared/limits";

export async function enforceRateLimit(c: AppContext, caller: Caller): Promise<void> {
  const limiter = c.env.KEY_RATE_LIMIT as RateLimit | undefined;
  if (limiter === undefined) return; // a deployment without the binding: nothing to enforce
  let success: boolean;
  try {
    // The key id, not the secret or its hash: ids are public and unique per database.
    ({ success } = await limiter.limit({ key: `${caller.db}/${caller.keyId}` }));
  } catch (e) {
    // An unavailable limiter must not take the API down with it: allow, and say so in the logs.
    console.warn(`rate limiter unavailable (request allowed): ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  if (success) return;
  c.header("Retry-After", String(KEY_RATE_PERIOD_S));
  throw new ApiError("RATE_LIMITED", `this API key made more than ${KEY_REQUESTS_PER_PERIOD_MAX} requests in ${KEY_RATE_PERIOD_S} seconds; retry later`, {
    limit: KEY_REQUESTS_PER_PERIOD_MAX,
    "period-seconds": KEY_RATE_PERIOD_S,
  });
}
