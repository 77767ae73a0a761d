import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAdminTestApp, createAdminTestDatabase, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import { launchTestBrowser, SCREENSHOTS } from "../../test-kit/test-browser.js";
import type { TestDatabase } from "../../test-kit/test-database.js";

// The admin API's docs page (@fastify/swagger-ui) in a real Chromium against the admin API on
// loopback: it renders every operation of the document, runs one with a key, under the CSP, and
// asks nothing of any other host (its scripts and styles come from the npm package).
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  shop = await seedShop(database.db, t.store, "docs-shop");
  await t.app.listen({ host: "127.0.0.1", port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchTestBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.app.close();
  await database?.drop();
});

async function openDocs(): Promise<{ context: BrowserContext; page: Page; requests: string[]; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  // CSP refusals arrive as console errors.
  page.on("console", (m) => void (m.type() === "error" && !m.text().startsWith("Failed to load resource") && problems.push(`console: ${m.text()}`)));
  await page.goto(`${baseUrl}/api/admin/docs`);
  return { context, page, requests, problems };
}

describe("the API docs page in a browser", () => {
  it("shows every operation of the document, under the CSP, with nothing from another host", async () => {
    const { context, page, requests, problems } = await openDocs();
    const doc = (await (await fetch(`${baseUrl}/api/admin/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    await page.locator(".opblock").first().waitFor();
    await expect.poll(() => page.locator(".opblock").count()).toBe(documented.length);
    const shown = await page
      .locator(".opblock-summary")
      .evaluateAll((summaries) =>
        summaries.map(
          (s) => `${s.querySelector(".opblock-summary-method")?.textContent} ${s.querySelector(".opblock-summary-path")?.getAttribute("data-path")}`,
        ),
      );
    expect(shown.sort()).toEqual(documented.sort());
    await expect.poll(() => page.locator(".opblock-tag").count()).toBeGreaterThan(5);
    await page.screenshot({ path: `${SCREENSHOTS}/api-docs-desktop.png` });
    expect(requests.filter((url) => /^(https?|wss?):/.test(url) && !url.startsWith(`${baseUrl}/`))).toEqual([]);
    expect(requests.some((url) => url.endsWith("/api/admin/docs/static/swagger-ui-bundle.js"))).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it("runs an operation with the key typed into Authorize, and shows the 400 that names a bad field", async () => {
    const { context, page, problems } = await openDocs();
    await page.locator("button.authorize").click();
    await page
      .locator(".modal-ux input")
      .first()
      .fill(shop.auth.replace(/^Bearer /, ""));
    await page.locator(".modal-ux button.authorize").first().click();
    await page.locator(".modal-ux button.btn-done").first().click();

    const list = page.locator("#operations-businesses-getBusinesses");
    await list.locator(".opblock-summary").click();
    await list.locator("button.try-out__btn").click();
    await list.locator("button.execute").click();
    await expect.poll(() => list.locator(".live-responses-table tbody .response-col_status").first().textContent()).toContain("200");
    await expect.poll(() => list.locator(".live-responses-table").textContent()).toContain("docs-shop");

    // The page checks a parameter's pattern itself; a body it sends as typed, so the server's 400 shows.
    const hours = page.locator("#operations-businesses-putBusinessesByBusinessIdHours");
    await hours.locator(".opblock-summary").click();
    await hours.locator("button.try-out__btn").click();
    await hours.locator("input[placeholder='businessId']").fill(shop.businessId);
    await hours.locator("textarea.body-param__text").fill(JSON.stringify({ timezone: "Mars/Olympus", openingHours: null, outsideHours: "answer" }));
    await hours.locator("button.execute").click();
    await expect.poll(() => hours.locator(".live-responses-table tbody .response-col_status").first().textContent()).toContain("400");
    const answer = await hours.locator(".live-responses-table").textContent();
    for (const text of ["INVALID_REQUEST", "body.timezone", "body.awayMessage"]) expect(answer).toContain(text);
    await page.screenshot({ path: `${SCREENSHOTS}/api-docs-try-it.png`, fullPage: false });
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
