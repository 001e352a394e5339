// How the typed client talks HTTP, against a recording fetch: headers per credential, bodies,
// the base URL, typed answers, SlicedError (status, every code and message, request id,
// Retry-After, status 0 when nothing answers) and extraction paging.

import { describe, expect, it } from "vitest";
import { SlicedAdmin, SlicedClient, SlicedError } from "../../../client/index";

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function recorder(answer: (sent: Sent, n: number) => Response): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fake = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const s: Sent = { url: String(url), method: init?.method ?? "GET", headers: { ...(init?.headers as Record<string, string>) }, body: init?.body as string | undefined };
    sent.push(s);
    return answer(s, sent.length - 1);
  };
  return { fetch: fake as typeof fetch, sent };
}

const ok = (body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify({ status: "success", ...(body as object), took: 0.001 }), { status: 200, headers });

describe("SlicedClient transport", () => {
  it("sends the raw key, JSON bodies and options, and answers the typed body", async () => {
    const r = recorder(() => ok({ "inserted-entities": 1, "inserted-columns": 1 }));
    const client = new SlicedClient({ base: "http://db.test/v1/", key: "sk_abc", fetch: r.fetch });
    const answer = await client.insert({ u1: { plan: "gold" } }, { wait: true, idempotencyKey: "f/0" });
    expect(answer["inserted-entities"]).toBe(1);
    expect(r.sent[0]).toEqual({
      url: "http://db.test/v1/insert?wait=true",
      method: "POST",
      headers: { accept: "application/json", authorization: "sk_abc", "content-type": "application/json", "idempotency-key": "f/0" },
      body: '{"u1":{"plan":"gold"}}',
    });
  });

  it("sends SQL as application/sql and GETs without a body", async () => {
    const r = recorder(() => ok({ result: [{ COUNT: 3 }], count: 1 }));
    const client = new SlicedClient({ base: "http://db.test", key: "k", fetch: r.fetch });
    await client.sql("SELECT COUNT(*) FROM default");
    await client.columns();
    expect(r.sent[0]).toMatchObject({ url: "http://db.test/v1/sql", headers: { "content-type": "application/sql" }, body: "SELECT COUNT(*) FROM default" });
    expect(r.sent[1]).toMatchObject({ url: "http://db.test/v1/column", method: "GET", body: undefined });
    expect(r.sent[1]!.headers).not.toHaveProperty("content-type");
  });

  it("sends the operator token as a bearer token", async () => {
    const r = recorder(() => ok({ databases: [] }));
    const admin = new SlicedAdmin({ base: "http://db.test", adminToken: "t0ken", fetch: r.fetch });
    expect((await admin.databases()).databases).toEqual([]);
    expect(r.sent[0]).toMatchObject({ url: "http://db.test/admin/databases", headers: { authorization: "Bearer t0ken" } });
  });

  it("throws SlicedError with the status, every code and message, the request id and Retry-After", async () => {
    const envelope = {
      errors: [
        { code: 85, message: "column x", "more-info": { column: "x" } },
        { code: 86, message: "two operands" },
      ],
    };
    const r = recorder(() => new Response(JSON.stringify(envelope), { status: 400, statusText: "Bad Request", headers: { "x-request-id": "req-9", "retry-after": "10" } }));
    const client = new SlicedClient({ base: "http://db.test", key: "k", fetch: r.fetch });
    const e = await client.countEntity({ "query-name": "q", query: [{ x: { equals: 1 } }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SlicedError);
    const err = e as SlicedError;
    expect([err.status, err.code, err.codes, err.requestId, err.retryAfter, err.retryable]).toEqual([400, 85, [85, 86], "req-9", 10, false]);
    expect(err.errors).toEqual([
      { code: 85, message: "column x", moreInfo: { column: "x" } },
      { code: 86, message: "two operands" },
    ]);
    expect(err.message).toBe("POST /v1/query/count/entity: HTTP 400: 85 column x");
  });

  it("keeps the text of a failure that is not an envelope, and reports no answer as status 0", async () => {
    const html = recorder(() => new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    const e = (await new SlicedClient({ base: "http://db.test", key: "k", fetch: html.fetch }).database().catch((x: unknown) => x)) as SlicedError;
    expect([e.status, e.codes, e.text, e.retryable]).toEqual([502, [], "<html>bad gateway</html>", true]);
    const down = (async () => {
      throw new TypeError("fetch failed");
    }) as unknown as typeof fetch;
    const n = (await new SlicedClient({ base: "http://db.test", key: "k", fetch: down }).database().catch((x: unknown) => x)) as SlicedError;
    expect([n.status, n.statusText, n.retryable]).toEqual([0, "network error: fetch failed", true]);
  });

  it("answers the whole reply from exchange, success or not", async () => {
    const r = recorder(() => new Response(JSON.stringify({ errors: [{ code: 12, message: "unknown key" }] }), { status: 401 }));
    const client = new SlicedClient({ base: "http://db.test", key: "k", fetch: r.fetch });
    const reply = await client.exchange({ method: "GET", route: "/v1/database", path: "/v1/database", credential: "key" });
    expect(reply).toMatchObject({ ok: false, status: 401, body: { errors: [{ code: 12 }] }, requestId: null });
  });

  it("follows next-page tokens without repeating the limit", async () => {
    const pages = [
      { data: [{ "entity-id": "a" }], page: 1, "next-page": "t2" },
      { data: [{ "entity-id": "b" }], page: 2, "next-page": "t3" },
      { data: [], page: 3, "next-page": null },
    ];
    const r = recorder((_s, n) => ok(pages[n]));
    const client = new SlicedClient({ base: "http://db.test", key: "k", fetch: r.fetch });
    const seen: string[] = [];
    for await (const page of client.resultPages({ columns: ["entity-id"], limit: 1 })) seen.push(...page.data.map((row) => row["entity-id"]!));
    expect(seen).toEqual(["a", "b"]);
    expect(r.sent.map((s) => JSON.parse(s.body!))).toEqual([
      { columns: ["entity-id"], limit: 1 },
      { columns: ["entity-id"], "page-token": "t2" },
      { columns: ["entity-id"], "page-token": "t3" },
    ]);
  });
});
