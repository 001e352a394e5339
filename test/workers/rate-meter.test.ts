// The per-isolate rate meter in front of the Rate Limiting binding (src/rate-limit.ts), against the
// binding wrangler.toml configures (125 calls of KEY_RATE_BATCH requests per 10 s per key), counting
// its calls: one per KEY_RATE_BATCH requests under the limit, a denial at the documented limit, and
// a call for every request once denied.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RateMeter } from "../../src/rate-limit";
import { KEY_RATE_BATCH, KEY_RATE_PERIOD_S, KEY_REQUESTS_PER_PERIOD_MAX } from "../../src/shared/limits";

/** The configured binding, its calls counted. */
function countingLimiter(): { limiter: RateLimit; calls: () => number } {
  const real = env.KEY_RATE_LIMIT as RateLimit;
  let calls = 0;
  return {
    calls: () => calls,
    limiter: {
      limit(options) {
        calls++;
        return real.limit(options);
      },
    },
  };
}

const windowOf = (t: number) => Math.floor(t / (KEY_RATE_PERIOD_S * 1000));
let keys = 0;
const freshKey = () => `rate-meter-test/${Date.now()}-${keys++}`;

describe("rate meter", () => {
  it("calls the binding once per KEY_RATE_BATCH requests of a key, concurrent ones included", async () => {
    const meter = new RateMeter();
    const { limiter, calls } = countingLimiter();
    const key = freshKey();
    for (let i = 0; i < 10 * KEY_RATE_BATCH; i++) expect(await meter.admit(limiter, key)).toBe(true);
    expect(calls()).toBe(10);
    const concurrent = await Promise.all(Array.from({ length: KEY_RATE_BATCH }, () => meter.admit(limiter, key)));
    expect(concurrent).toEqual(Array.from({ length: KEY_RATE_BATCH }, () => true));
    expect(calls()).toBe(11);
    await meter.admit(limiter, freshKey());
    expect(calls(), "another key is metered on its own").toBe(12);
  });

  it("denies the request after the limit, then asks the binding on every request", async () => {
    // Windows align to the wall clock: a run that crosses a boundary is repeated once.
    for (let attempt = 0; attempt < 2; attempt++) {
      const meter = new RateMeter();
      const { limiter, calls } = countingLimiter();
      const key = freshKey();
      const start = windowOf(Date.now());
      let admitted = 0;
      while (admitted <= KEY_REQUESTS_PER_PERIOD_MAX + KEY_RATE_BATCH && (await meter.admit(limiter, key))) admitted++;
      const denied = [await meter.admit(limiter, key), await meter.admit(limiter, key)];
      if (windowOf(Date.now()) !== start) continue;
      expect(admitted).toBe(KEY_REQUESTS_PER_PERIOD_MAX);
      expect(denied).toEqual([false, false]);
      expect(calls()).toBe(KEY_REQUESTS_PER_PERIOD_MAX / KEY_RATE_BATCH + 3);
      expect(await meter.admit(limiter, freshKey()), "another key is not affected").toBe(true);
      return;
    }
    throw new Error("two runs in a row crossed a rate window boundary");
  });
});
