import { describe, expect, it } from "vitest";
import { backoffMs, CopyHealth, isRetryable, RetryBudget } from "../../src/query/shard-health";

describe("CopyHealth", () => {
  it("quarantines a failed copy for a doubling, capped time and forgets it on success", () => {
    let now = 0;
    const h = new CopyHealth(() => now);
    h.failed("a");
    expect(h.isSick("a")).toBe(true);
    now = 999;
    expect(h.isSick("a")).toBe(true);
    now = 1000;
    expect(h.isSick("a")).toBe(false);
    h.failed("a"); // second failure: 2 s
    now = 2999;
    expect(h.isSick("a")).toBe(true);
    for (let i = 0; i < 10; i++) h.failed("a");
    now += 30_000;
    expect(h.isSick("a")).toBe(false); // capped at 30 s
    h.failed("a");
    h.succeeded("a");
    expect(h.isSick("a")).toBe(false);
    expect(h.isSick("never-failed")).toBe(false);
  });
});

describe("RetryBudget", () => {
  it("allows a burst, then about one retry per ten calls", () => {
    const b = new RetryBudget(3, 0.1);
    expect([b.tryRetry(), b.tryRetry(), b.tryRetry(), b.tryRetry()]).toEqual([true, true, true, false]);
    for (let i = 0; i < 9; i++) b.recordCall();
    expect(b.tryRetry()).toBe(false);
    b.recordCall();
    expect(b.tryRetry()).toBe(true);
  });
});

describe("retry rules", () => {
  it("retries only runtime-retryable errors that are not overloads", () => {
    expect(isRetryable(Object.assign(new Error("x"), { retryable: true }))).toBe(true);
    expect(isRetryable(Object.assign(new Error("x"), { retryable: true, overloaded: true }))).toBe(false);
    expect(isRetryable(new Error("x"))).toBe(false);
    expect(isRetryable("text")).toBe(false);
  });
  it("backs off exponentially with a cap", () => {
    expect([1, 2, 3, 4, 5, 9].map(backoffMs)).toEqual([20, 40, 80, 160, 200, 200]);
  });
});
