import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { launchTestBrowser, openRecordedPage, SCREENSHOTS, signInToConsole } from "../../test-kit/test-browser.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The console's Hours page in a real browser (Debian's Chromium) against the real gateway and database.
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
let pipeline: TestPipeline;
let database: TestDatabase;
let browser: Browser;
let baseUrl: string;
let businessId: string;
let key: string;

beforeAll(async () => {
  pipeline = await startTestPipeline({ settings: { replyMaxTokens: 12 }, businesses: { demo: "support-bakery" } });
  ({ database, baseUrl } = pipeline);
  businessId = (await database.db.business.findUniqueOrThrow({ where: { slug: "demo" } })).id;
  key = (await issueApiKey(new ApiKeyRepository(database.db), { businessId, name: "hours test" })).key;
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.close();
});

function openPage(viewport: { width: number; height: number }): Promise<{ page: Page; problems: string[] }> {
  return openRecordedPage(browser, viewport);
}

function signIn(page: Page, hash: string): Promise<void> {
  return signInToConsole(page, baseUrl, key, hash);
}

async function storedHours() {
  const res = await fetch(`${baseUrl}/api/admin/businesses/${businessId}/hours`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    timezone: string;
    openingHours: Record<string, string[][]> | null;
    outsideHours: string;
    awayMessage: string | null;
  };
}

const times = (page: Page, day: string) =>
  page.locator(`#day-${day} input.time`).evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));

describe("console: opening hours", () => {
  it("sets a week on a phone, saves, and sees it again after a reload", async () => {
    const { page, problems } = await openPage(PHONE);
    await signIn(page, "#/hours");
    await page.locator("#hours-status", { hasText: "Open now: no schedule" }).waitFor();
    expect(await page.isChecked("#always-open")).toBe(true);
    expect(await page.locator("#week").isHidden()).toBe(true);

    await page.uncheck("#always-open");
    await page.click('[data-add="mon"]');
    await page.locator("#day-mon input.time").nth(1).fill("18:30");
    await page.click("#copy-monday");
    await page.click('[data-add="sat"]');
    await page.locator("#day-sat input.time").nth(0).fill("22:00");
    await page.locator("#day-sat input.time").nth(1).fill("02:00");
    await page.selectOption("#timezone", "Europe/Madrid");
    await page.check("#mode-away");
    await page.fill("#away-message", "We're closed, back {opens}. Leave your question!");
    await page.click("#save-hours");
    await page.locator("#hours-saved", { hasText: "Saved" }).waitFor();
    await page
      .locator("#hours-status", { hasText: /^(Open now · closes|Closed now · opens) (today|tomorrow|[A-Z][a-z]+day) at \d\d:\d\d$/ })
      .waitFor();

    const weekday = [["09:00", "18:30"]];
    expect(await storedHours()).toMatchObject({
      timezone: "Europe/Madrid",
      openingHours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday, sat: [["22:00", "02:00"]], sun: [] },
      outsideHours: "away",
      awayMessage: "We're closed, back {opens}. Leave your question!",
    });

    await page.reload();
    await page.locator("#hours-form").waitFor();
    expect(await page.isChecked("#always-open")).toBe(false);
    expect(await times(page, "mon")).toEqual(["09:00", "18:30"]);
    expect(await times(page, "fri")).toEqual(["09:00", "18:30"]);
    expect(await times(page, "sat")).toEqual(["22:00", "02:00"]);
    expect(await times(page, "sun")).toEqual([]);
    expect(await page.locator("#day-sun .closed-note").isVisible()).toBe(true);
    expect(await page.inputValue("#timezone")).toBe("Europe/Madrid");
    expect(await page.isChecked("#mode-away")).toBe(true);
    expect(await page.inputValue("#away-message")).toBe("We're closed, back {opens}. Leave your question!");
    // Nothing sideways on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: `${SCREENSHOTS}/console-hours-phone.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("refuses overlapping hours, naming the day, and keeps what was saved", async () => {
    const before = await storedHours();
    const { page, problems } = await openPage(DESKTOP);
    await signIn(page, "#/hours");
    await page.locator("#hours-form").waitFor();
    await page.click('[data-add="tue"]');
    await page.locator("#day-tue input.time").nth(2).fill("12:00");
    await page.locator("#day-tue input.time").nth(3).fill("20:00");
    await page.click("#save-hours");
    await page.locator("#hours-error", { hasText: "Tuesday, hours 2: overlaps Tuesday's hours 1 (09:00-18:30)" }).waitFor();
    expect(await page.locator("#day-tue li.range.invalid").count()).toBe(1);
    expect(await storedHours()).toEqual(before);
    await page.screenshot({ path: `${SCREENSHOTS}/console-hours-error-desktop.png`, fullPage: true });

    // Removing the extra range makes it save again.
    await page.locator("#day-tue li.range").nth(1).getByRole("button", { name: "Remove Tuesday hours" }).click();
    await page.click("#save-hours");
    await page.locator("#hours-saved", { hasText: "Saved" }).waitFor();
    expect(await page.locator("#hours-error").isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a loading state, then an error with Try again when the server cannot be reached", async () => {
    const { page } = await openPage(PHONE);
    await signIn(page, "#/channels");
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/api/admin/businesses/*/hours", async (route) => {
      await held;
      await route.abort("connectionrefused");
    });
    await page.click('a[data-route="hours"]');
    await page.locator(".hours-page .loading", { hasText: "Loading opening hours" }).waitFor();
    release();
    await page.locator(".hours-page .error-box", { hasText: "Can't reach the server" }).waitFor();
    await page.unroute("**/api/admin/businesses/*/hours");
    await page.click(".hours-page .error-box button");
    await page.locator("#hours-form").waitFor();
    await page.close();
  });
});
