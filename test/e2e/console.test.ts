// The web console in real headless Chromium against a real `wrangler dev`: a database with data, a
// pasted key, the schema sidebar, a top-values query (table + bar chart), a count-events-per-day
// histogram (table + line chart), a bad query's error display, an extraction's next page and SQL.
// Charts are checked on a screenshot: enough pixels of the chart colour inside the chart's box.

import { afterAll, beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { CHART_PALETTE } from "../../web/console/chart";
import { describeInBrowser, launchBrowser, type Browser } from "./helpers/browser";
import { createDatabase, http, startDevServer, type DevServer } from "./helpers/dev-server";
import { countColour, decodePng } from "./helpers/png";

const PLANS = { gold: 12, silver: 9, bronze: 5 } as const;
/** Login events per day of October 2026: day d (1..6) has DAY_EVENTS[d - 1] events. */
const DAY_EVENTS = [4, 0, 7, 2, 9, 1];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: DevServer;
let browser: Browser;
let page: Page;
let db: { id: string; master: string; write: string; read: string };

async function seed(): Promise<void> {
  db = await createDatabase(server, { shards: 2, name: "console-e2e" });
  const cols = await http(server.base, "POST", "/v1/column", {
    key: db.master,
    body: [
      { name: "Plan", "api-name": "plan", type: "string" },
      { name: "Logins", "api-name": "logins", type: "string-event" },
      { name: "Seats", "api-name": "seats", type: "integer" },
    ],
  });
  expect(cols.status, cols.text).toBe(200);
  const entities: Record<string, Record<string, unknown>> = {};
  let n = 0;
  for (const [plan, count] of Object.entries(PLANS)) for (let i = 0; i < count; i++) entities[`user-${String(n++).padStart(2, "0")}`] = { plan, seats: 1 + (n % 4) };
  // Spread the day's events over the first entities (events carry their own date).
  DAY_EVENTS.forEach((events, d) => {
    for (let e = 0; e < events; e++) {
      const entity = entities[`user-${String(e).padStart(2, "0")}`]!;
      const logins = (entity["logins"] as unknown[] | undefined) ?? [];
      logins.push({ value: "web", date: `2026-10-0${d + 1}T${String(8 + (e % 10)).padStart(2, "0")}:00:00Z` });
      entity["logins"] = logins;
    }
  });
  const inserted = await http(server.base, "POST", "/v1/insert?wait=true", { key: db.write, body: entities });
  expect(inserted.status, inserted.text).toBe(200);
}

async function paste(key: string): Promise<void> {
  await page.fill("#api-key", key);
  await page.click("#connect");
}

async function runJson(endpoint: string, body: unknown): Promise<void> {
  await page.click("#tab-json");
  await page.selectOption("#endpoint", endpoint);
  await page.fill("#json-editor", JSON.stringify(body, null, 2));
  await page.focus("#json-editor");
  await page.keyboard.press("Control+Enter");
  await page.waitForSelector("#output[aria-busy=false] .status-line");
}

async function tableRows(): Promise<string[][]> {
  return page.$$eval("#table-wrap table tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
}

async function tableHeader(): Promise<string[]> {
  return page.$$eval("#table-wrap table thead th", (ths) => ths.map((th) => th.textContent ?? ""));
}

/** With E2E_SCREENSHOT_DIR set, a full-page screenshot per step, to look at the page by eye. */
async function snapshot(name: string): Promise<void> {
  const dir = process.env["E2E_SCREENSHOT_DIR"];
  if (dir) await page.screenshot({ path: `${dir}/console-${name}.png`, fullPage: true });
}

/** Pixels of the first chart colour in a screenshot of the first chart's box. */
async function chartPixels(kind: "bar" | "line"): Promise<{ pixels: number; area: number }> {
  const chart = page.locator(`#charts .chart-${kind} svg`).first();
  await chart.waitFor();
  const box = await chart.boundingBox();
  if (!box) throw new Error("the chart has no box");
  const png = await page.screenshot({ clip: box });
  const image = decodePng(png);
  return { pixels: countColour(image, CHART_PALETTE[0]), area: image.width * image.height };
}

describeInBrowser("web console at /console", () => {
  beforeAll(async () => {
    browser = await launchBrowser(); // first: without Chromium there is nothing to start a server for
    server = await startDevServer();
    await seed();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it("takes a pasted master key, keeps it for the tab and lists the database and its columns", async () => {
    const res = await page.goto(`${server.base}/console`);
    expect(res?.status()).toBe(200);
    await expect(page.textContent("#schema")).resolves.toContain("Paste an API key");
    await paste(db.master);
    await page.waitForSelector('.column[data-api-name="plan"]');
    expect(await page.textContent("#db-name")).toContain("console-e2e");
    const columns = await page.$$eval("[data-dimension=default] .column", (bs) => bs.map((b) => b.getAttribute("data-api-name")));
    expect(columns.sort()).toEqual(["logins", "plan", "seats"]);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toContain(db.master);
    // The example body is written with the database's own columns.
    expect(await page.inputValue("#json-editor")).toContain('"plan"');
    await snapshot("columns");
  });

  it("degrades to the column list with a read key (GET /v1/database needs the master key)", async () => {
    await page.reload(); // the stored master key reconnects by itself
    await page.waitForSelector("#db-name");
    await page.click("#forget");
    expect(await page.evaluate(() => Object.values(sessionStorage))).not.toContain(db.master);
    await paste(db.read);
    await page.waitForSelector("#db-note");
    expect(await page.textContent("#db-note")).toMatch(/master key.*HTTP 403/);
    expect(await page.$$eval(".column", (bs) => bs.length)).toBe(3);
    expect(await page.$("#db-name")).toBeNull();
    await snapshot("read-key");
  });

  it("runs a top-values query (Ctrl+Enter) and shows its table and a bar chart", async () => {
    await runJson("top-values", { plans: { plan: 5 } });
    expect(await page.textContent("#status-code")).toBe("HTTP 200");
    expect(await tableHeader()).toEqual(["query", "column", "value", "quantity"]);
    expect(await tableRows()).toEqual(Object.entries(PLANS).map(([plan, n]) => ["plans", "plan", plan, String(n)]));
    const { pixels, area } = await chartPixels("bar");
    // Three bars of 26 - 8 px height, the longest ~440 px wide: thousands of pixels of the bar colour.
    expect(pixels).toBeGreaterThan(3000);
    expect(pixels / area).toBeLessThan(0.5);
    await snapshot("top-values");
  });

  it("runs a count-events-per-day histogram and draws it as a line", async () => {
    const window = ["2026-10-01T00:00:00Z", "2026-10-07T00:00:00Z"];
    await runJson("aggregation", { query: [{ logins: "count-events", between: window, interval: "days" }] });
    expect(await page.textContent("#status-code")).toBe("HTTP 200");
    expect(await tableHeader()).toEqual(["series", "from", "to", "count-events"]);
    // The API lists non-empty buckets only (day 2 has none).
    const expected = DAY_EVENTS.flatMap((n, d) => (n === 0 ? [] : [["logins", `2026-10-0${d + 1}T00:00:00Z`, `2026-10-0${d + 2}T00:00:00Z`, String(n)]]));
    expect(await tableRows()).toEqual(expected);
    // The chart puts the empty day back as 0: six points.
    expect(await page.$$eval("#charts .chart-line circle", (cs) => cs.length)).toBe(6);
    const { pixels } = await chartPixels("line");
    expect(pixels).toBeGreaterThan(600);
    await snapshot("histogram");
  });

  it("shows a bad query's HTTP status, SlicingDice code and message as the API gave them", async () => {
    const body = { plans: { plann: 5 } };
    const direct = await http(server.base, "POST", "/v1/query/top_values", { key: db.read, body });
    expect(direct.status).toBe(400);
    const error = direct.body.errors[0] as { code: number; message: string };
    await runJson("top-values", body);
    expect(await page.textContent("#status-code")).toBe("HTTP 400 Bad Request");
    const box = await page.textContent("#error");
    expect(box).toContain(`code ${error.code}`);
    expect(box).toContain(error.message);
    // The console shows the id the server gave its own request (each request gets a fresh one),
    // and the server's log line for that 400 carries the same id.
    expect(direct.headers.get("x-request-id")).toMatch(UUID);
    const shown = (await page.textContent("#request-id"))?.replace(/^request id\s*/, "") ?? "";
    expect(shown).toMatch(UUID);
    expect(shown).not.toBe(direct.headers.get("x-request-id"));
    const logged = server
      .log()
      .split("\n")
      .filter((line) => line.includes(`"requestId":"${shown}"`));
    expect(logged.join("\n")).toMatch(/"path":"\/v1\/query\/top_values","status":400/);
    await snapshot("error");
    // Text that is not JSON never leaves the page.
    await page.fill("#json-editor", "{ not json");
    await page.click("#run");
    expect(await page.textContent("#error")).toContain("does not hold valid JSON");
  });

  it("pages through a data extraction with the next-page token", async () => {
    await runJson("result", { columns: ["entity-id", "plan"], order: [{ "entity-id": "asc" }], limit: 10 });
    const first = await tableRows();
    expect(first.map((r) => r[0])).toEqual(Array.from({ length: 10 }, (_, i) => `user-${String(i).padStart(2, "0")}`));
    await page.click("#next-page");
    await page.locator("#pager", { hasText: "page 2" }).waitFor();
    const second = await tableRows();
    expect(second.map((r) => r[0])).toEqual(Array.from({ length: 10 }, (_, i) => `user-${String(i + 10).padStart(2, "0")}`));
    await snapshot("next-page");
  });

  it("runs SQL and charts a numeric column as bars", async () => {
    await page.click("#tab-sql");
    await page.fill("#sql-editor", "SELECT plan, COUNT(*) FROM default GROUP BY plan ORDER BY plan");
    await page.click("#run");
    await page.waitForSelector("#output[aria-busy=false] .status-line");
    expect(await page.textContent("#status-code")).toBe("HTTP 200");
    expect(await tableHeader()).toEqual(["plan", "COUNT"]);
    expect(await tableRows()).toEqual(
      Object.entries(PLANS)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([plan, n]) => [plan, String(n)]),
    );
    const { pixels } = await chartPixels("bar");
    expect(pixels).toBeGreaterThan(3000);
    await snapshot("sql");
  });
});
