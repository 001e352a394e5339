// Per-key request rate through Cloudflare's Rate Limiting binding (wrangler.toml [[ratelimits]]
// KEY_RATE_LIMIT): over the limit answers 429 / code 1502 with Retry-After. The binding counts per
// Cloudflare location and is eventually consistent: it protects the service, it is not a billing meter.
// So an isolate tells the binding about a key's requests at most every KEY_RATE_REPORT_MS, with their
// number (`delta`): requests in between are admitted on the last verdict and counted in the next
// call, so every admitted request is counted once. (Locally each call is a Durable Object round trip
// with a SQLite write on the one shared thread, about 1 ms; a busy key now pays it a few times a
// second per isolate instead of on every request.) Once a call answers "over", every request of the
// key calls again, so it is released as soon as its window allows.

import type { Caller } from "./auth";
import type { AppContext } from "../app-env";
import { ApiError } from "../../contract/errors";
import { KEY_RATE_PERIOD_S, KEY_RATE_REPORT_MS, KEY_REQUESTS_PER_PERIOD_MAX, ISOLATE_CACHE_ENTRIES_MAX } from "../../contract/limits";
import { log, errorText } from "../log";

interface Meter {
  /** Requests admitted and not yet told to the binding. */
  unreported: number;
  /** When the binding was last called for the key (epoch ms), or null before the first call. */
  reportedAt: number | null;
  /** The latest call answered "over the limit". */
  over: boolean;
}

/** One isolate's meters of its keys' requests, in front of the binding. */
export class RateMeter {
  private readonly meters = new Map<string, Meter>();

  /**
   * Whether one more request of `key` is allowed: at once from the last verdict when the key is
   * under its limit and the binding heard from this isolate less than KEY_RATE_REPORT_MS ago, else
   * by calling it with every request admitted since the last call. `now` is the clock (tests).
   */
  async admit(limiter: RateLimit, key: string, now = Date.now()): Promise<boolean> {
    const meter = this.meterOf(key);
    meter.unreported++;
    if (!meter.over && meter.reportedAt !== null && now - meter.reportedAt < KEY_RATE_REPORT_MS) return true;
    const delta = meter.unreported;
    meter.unreported = 0;
    meter.reportedAt = now; // requests arriving while the call is out are admitted on the last verdict
    const { success } = await limiter.limit({ key, delta });
    meter.over = !success;
    return success;
  }

  private meterOf(key: string): Meter {
    let meter = this.meters.get(key);
    if (meter === undefined) {
      if (this.meters.size >= ISOLATE_CACHE_ENTRIES_MAX) this.meters.delete(this.meters.keys().next().value!);
      meter = { unreported: 0, reportedAt: null, over: false };
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
    log("warn", "rate limiter unavailable (request allowed)", { error: errorText(e) });
    return;
  }
  if (success) return;
  c.header("Retry-After", String(KEY_RATE_PERIOD_S));
  throw new ApiError("RATE_LIMITED", `this API key made more than ${KEY_REQUESTS_PER_PERIOD_MAX} requests in ${KEY_RATE_PERIOD_S} seconds; retry later`, {
    limit: KEY_REQUESTS_PER_PERIOD_MAX,
    "period-seconds": KEY_RATE_PERIOD_S,
  });
}
