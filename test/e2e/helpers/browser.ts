// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core
// (no browser download), with the flags this machine needs (no background networking: its closed
// network refuses those connections) and a fresh profile per launch. Without Chromium the suites
// skip with how to install it, except under CI=true, where they fail: CI must run them.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { describe } from "vitest";

export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const INSTALL_HINT = `install it with \`apt-get install -y chromium\` (Debian; root), or point CHROMIUM_PATH at a Chromium binary`;

export function chromiumMissing(): boolean {
  return !existsSync(CHROMIUM_PATH);
}

/** `describe` when Chromium is there (or CI=true, so that its absence fails); else a skipped suite saying why. */
export function describeInBrowser(name: string, body: () => void): void {
  if (!chromiumMissing() || process.env["CI"] === "true") {
    describe(name, body);
    return;
  }
  const why = `${CHROMIUM_PATH} not found: ${INSTALL_HINT}`;
  console.warn(`[browser tests] skipping "${name}": ${why}`);
  describe.skip(`${name} (skipped: ${why})`, body);
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (chromiumMissing()) throw new Error(`browser tests need Chromium at ${CHROMIUM_PATH} (CI=true: they may not skip); ${INSTALL_HINT}`);
  const profile = mkdtempSync(join(tmpdir(), "sliced-chromium-"));
  // launchPersistentContext is Playwright's way to give Chromium our own --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
