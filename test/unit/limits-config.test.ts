// The rate limit lives twice: in wrangler.toml's [[ratelimits]] binding (what Cloudflare enforces)
// and in limits.ts (what error messages and docs quote). This keeps them equal.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KEY_RATE_PERIOD_S, KEY_REQUESTS_PER_PERIOD_MAX } from "../../contract/limits";

describe("limits.ts matches wrangler.toml", () => {
  it("KEY_RATE_LIMIT's simple limit and period", () => {
    const toml = readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8");
    const block = /\[\[ratelimits\]\]\s*\nname = "KEY_RATE_LIMIT"[\s\S]*?simple = \{ limit = (\d+), period = (\d+) \}/.exec(toml);
    expect(block, "a [[ratelimits]] block named KEY_RATE_LIMIT with simple = { limit, period }").not.toBeNull();
    expect(Number(block![1])).toBe(KEY_REQUESTS_PER_PERIOD_MAX);
    expect(Number(block![2])).toBe(KEY_RATE_PERIOD_S);
    expect([10, 60]).toContain(KEY_RATE_PERIOD_S);
  });
});
