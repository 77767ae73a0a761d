import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchTestBrowser, SCREENSHOTS } from "../support/test-browser.js";
import type { TestDatabase } from "../support/test-database.js";
import { startTestPipeline, type TestPipeline } from "../support/test-pipeline.js";

// The chat page in a real browser (Debian's Chromium) against the real pipeline.
let pipeline: TestPipeline;
let database: TestDatabase;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  pipeline = await startTestPipeline({ env: { REPLY_MAX_TOKENS: "12" }, businesses: { demo: "support-bakery" } });
  ({ database, baseUrl } = pipeline);
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.close();
});

describe("chat page", () => {
  it("sends a message, shows the agent's reply, and keeps the conversation on reload", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 740 } });
    await page.goto(`${baseUrl}/chat/demo`);
    await expect.poll(() => page.locator("#status").textContent()).toBe("say hello");
    await page.fill("#text", "Hello! Do you have croissants today?");
    await page.keyboard.press("Enter");
    await page.locator(".msg.inbound:not(.pending)").first().waitFor();
    const reply = page.locator(".msg.outbound").first();
    await reply.waitFor({ timeout: 30_000 });
    expect((await reply.textContent())!.trim().length).toBeGreaterThan(0);
    await page.screenshot({ path: `${SCREENSHOTS}/chat-page.png` });

    const stored = await database.db.message.findMany({ where: { direction: "outbound" } });
    expect(stored.map((m) => m.text)).toContain(await reply.textContent());

    await page.reload();
    await page.locator(".msg.outbound").first().waitFor();
    expect(await page.locator(".msg.inbound").first().textContent()).toBe("Hello! Do you have croissants today?");
    await page.close();
  });

  it("shows a clear state for a chat that does not exist", async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/chat/no-such-shop`);
    await expect.poll(() => page.locator("#status").textContent()).toBe("this chat does not exist");
    expect(await page.locator("#form").isHidden()).toBe(true);
    await page.close();
  });
});
