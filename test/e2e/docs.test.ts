// The interactive API docs at /docs in real headless Chromium: the Scalar reference, served as a
// static asset, loads the Worker's own /openapi.json and renders every operation of it.

import { afterAll, beforeAll, expect, it } from "vitest";
import { describeInBrowser, launchBrowser, type Browser } from "./helpers/browser";
import { http, startDevServer, type DevServer } from "./helpers/dev-server";

let server: DevServer;
let browser: Browser;

describeInBrowser("API docs at /docs", () => {
  beforeAll(async () => {
    browser = await launchBrowser(); // first: without Chromium there is nothing to start a server for
    server = await startDevServer();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it("renders the operations of /openapi.json, fetched from this origin only", async () => {
    const doc = await http(server.base, "GET", "/openapi.json");
    expect(doc.status).toBe(200);
    const operations = Object.entries(doc.body.paths as Record<string, Record<string, { summary: string; tags: string[] }>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ method, path, summary: op.summary, tag: op.tags[0]! })),
    );
    expect(operations.length).toBeGreaterThan(30);

    const page = await browser.context.newPage();
    const foreign: string[] = [];
    const failed: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(server.base) && !r.url().startsWith("data:")) foreign.push(r.url());
    });
    page.on("requestfailed", (r) => failed.push(r.url()));
    page.on("response", (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    const specLoaded = page.waitForResponse((r) => r.url() === `${server.base}/openapi.json` && r.status() === 200);
    const res = await page.goto(`${server.base}/docs`);
    expect(res?.status()).toBe(200);
    await specLoaded;

    // /docs opens every tag (defaultOpenAllTags): each operation shows its summary and its path.
    const body = page.locator("body");
    const notShown = async (): Promise<string[]> => {
      const shown = await body.innerText();
      return operations.filter((o) => !shown.includes(o.summary)).map((o) => o.summary);
    };
    await expect.poll(notShown, { timeout: 30_000 }).toEqual([]);
    const text = await body.innerText();
    expect(text).toContain(doc.body.info.title);
    for (const tag of new Set(operations.map((o) => o.tag))) expect(text, tag).toContain(tag);
    for (const op of operations) expect(text, `${op.method} ${op.path}`).toContain(op.path);
    expect(foreign, "requests to other origins").toEqual([]);
    expect(failed).toEqual([]);
    await page.close();
  });
});
