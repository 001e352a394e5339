// The per-isolate rate meter in front of the Rate Limiting binding (src/middleware/rate-limit.ts), against the
// binding wrangler.toml configures (1000 requests per 10 s per key), its calls recorded: at most one
// call per KEY_RATE_REPORT_MS per key under the limit, every admitted request counted once (the
// calls' deltas), a denial at exactly the limit from the isolate's sliding window, and at most the
// limit in a real-time burst straddling a window boundary of the binding (which alone admitted it twice).

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RateMeter } from "../../src/middleware/rate-limit";
import { KEY_RATE_BUCKET_MS, KEY_RATE_PERIOD_S, KEY_RATE_REPORT_MS, KEY_REQUESTS_PER_PERIOD_MAX } from "../../contract/limits";

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

  it("denies at the limit from the isolate's own window, without calling the binding", async () => {
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
      expect(admitted).toBe(KEY_REQUESTS_PER_PERIOD_MAX);
      expect(denied).toEqual([false, false]);
      expect(deltas.length, "refused by the isolate's count: no call").toBe(calls);
      expect(sum(deltas) + 1, "every admitted request is counted once (the last ones in the next report)").toBeGreaterThanOrEqual(admitted - 10);
      // The window slides: a period later the key is admitted again.
      expect(await meter.admit(limiter, key, t + KEY_RATE_PERIOD_S * 1000 + KEY_RATE_BUCKET_MS)).toBe(true);
      expect(await meter.admit(limiter, freshKey()), "another key is not affected").toBe(true);
      return;
    }
    throw new Error("two runs in a row crossed a rate window boundary");
  });

  // Issue 15 item 11: the binding's windows are fixed and aligned to the clock, so a burst straddling a
  // boundary was admitted once per window (1,152 of 1,400 in 5.5 s against 1,000 per 10 s). Real time
  // here: 1,400 requests over 5.5 s, starting 2.5 s before a boundary of the binding's window.
  it("admits at most the limit in any period-long span, also across the binding's window boundary", async () => {
    const periodMs = KEY_RATE_PERIOD_S * 1000;
    const phase = Date.now() % periodMs;
    const startAt = periodMs - 2_500;
    await scheduler.wait((startAt - phase + periodMs) % periodMs);
    const meter = new RateMeter();
    const key = freshKey();
    const real = env.KEY_RATE_LIMIT as RateLimit;
    const admittedAt: number[] = [];
    const t0 = Date.now();
    for (let batch = 0; batch < 140; batch++) {
      const due = t0 + batch * (5_500 / 140);
      if (Date.now() < due) await scheduler.wait(due - Date.now());
      const verdicts = await Promise.all(Array.from({ length: 10 }, () => meter.admit(real, key)));
      for (const ok of verdicts) if (ok) admittedAt.push(Date.now());
    }
    expect(Date.now() - t0).toBeLessThan(periodMs);
    expect(windowOf(t0), "the run crossed a window boundary of the binding").not.toBe(windowOf(Date.now()));
    expect(admittedAt.length).toBeLessThanOrEqual(KEY_REQUESTS_PER_PERIOD_MAX);
    expect(admittedAt.length).toBeGreaterThanOrEqual(KEY_REQUESTS_PER_PERIOD_MAX * 0.95);
  }, 30_000);
});
