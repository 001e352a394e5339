// The per-isolate rate meter in front of the Rate Limiting binding (src/middleware/rate-limit.ts), against the
// binding wrangler.toml configures (1000 requests per 10 s per key), its calls recorded: at most one
// call per KEY_RATE_REPORT_MS per key under the limit, every admitted request counted once (the
// calls' deltas), a denial at the documented limit, and a call for every request once denied.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RateMeter } from "../../src/middleware/rate-limit";
import { KEY_RATE_PERIOD_S, KEY_RATE_REPORT_MS, KEY_REQUESTS_PER_PERIOD_MAX } from "../../contract/limits";

/** The configured binding, the delta of every call recorded. */
function recordingLimiter(): { limiter: RateLimit; deltas: number[] } {
  const real = env.KEY_RATE_LIMIT as RateLimit;
  const deltas: number[] = [];
  return {
    deltas,
    limiter: {
      limit(options) {
        deltas.push(options.delta ?? 1);
        return real.limit(options);
      },
    },
  };
}

const windowOf = (t: number) => Math.floor(t / (KEY_RATE_PERIOD_S * 1000));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
let keys = 0;
const freshKey = () => `rate-meter-test/${Date.now()}-${keys++}`;

describe("rate meter", () => {
  it("calls the binding at most once per KEY_RATE_REPORT_MS per key, counting every request once", async () => {
    const meter = new RateMeter();
    const { limiter, deltas } = recordingLimiter();
    const key = freshKey();
    const t0 = 1_000_000;
    // 10 requests in each of 5 report intervals, the last 5 at once (concurrent).
    for (let step = 0; step < 5; step++) {
      const t = t0 + step * KEY_RATE_REPORT_MS;
      if (step < 4) for (let i = 0; i < 10; i++) expect(await meter.admit(limiter, key, t + i)).toBe(true);
      else expect(await Promise.all(Array.from({ length: 10 }, () => meter.admit(limiter, key, t)))).toEqual(Array(10).fill(true));
    }
    // One call per interval, each telling the requests since the previous one.
    expect(deltas).toEqual([1, 10, 10, 10, 10]);
    await meter.admit(limiter, key, t0 + 5 * KEY_RATE_REPORT_MS);
    expect(sum(deltas), "every admitted request is counted once").toBe(51);
    await meter.admit(limiter, freshKey(), t0);
    expect(deltas, "another key is metered on its own").toHaveLength(7);
  });

  it("denies at the limit, then asks the binding on every request", async () => {
    // Windows align to the wall clock: a run that crosses a boundary is repeated once.
    for (let attempt = 0; attempt < 2; attempt++) {
      const meter = new RateMeter();
      const { limiter, deltas } = recordingLimiter();
      const key = freshKey();
      const start = windowOf(Date.now());
      // Ten requests per report interval (a fake clock for the meter; the binding keeps real time).
      let admitted = 0;
      let t = 0;
      while (admitted <= KEY_REQUESTS_PER_PERIOD_MAX + 20 && (await meter.admit(limiter, key, (t += KEY_RATE_REPORT_MS / 10)))) admitted++;
      const calls = deltas.length;
      const denied = [await meter.admit(limiter, key, t), await meter.admit(limiter, key, t)];
      if (windowOf(Date.now()) !== start) continue;
      // The binding allows a call while its count is below the limit: the denial comes with the first
      // report after the limit, so within one interval's requests of it.
      expect(admitted).toBeGreaterThanOrEqual(KEY_REQUESTS_PER_PERIOD_MAX);
      expect(admitted).toBeLessThanOrEqual(KEY_REQUESTS_PER_PERIOD_MAX + 10);
      expect(denied).toEqual([false, false]);
      expect(deltas.slice(calls)).toEqual([1, 1]);
      expect(await meter.admit(limiter, freshKey()), "another key is not affected").toBe(true);
      return;
    }
    throw new Error("two runs in a row crossed a rate window boundary");
  });
});
