// Per-key request rate: 429 / code 1502 with Retry-After, in two layers. (1) The isolate's own sliding
// window of each key's admissions, in KEY_RATE_BUCKET_MS buckets spanning a little more than the
// period: an isolate never admits more than KEY_REQUESTS_PER_PERIOD_MAX requests of a key in any
// KEY_RATE_PERIOD_S span. (2) Cloudflare's Rate Limiting binding (wrangler.toml [[ratelimits]]
// KEY_RATE_LIMIT) for a key spread over several isolates: it counts in fixed windows aligned to the
// clock, per Cloudflare location, eventually consistent, so alone it let a burst straddling a window
// boundary through twice (1,152 of 1,400 requests in 5.5 s were admitted against 1,000 per 10 s).
// An isolate tells the binding about a key's requests at most every KEY_RATE_REPORT_MS, with their
// number (`delta`): requests in between are admitted on the last verdict and counted in the next
// call, so every admitted request is counted once. (Locally each call is a Durable Object round trip
// with a SQLite write on the one shared thread, about 1 ms; a busy key now pays it a few times a
// second per isolate instead of on every request.) Once a call answers "over", every request of the
// key calls again, so it is released as soon as its window allows. README "Limits" states the bound.

import type { Caller } from "./auth";
import type { AppContext } from "../app-env";
import { ApiError } from "../../contract/errors";
import { log, errorText } from "../log";
import { KEY_RATE_BUCKET_MS, KEY_RATE_PERIOD_S, KEY_RATE_REPORT_MS, KEY_REQUESTS_PER_PERIOD_MAX, ISOLATE_CACHE_ENTRIES_MAX } from "../../contract/limits";

// One bucket more than the period holds: the window then always covers at least a whole period, so
// it may refuse a little early but never admits more than the limit in any period-long span.
const BUCKETS = (KEY_RATE_PERIOD_S * 1000) / KEY_RATE_BUCKET_MS + 1;

interface Meter {
  /** Requests admitted and not yet told to the binding. */
  unreported: number;
  /** When the binding was last called for the key (epoch ms), or null before the first call. */
  reportedAt: number | null;
  /** The latest call answered "over the limit". */
  over: boolean;
  /** Admissions per bucket (index: bucket number modulo BUCKETS), their sum, and the newest bucket number. */
  window: Uint16Array;
  inWindow: number;
  bucket: number;
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
    const bucket = slide(meter, now);
    if (meter.inWindow >= KEY_REQUESTS_PER_PERIOD_MAX) return false; // this isolate's own count: exact, free
    meter.window[bucket]!++;
    meter.inWindow++;
    meter.unreported++;
    if (!meter.over && meter.reportedAt !== null && now - meter.reportedAt < KEY_RATE_REPORT_MS) return true;
    const delta = meter.unreported;
    meter.unreported = 0;
    meter.reportedAt = now; // requests arriving while the call is out are admitted on the last verdict
    let success: boolean;
    try {
      ({ success } = await limiter.limit({ key, delta }));
    } catch (e) {
      meter.unreported += delta; // told next time
      throw e;
    }
    meter.over = !success;
    if (!success) {
      // Refused: not an admission (the bucket may have turned meanwhile; never below zero).
      const b = meter.window[bucket]!;
      if (b > 0) {
        meter.window[bucket] = b - 1;
        meter.inWindow--;
      }
    }
    return success;
  }

  private meterOf(key: string): Meter {
    let meter = this.meters.get(key);
    if (meter === undefined) {
      if (this.meters.size >= ISOLATE_CACHE_ENTRIES_MAX) this.meters.delete(this.meters.keys().next().value!);
      meter = { unreported: 0, reportedAt: null, over: false, window: new Uint16Array(BUCKETS), inWindow: 0, bucket: Number.NEGATIVE_INFINITY };
      this.meters.set(key, meter);
    }
    return meter;
  }
}

/** Moves the meter's window to `now`, emptying the buckets that left it; answers the current bucket's index. */
function slide(meter: Meter, now: number): number {
  const bucket = Math.floor(now / KEY_RATE_BUCKET_MS);
  if (bucket > meter.bucket) {
    if (bucket - meter.bucket >= BUCKETS) {
      meter.window.fill(0);
      meter.inWindow = 0;
    } else {
      for (let b = meter.bucket + 1; b <= bucket; b++) {
        const i = b % BUCKETS;
        meter.inWindow -= meter.window[i]!;
        meter.window[i] = 0;
      }
    }
    meter.bucket = bucket;
  }
  // A clock that went back (tests, or skew) counts in the newest bucket: never forgets admissions.
  return meter.bucket % BUCKETS;
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
