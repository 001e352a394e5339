// GET /openapi.json: served without auth, and in step with the app: every route Hono registers is
// documented (and nothing else), every error code appears, and zod-validated bodies keep their members.

import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { openApiPath } from "../../src/openapi/index";
import { columnSchema } from "../../src/routes/column-schema";
import { ERRORS } from "../../contract/errors";
import { call } from "../helpers/api";

type Json = Record<string, any>; // any: the document is inspected member by member

const METHODS = ["get", "post", "put", "delete", "patch", "head", "options"];

async function fetchDocument(): Promise<Json> {
  const r = await call("GET", "/openapi.json");
  expect(r.status, r.text).toBe(200);
  return r.body as Json;
}

/** Follows a local `#/...` reference. */
function resolve(doc: Json, node: Json): Json {
  let n = node;
  while (typeof n["$ref"] === "string") {
    n = (n["$ref"] as string)
      .slice(2)
      .split("/")
      .reduce((at: Json, key) => at[key], doc);
  }
  return n;
}

function operations(doc: Json): Array<[string, string, Json]> {
  return Object.entries(doc["paths"] as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([m]) => METHODS.includes(m))
      .map(([m, op]): [string, string, Json] => [m.toUpperCase(), path, op as Json]),
  );
}

describe("GET /openapi.json", () => {
  it("answers an OpenAPI 3.1 JSON document without a key", async () => {
    const r = await call("GET", "/openapi.json");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ openapi: "3.1.0", info: { title: "sliced" }, servers: [{ url: "/" }] });
    const post = await call("POST", "/openapi.json");
    expect(post.status, post.text).toBe(405);
    expect(post.body.errors[0].code).toBe(25);
    expect((await call("GET", "/")).body).toMatchObject({ openapi: "/openapi.json", docs: "/docs", console: "/console" });
  });

  it("documents exactly the routes the Hono app registers", async () => {
    const doc = await fetchDocument();
    // Middleware (app.use) registers method "ALL"; real routes have one method each.
    const registered = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${openApiPath(r.path)}`));
    const documented = new Set(operations(doc).map(([m, p]) => `${m} ${p}`));
    expect(registered.size).toBeGreaterThan(30);
    expect([...documented].sort()).toEqual([...registered].sort());
  });

  it("gives every operation a summary and responses, and every path parameter a declaration", async () => {
    const doc = await fetchDocument();
    for (const [method, path, op] of operations(doc)) {
      const where = `${method} ${path}`;
      expect(typeof op["summary"] === "string" && op["summary"].length > 0, where).toBe(true);
      expect(Object.keys(op["responses"] ?? {}).length, where).toBeGreaterThan(0);
      const declared = ((op["parameters"] ?? []) as Json[])
        .map((p) => resolve(doc, p))
        .filter((p) => p["in"] === "path")
        .map((p) => p["name"]);
      expect(declared.sort(), where).toEqual([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort());
      for (const ref of Object.values(op["responses"] as Json)) expect(resolve(doc, ref as Json)["description"], where).toBeTruthy();
    }
  });

  it("lists every error code of contract/errors.ts with its status", async () => {
    const doc = await fetchDocument();
    const listed = (doc["x-error-codes"] as Json[]).map((e) => `${e["name"]}/${e["code"]}/${e["status"]}`);
    expect(listed.sort()).toEqual(
      Object.entries(ERRORS)
        .map(([name, e]) => `${name}/${e.code}/${e.status}`)
        .sort(),
    );
    for (const e of Object.values(ERRORS)) {
      const response = doc["components"]["responses"][`Error${e.status}`] as Json;
      expect(response["description"]).toContain(`- ${e.code} `);
    }
  });

  it("describes the key levels and the admin token", async () => {
    const doc = await fetchDocument();
    const ops = new Map(operations(doc).map(([m, p, op]) => [`${m} ${p}`, op]));
    expect(ops.get("POST /v1/insert")!["x-key-levels"]).toEqual(["master", "write", "custom"]);
    expect(ops.get("POST /v1/query/count/entity")!["security"]).toEqual([{ apiKey: ["master", "read", "custom"] }]);
    expect(ops.get("POST /v1/column")!["x-key-levels"]).toEqual(["master", "write"]);
    expect(ops.get("GET /v1/keys")!["x-key-levels"]).toEqual(["master"]);
    expect(ops.get("GET /admin/databases")!["security"]).toEqual([{ adminToken: [] }]);
    expect(ops.get("GET /openapi.json")!["security"]).toEqual([]);
  });

  it("converts the zod schema of POST /v1/column into the request body", async () => {
    const doc = await fetchDocument();
    const op = doc["paths"]["/v1/column"]["post"] as Json;
    const body = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"]);
    const single = resolve(doc, (body["oneOf"] as Json[])[0]!);
    expect(Object.keys(single["properties"]).sort()).toEqual(Object.keys(columnSchema.shape).sort());
    expect(single["properties"]).toHaveProperty("api-name");
    expect(single["required"]).toEqual(expect.arrayContaining(["name", "api-name", "type"]));
    expect(single["additionalProperties"]).toBe(false);
    const list = body["oneOf"][1] as Json;
    expect(list).toMatchObject({ type: "array", minItems: 1 });
  });
});
