// Keeps the README true where it can be checked mechanically.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../contract/errors";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("lists every error code with its HTTP status", () => {
    const missing = Object.values(ERRORS).filter((e) => !readme.includes(`| ${e.code} | ${e.status} |`));
    expect(missing).toEqual([]);
  });
  it("documents the two set-up commands", () => {
    expect(readme).toContain("npm install && npm run dev");
    expect(readme).toContain("npm test");
  });
});
