// limits.ts: the relations its comments state hold, and the rate limit it shares with wrangler.toml's
// [[ratelimits]] binding (what Cloudflare enforces; limits.ts is what messages and docs quote) is equal.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as limits from "../../contract/limits";
import { ADMIN_FAILURES_PER_MINUTE_MAX, brokenLimitRelations, KEY_RATE_PERIOD_S, KEY_REQUESTS_PER_PERIOD_MAX, type RelatedLimits } from "../../contract/limits";

/** The current values of the limits the relations read. */
const relatedLimits = (): RelatedLimits => limits as unknown as RelatedLimits;

describe("limits.ts matches wrangler.toml", () => {
  it("KEY_RATE_LIMIT's simple limit and period", () => {
    const toml = readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8");
    const block = /\[\[ratelimits\]\]\s*\nname = "KEY_RATE_LIMIT"[\s\S]*?simple = \{ limit = (\d+), period = (\d+) \}/.exec(toml);
    expect(block, "a [[ratelimits]] block named KEY_RATE_LIMIT with simple = { limit, period }").not.toBeNull();
    expect(Number(block![1])).toBe(KEY_REQUESTS_PER_PERIOD_MAX);
    expect(Number(block![2])).toBe(KEY_RATE_PERIOD_S);
    expect([10, 60]).toContain(KEY_RATE_PERIOD_S);
  });

  it("ADMIN_FAILURE_LIMIT's simple limit, per minute", () => {
    const toml = readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8");
    const block = /\[\[ratelimits\]\]\s*\nname = "ADMIN_FAILURE_LIMIT"[\s\S]*?simple = \{ limit = (\d+), period = (\d+) \}/.exec(toml);
    expect(block, "a [[ratelimits]] block named ADMIN_FAILURE_LIMIT with simple = { limit, period }").not.toBeNull();
    expect(Number(block![1])).toBe(ADMIN_FAILURES_PER_MINUTE_MAX);
    expect(Number(block![2])).toBe(60);
  });
});

describe("limits.ts relations", () => {
  it("hold for the configured values (the module would not load otherwise)", () => {
    expect(brokenLimitRelations()).toEqual([]);
  });
  it("name what a changed value breaks", () => {
    const current = relatedLimits();
    expect(brokenLimitRelations({ ...current, BACKUP_PART_BYTES: current.SNAPSHOT_CHUNK_BYTES * 3 })).toEqual(["R2 multipart parts are at least 5 MiB and made of whole snapshot chunks"]);
    expect(brokenLimitRelations({ ...current, QUEUE_MESSAGE_BYTES_MAX: 128_000 })).toEqual(["a queue message plus its ~100 B of metadata fits the 128 KB message limit"]);
    expect(brokenLimitRelations({ ...current, RESULT_CACHE_FRESH_MS: 60_000 })).toEqual(["the result cache's freshness is shorter than KV's smallest TTL (so entries are collected later)"]);
  });
});
