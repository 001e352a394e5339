// Retries a request the server may take later: 429 (waiting at least its Retry-After), 5xx and
// no answer at all, with exponential backoff and jitter up to a cap. Anything else is final.

import { SlicedError } from "../client/index";

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** Waits; replaced in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Told before each wait (the progress line prints it). */
  onRetry?: (error: SlicedError, attempt: number, waitMs: number) => void;
  random?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseMs: 500, maxMs: 30_000 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The wait before try `attempt + 1` (attempt counts from 1): full jitter over an exponential ceiling, never under Retry-After. */
export function backoffMs(policy: RetryPolicy, attempt: number, error: SlicedError): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  const jittered = Math.round(ceiling / 2 + (policy.random ?? Math.random)() * (ceiling / 2));
  return Math.max(jittered, (error.retryAfter ?? 0) * 1000);
}

export async function withRetry<T>(policy: RetryPolicy, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (!(e instanceof SlicedError) || !e.retryable || attempt >= policy.attempts) throw e;
      const wait = backoffMs(policy, attempt, e);
      policy.onRetry?.(e, attempt, wait);
      await (policy.sleep ?? sleep)(wait);
    }
  }
}
