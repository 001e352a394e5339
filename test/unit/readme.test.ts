// Keeps the README true where it can be checked mechanically.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../contract/errors";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const wranglerToml = readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8");

/** The README's fenced blocks, in order. */
const blocks = [...readme.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

/** The "## Configuration" section, up to the next "## ". */
const configuration = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1));

describe("README", () => {
  it("lists every error code with its HTTP status", () => {
    const missing = Object.values(ERRORS).filter((e) => !readme.includes(`| ${e.code} | ${e.status} |`));
    expect(missing).toEqual([]);
  });
  it("documents the two set-up commands", () => {
    expect(readme).toContain("npm install && npm run dev");
    expect(readme).toContain("npm test");
  });
  it("sets every shell variable its examples use before the first use ($B, $DB, $KEY…)", () => {
    const assigned = new Set<string>();
    const unset: string[] = [];
    for (const block of blocks) {
      for (const line of block.split("\n")) {
        // Uses first: `X=$X` would not count as setting X before it is read.
        for (const m of line.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)) if (!assigned.has(m[1]!)) unset.push(`${m[1]} in: ${line.slice(0, 100)}`);
        for (const m of line.matchAll(/(?:^|\s|\$ )([A-Z][A-Z0-9_]*)=/g)) assigned.add(m[1]!);
      }
    }
    expect(unset).toEqual([]);
    for (const name of ["B", "DB", "KEY"]) expect(assigned, name).toContain(name);
  });
  it("lists every [vars] of wrangler.toml and the settings issue 16 asked for in its configuration section", () => {
    const vars = wranglerToml.slice(wranglerToml.indexOf("[vars]")).split("\n[")[0]!;
    const names = [...vars.matchAll(/^([A-Z][A-Z0-9_]*)\s*=/gm)].map((m) => m[1]!);
    expect(names).toContain("INSERT_WAIT_MS");
    for (const name of names) expect(configuration, name).toMatch(new RegExp(`\`${name}\`[^|]*\\|`));
    for (const text of ["SQL_EXTRACT_ROWS_MAX", "/admin/rotate-data-key-secret", '"permissions": {"query": {', "PUT /v1/database/cors", "X-Request-Id", "[observability]"]) {
      expect(configuration, text).toContain(text);
    }
  });
});
