// What the typed client puts on the wire and how it reads answers no sliced Worker gives, over
// real HTTP to a local node:http server: the raw key, the operator's bearer token, SQL bodies, a
// base with /v1, a proxy's HTML 502 with Retry-After, a timeout and a port nobody listens on.
// The answers of the API itself are tested against the Worker (test/api/client.test.ts).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlicedAdmin, SlicedClient, SlicedError } from "../../../client/index";
import { freePort } from "../../e2e/helpers/dev-server";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
/** What the next request gets; a success envelope by default. */
let answer: (res: ServerResponse) => void;
const success = (res: ServerResponse) => res.writeHead(200, { "content-type": "application/json" }).end('{"status":"success","databases":[],"took":0}');

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections(); // the request left unanswered on purpose
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a SlicedError");
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(SlicedError);
      return e as SlicedError;
    },
  );

describe("client transport", () => {
  it("sends the raw key, JSON bodies, ?wait and the Idempotency-Key; a trailing /v1 in the base is accepted", async () => {
    answer = success;
    seen.length = 0;
    await new SlicedClient({ base: `${base}/v1/`, key: "sk_abc" }).insert({ u1: { plan: "gold" } }, { wait: true, idempotencyKey: "f/0" });
    expect(seen[0]).toMatchObject({
      method: "POST",
      url: "/v1/insert?wait=true",
      headers: { authorization: "sk_abc", "content-type": "application/json", "idempotency-key": "f/0", accept: "application/json" },
      body: '{"u1":{"plan":"gold"}}',
    });
  });

  it("sends SQL as application/sql, GETs without a body, and the operator token as a bearer token", async () => {
    answer = success;
    seen.length = 0;
    const client = new SlicedClient({ base, key: "k" });
    await client.sql("SELECT COUNT(*) FROM default");
    await client.columns();
    await new SlicedAdmin({ base, adminToken: "t0ken" }).databases();
    expect(seen.map((s) => [s.method, s.url, s.headers["content-type"], s.body, s.headers.authorization])).toEqual([
      ["POST", "/v1/sql", "application/sql", "SELECT COUNT(*) FROM default", "k"],
      ["GET", "/v1/column", undefined, "", "k"],
      ["GET", "/admin/databases", undefined, "", "Bearer t0ken"],
    ]);
  });

  it("keeps the text, request id and Retry-After of a failure that is not an envelope (a proxy's page)", async () => {
    answer = (res) => res.writeHead(502, "Bad Gateway", { "content-type": "text/html", "retry-after": "7", "x-request-id": "edge-1" }).end("<html>bad gateway</html>");
    const e = await failure(new SlicedClient({ base, key: "k" }).database());
    expect([e.status, e.statusText, e.codes, e.text, e.retryAfter, e.requestId, e.retryable]).toEqual([502, "Bad Gateway", [], "<html>bad gateway</html>", 7, "edge-1", true]);
    expect(e.message).toBe("GET /v1/database: HTTP 502: <html>bad gateway</html>");
  });

  it("a 200 that is not JSON is an error, not an answer", async () => {
    answer = (res) => res.writeHead(200, { "content-type": "text/plain" }).end("hello");
    const e = await failure(new SlicedClient({ base, key: "k" }).database());
    expect([e.status, e.statusText, e.text]).toEqual([200, "the answer is not JSON", "hello"]);
  });

  it("reports no answer as status 0: a timeout, and a port nobody listens on", async () => {
    answer = () => undefined; // never answers
    const slow = await failure(new SlicedClient({ base, key: "k", timeoutMs: 200 }).database());
    expect([slow.status, slow.statusText, slow.retryable]).toEqual([0, "network error: timed out", true]);
    const closed = await failure(new SlicedClient({ base: `http://127.0.0.1:${await freePort()}`, key: "k" }).database());
    expect([closed.status, closed.retryable]).toEqual([0, true]);
    expect(closed.statusText).toMatch(/^network error: /);
  });

  it("refuses to send a key route without a key, before any request", async () => {
    seen.length = 0;
    const e = await failure(new SlicedClient({ base, key: undefined as unknown as string }).database());
    expect([e.status, e.statusText, seen.length]).toEqual([0, "no API key: pass `key` to the client", 0]);
  });
});
