// Per-isolate memory of which shard copies failed recently, so a sick copy does not cost every query
// a full deadline (it is skipped while a healthy copy remains), and a retry budget so retries of
// retryable errors cannot multiply the load on a struggling shard.

import { SICK_COPY_MIN_MS, SICK_COPY_MAX_MS } from "../../contract/limits";

interface Sickness {
  until: number;
  penalty: number;
}

export class CopyHealth {
  private readonly sick = new Map<string, Sickness>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether the copy failed recently enough that a healthy alternative should be tried first. */
  isSick(copy: string): boolean {
    const s = this.sick.get(copy);
    return s !== undefined && s.until > this.now();
  }

  /** A failure doubles the copy's quarantine (capped), so a flapping copy is probed less and less often. */
  failed(copy: string): void {
    const previous = this.sick.get(copy);
    const penalty = previous ? Math.min(SICK_COPY_MAX_MS, previous.penalty * 2) : SICK_COPY_MIN_MS;
    this.sick.set(copy, { until: this.now() + penalty, penalty });
  }

  succeeded(copy: string): void {
    this.sick.delete(copy);
  }
}

/**
 * A token bucket for retries: every call earns a fraction of a token, every retry spends one, so
 * retries stay a bounded share of traffic (at most ~10% plus a small burst) whatever fails.
 */
export class RetryBudget {
  private milliTokens: number; // integers, so ten calls earn exactly one retry
  private readonly burstMilli: number;
  private readonly earnedMilli: number;

  constructor(burst = 20, earnedPerCall = 0.1) {
    this.burstMilli = burst * 1000;
    this.earnedMilli = Math.round(earnedPerCall * 1000);
    this.milliTokens = this.burstMilli;
  }

  recordCall(): void {
    this.milliTokens = Math.min(this.burstMilli, this.milliTokens + this.earnedMilli);
  }

  tryRetry(): boolean {
    if (this.milliTokens < 1000) return false;
    this.milliTokens -= 1000;
    return true;
  }
}

/** Only errors the runtime marks retryable (and not "overloaded", which a retry would worsen) are retried. */
export function isRetryable(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const flags = e as { retryable?: unknown; overloaded?: unknown };
  return flags.retryable === true && flags.overloaded !== true;
}

/** Capped exponential backoff before retry `attempt` (1-based). */
export function backoffMs(attempt: number): number {
  return Math.min(200, 20 * 2 ** (attempt - 1));
}
