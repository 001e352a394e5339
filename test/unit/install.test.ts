// Install and deploy settings issue 16 asked for: `npm ci --strict-allow-scripts` must not stop at a
// package whose install script is not allowed, `check:deploy` must not send wrangler metrics, and
// Workers Logs must be on. Read from the committed package.json, lockfile and wrangler.toml.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
const pkg = JSON.parse(read("package.json")) as { allowScripts?: Record<string, boolean>; scripts: Record<string, string> };
const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { hasInstallScript?: boolean }> };

describe("install and deploy settings", () => {
  it("allowScripts names exactly the locked packages that have install scripts", () => {
    const withScripts = new Set(
      Object.entries(lock.packages)
        .filter(([path, p]) => path !== "" && p.hasInstallScript === true)
        .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length)),
    );
    expect(withScripts.size).toBeGreaterThan(0);
    const allowed = Object.entries(pkg.allowScripts ?? {}).filter(([, yes]) => yes === true);
    expect(Object.fromEntries(allowed)).toEqual(Object.fromEntries([...withScripts].sort().map((name) => [name, true])));
  });

  it("check:deploy runs wrangler without metrics", () => {
    expect(pkg.scripts["check:deploy"]).toMatch(/^WRANGLER_SEND_METRICS=false wrangler deploy --dry-run\b/);
  });

  it("turns Workers Logs on in wrangler.toml", () => {
    expect(read("wrangler.toml")).toMatch(/^\[observability\]\nenabled = true$/m);
  });
});
