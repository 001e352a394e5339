// The deployment's guards (issue 15 items 9 and 13): wrong operator tokens are limited per client
// address (429 / 3006, the address then refused even with the right token, other addresses unaffected,
// valid tokens never calling the limiter); a short ADMIN_TOKEN is refused outside local development
// (503 / 3001) and accepted on loopback hosts; without DATA_KEY_SECRET a non-local host refuses data
// routes (503 / 3007) unless ALLOW_PLAINTEXT is "true". The real Worker with its real bindings; only
// a variable differs between cases, as it would between deployments.

import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { ADMIN_TOKEN } from "../helpers/api";
import { ADMIN_FAILURES_PER_MINUTE_MAX, ADMIN_TOKEN_CHARS_MIN } from "../../contract/limits";

interface Reply {
  status: number;
  code: number | undefined;
  message: string;
  retryAfter: string | null;
}

async function send(url: string, headers: Record<string, string>, vars: Partial<Record<keyof Env, unknown>> = {}, method = "GET"): Promise<Reply> {
  const res = await app.fetch(new Request(url, { method, headers, body: method === "POST" ? "{}" : undefined }), { ...env, ...vars } as Env, createExecutionContext());
  const body = (await res.json()) as { errors?: Array<{ code: number; message: string }> };
  return { status: res.status, code: body.errors?.[0]?.code, message: body.errors?.[0]?.message ?? "", retryAfter: res.headers.get("retry-after") };
}

let n = 0;
const freshAddress = () => `198.51.100.${(Date.now() + n++) % 250}-${n}`;
const admin = (token: string, ip: string) => ({ authorization: `Bearer ${token}`, "cf-connecting-ip": ip });

describe("operator token rate limit", () => {
  it("answers 429 / 3006 after the limit of wrong tokens, for that address only, the right token included", async () => {
    const ip = freshAddress();
    for (let i = 0; i < ADMIN_FAILURES_PER_MINUTE_MAX; i++) {
      const r = await send("http://sliced.test/admin/databases", admin(`wrong-${i}`, ip));
      expect(r.status, `attempt ${i + 1}`).toBe(401);
      expect(r.code).toBe(3002);
    }
    const over = await send("http://sliced.test/admin/databases", admin("wrong-again", ip));
    expect(over.status).toBe(429);
    expect(over.code).toBe(3006);
    expect(over.message).toMatch(/too many wrong operator tokens/);
    expect(Number(over.retryAfter)).toBeGreaterThan(0);
    // Blocked means blocked: a correct guess must not get through either.
    expect((await send("http://sliced.test/admin/databases", admin(ADMIN_TOKEN, ip))).status).toBe(429);
    // Another address is not affected, with either token.
    const other = freshAddress();
    expect((await send("http://sliced.test/admin/databases", admin(ADMIN_TOKEN, other))).status).toBe(200);
    expect((await send("http://sliced.test/admin/databases", admin("wrong", other))).status).toBe(401);
  });

  it("does not call the limiter for valid tokens", async () => {
    let calls = 0;
    const real = env.ADMIN_FAILURE_LIMIT as RateLimit;
    const counting: RateLimit = {
      limit(options) {
        calls++;
        return real.limit(options);
      },
    };
    const ip = freshAddress();
    for (let i = 0; i < ADMIN_FAILURES_PER_MINUTE_MAX * 3; i++) {
      expect((await send("http://sliced.test/admin/databases", admin(ADMIN_TOKEN, ip), { ADMIN_FAILURE_LIMIT: counting })).status).toBe(200);
    }
    expect(calls).toBe(0);
    expect((await send("http://sliced.test/admin/databases", admin("wrong", ip), { ADMIN_FAILURE_LIMIT: counting })).status).toBe(401);
    expect(calls).toBe(1);
  });
});

describe("ADMIN_TOKEN strength", () => {
  const short = "dev-admin-token"; // what .dev.vars.example ships
  it(`refuses a token shorter than ${ADMIN_TOKEN_CHARS_MIN} characters outside local development`, async () => {
    const r = await send("https://sliced.example.com/admin/databases", admin(short, freshAddress()), { ADMIN_TOKEN: short });
    expect(r.status).toBe(503);
    expect(r.code).toBe(3001);
    expect(r.message).toContain(`ADMIN_TOKEN has ${short.length} characters`);
    expect(r.message).toContain(`at least ${ADMIN_TOKEN_CHARS_MIN}`);
  });

  it("accepts it on loopback hosts (npm run dev, wrangler dev)", async () => {
    for (const host of ["http://127.0.0.1:8787", "http://localhost:8787", "http://[::1]:8787"]) {
      expect((await send(`${host}/admin/databases`, admin(short, freshAddress()), { ADMIN_TOKEN: short })).status, host).toBe(200);
    }
  });
});

describe("no silent plaintext service", () => {
  const noSecret = { DATA_KEY_SECRET: undefined, DATA_KEY_SECRET_PREVIOUS: undefined };
  it("refuses data routes and database creation without DATA_KEY_SECRET outside local development", async () => {
    const data = await send("https://sliced.example.com/v1/column", { authorization: "sk_whatever" }, noSecret);
    expect(data.status).toBe(503);
    expect(data.code).toBe(3007);
    expect(data.message).toMatch(/DATA_KEY_SECRET/);
    expect(data.message).toMatch(/ALLOW_PLAINTEXT/);
    const create = await send("https://sliced.example.com/admin/databases", { ...admin(ADMIN_TOKEN, freshAddress()), "content-type": "application/json" }, noSecret, "POST");
    expect(create.code).toBe(3007);
  });

  it('serves them when ALLOW_PLAINTEXT is "true", or locally', async () => {
    // Past the guard: the made-up key is refused by authentication (401 / 12), not by the guard.
    expect((await send("https://sliced.example.com/v1/column", { authorization: "sk_whatever" }, { ...noSecret, ALLOW_PLAINTEXT: "true" })).code).toBe(12);
    expect((await send("http://127.0.0.1:8787/v1/column", { authorization: "sk_whatever" }, noSecret)).code).toBe(12);
    // And with the secret set, nothing changes.
    expect((await send("https://sliced.example.com/v1/column", { authorization: "sk_whatever" })).code).toBe(12);
  });
});
