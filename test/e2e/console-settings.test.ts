import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { BUSINESS_SETTING_DEFAULTS } from "../../src/domain/business-settings.js";
import { WebchatClient } from "../../src/main/webchat-client.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { launchTestBrowser, openRecordedPage, SCREENSHOTS, signInToConsole } from "../../test-kit/test-browser.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The console's Settings page in a real browser (Debian's Chromium) against the real gateway,
// worker and tiny model: a setting changed there is what the next turn runs with.
let pipeline: TestPipeline;
let browser: Browser;
let businessId: string;
let key: string;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: { replyMaxTokens: 24, temperature: 0 },
    businesses: { demo: "support-bakery", other: "support-bakery" },
  });
  const db = pipeline.database.db;
  businessId = (await db.business.findUniqueOrThrow({ where: { slug: "demo" } })).id;
  key = (await issueApiKey(new ApiKeyRepository(db), { businessId, name: "settings test" })).key;
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.close();
});

const storedSettings = async (slug: string) =>
  (await pipeline.database.db.business.findUniqueOrThrow({ where: { slug }, select: { settings: true } })).settings;

describe("console: agent settings", () => {
  it("changes the reply length and temperature, and the next reply is generated with them; refuses a value out of range", async () => {
    // Before: the business's current settings answer.
    const before = new WebchatClient(pipeline.baseUrl, "demo");
    await before.send("Hello, do you bake rye bread?");
    await before.waitForReply(60_000);
    expect(pipeline.model.options.at(-1)).toMatchObject({ maxTokens: 24, temperature: 0 });

    const { page, problems } = await openRecordedPage(browser, { width: 390, height: 844 });
    await signInToConsole(page, pipeline.baseUrl, key, "#/settings");
    await page.locator("#settings-form").waitFor();
    expect(await page.inputValue("#setting-replyMaxTokens")).toBe("24");
    expect(await page.locator("#settings-form").textContent()).toContain(`Default: ${BUSINESS_SETTING_DEFAULTS.replyMaxTokens}.`);

    // Out of range: the API's refusal is shown in the form's words, nothing is stored.
    await page.fill("#setting-replyMaxTokens", "5000");
    await page.click("#save-settings");
    await page.locator("#settings-error", { hasText: "Longest reply (tokens):" }).waitFor();
    expect(await storedSettings("demo")).toMatchObject({ replyMaxTokens: 24 });

    await page.fill("#setting-replyMaxTokens", "9");
    await page.fill("#setting-temperature", "0.35");
    await page.fill("#setting-nonTextReply", "Only text here, sorry! What can I do for you?");
    await page.click("#save-settings");
    await page.locator("#settings-saved", { hasText: "Saved" }).waitFor();
    expect(await page.locator("#settings-error").isHidden()).toBe(true);
    expect(await storedSettings("demo")).toMatchObject({
      replyMaxTokens: 9,
      temperature: 0.35,
      nonTextReply: "Only text here, sorry! What can I do for you?",
    });
    // Another business keeps its own.
    expect(await storedSettings("other")).toMatchObject({ replyMaxTokens: 24, temperature: 0 });
    // Nothing sideways on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SCREENSHOTS}/console-settings-phone.png`, fullPage: true });

    // After: the next turn runs with the new values, without restarting anything.
    const after = new WebchatClient(pipeline.baseUrl, "demo");
    const asked = await after.send("And do you have croissants?");
    await after.waitForReply(60_000);
    expect(pipeline.model.options.at(-1)).toMatchObject({ maxTokens: 9, temperature: 0.35 });
    const reply = await pipeline.database.db.message.findFirstOrThrow({
      where: { id: asked },
      select: { reply: { select: { turn: { select: { generatedTokens: true } } } } },
    });
    expect(reply.reply!.turn!.generatedTokens).toBeLessThanOrEqual(9);
    expect(reply.reply!.turn!.generatedTokens).toBeGreaterThan(0);

    // What was saved is what the page shows after a reload; "Back to defaults" fills the defaults in.
    await page.reload();
    await page.locator("#settings-form").waitFor();
    expect(await page.inputValue("#setting-replyMaxTokens")).toBe("9");
    expect(await page.inputValue("#setting-temperature")).toBe("0.35");
    await page.click("#reset-settings");
    expect(await page.inputValue("#setting-replyMaxTokens")).toBe(String(BUSINESS_SETTING_DEFAULTS.replyMaxTokens));
    expect(await page.inputValue("#setting-nonTextReply")).toBe(BUSINESS_SETTING_DEFAULTS.nonTextReply);
    expect(problems).toEqual([]);
  }, 180_000);
});
