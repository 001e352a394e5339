// Per-key request rate through Cloudflare's Rate Limiting binding (wrangler.toml [[ratelimits]]
// KEY_RATE_LIMIT): over the limit answers 429 / code 1502 with Retry-After. The binding counts per
// Cloudflare location and is eventually consistent: it protects the service, it is not a billing meter.
// So one call of the binding stands for KEY_RATE_BATCH requests of a key in one isolate (its
// configured limit is divided by as much): the call made for a key's first request buys the next
// KEY_RATE_BATCH - 1 of them, admitted without a call. (Locally each call is a Durable Object round
// trip with a SQLite write on the one shared thread, about 1 ms.) Once a call answers "over", every
// request of the key calls again, so it is released as soon as its window allows. A key may get up
// to KEY_RATE_BATCH - 1 requests more per isolate than its limit, and an isolate's unused rest of a
// batch counts as used.

import type { Caller } from "./auth";
import type { AppContext } from "./http";
import { ApiError } from "./shared/errors";
import { KEY_RATE_BATCH, KEY_RATE_PERIOD_S, KEY_REQUESTS_PER_PERIOD_MAX } from "./shared/limits";

/** Keys an isolate meters at once (the oldest are forgotten, with their unused requests). */
const METERS_MAX = 10_000;

interface Meter {
  /** Requests already paid for by a call, admitted without one. */
  prepaid: number;
  /** The latest call answered "over the limit". */
  over: boolean;
}

/** One isolate's meters of its keys' requests, in front of the binding. */
export class RateMeter {
  private readonly meters = new Map<string, Meter>();

  /** Whether one more request of `key` is allowed: from a batch already paid for, else by the binding. */
  async admit(limiter: RateLimit, key: string): Promise<boolean> {
    const meter = this.meterOf(key);
    if (!meter.over && meter.prepaid > 0) {
      meter.prepaid--;
      return true;
    }
    // Requests arriving while the call is out draw on the batch it is buying (unless denied already).
    if (!meter.over) meter.prepaid = KEY_RATE_BATCH - 1;
    const { success } = await limiter.limit({ key });
    if (success && meter.over) meter.prepaid = KEY_RATE_BATCH - 1; // released: this call bought a batch
    if (!success) meter.prepaid = 0;
    meter.over = !success;
    return success;
  }

  private meterOf(key: string): Meter {
    let meter = this.meters.get(key);
    if (meter === undefined) {
      if (this.meters.size >= METERS_MAX) this.meters.delete(this.meters.keys().next().value!);
      meter = { prepaid: 0, over: false };
      this.meters.set(key, meter);
    }
    return meter;
  }
}

const meter = new RateMeter();

export async function enforceRateLimit(c: AppContext, caller: Caller): Promise<void> {
  const limiter = c.env.KEY_RATE_LIMIT as RateLimit | undefined;
  if (limiter === undefined) return; // a deployment without the binding: nothing to enforce
  let success: boolean;
  try {
    // The key id, not the secret or its hash: ids are public and unique per database.
    success = await meter.admit(limiter, `${caller.db}/${caller.keyId}`);
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
