import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { launchTestBrowser, openRecordedPage, SCREENSHOTS, signInToConsole } from "../../test-kit/test-browser.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The console's Knowledge page in a real browser (Debian's Chromium) against the real gateway and PostgreSQL.
let pipeline: TestPipeline;
let database: TestDatabase;
let browser: Browser;
let businessId: string;
let otherBusinessId: string;
let key: string;

beforeAll(async () => {
  pipeline = await startTestPipeline({ settings: { replyMaxTokens: 12 }, businesses: { demo: "support-bakery", other: "support-bakery" } });
  database = pipeline.database;
  businessId = (await database.db.business.findUniqueOrThrow({ where: { slug: "demo" } })).id;
  otherBusinessId = (await database.db.business.findUniqueOrThrow({ where: { slug: "other" } })).id;
  await database.db.knowledgeEntry.create({
    data: { businessId: otherBusinessId, kind: "faq", title: "Other shop's secret", body: "Not for demo." },
  });
  key = (await issueApiKey(new ApiKeyRepository(database.db), { businessId, name: "knowledge console test" })).key;
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.close();
});

async function open(): Promise<{ page: Page; problems: string[] }> {
  const recorded = await openRecordedPage(browser, { width: 390, height: 844 });
  await signInToConsole(recorded.page, pipeline.baseUrl, key, "#/knowledge");
  await recorded.page.locator("#knowledge-form").waitFor();
  return recorded;
}

const stored = () =>
  database.db.knowledgeEntry.findMany({ where: { businessId }, orderBy: { createdAt: "asc" }, select: { kind: true, title: true, body: true } });

describe("console: knowledge", () => {
  it("adds, edits and deletes FAQ entries and documents, showing only this business's", async () => {
    const { page, problems } = await open();
    await expect.poll(() => page.locator(".empty").textContent()).toContain("Nothing here yet");
    expect(await page.locator("#knowledge-list").textContent()).not.toContain("Other shop");

    await page.fill("#knowledge-title", "Do you deliver?");
    await page.fill("#knowledge-body", "Within 5 km, for orders over 25 euros.");
    await page.click("#knowledge-save");
    await page.locator(".knowledge-entry", { hasText: "Do you deliver?" }).waitFor();

    await page.selectOption("#knowledge-kind", "document");
    expect(await page.locator("label[for=knowledge-body]").textContent()).toBe("Text");
    await page.fill("#knowledge-title", "Allergens");
    await page.fill("#knowledge-body", "Nuts: the almond croissant.\n\nSesame: the seeded rye.");
    await page.click("#knowledge-save");
    await page.locator(".knowledge-entry", { hasText: "Allergens" }).waitFor();
    expect(await stored()).toEqual([
      { kind: "faq", title: "Do you deliver?", body: "Within 5 km, for orders over 25 euros." },
      { kind: "document", title: "Allergens", body: "Nuts: the almond croissant.\n\nSesame: the seeded rye." },
    ]);

    // Editing: an answer over the FAQ limit cannot be saved, and the page says why.
    await page.locator(".knowledge-entry", { hasText: "Do you deliver?" }).locator("[data-action=edit]").click();
    expect(await page.inputValue("#knowledge-title")).toBe("Do you deliver?");
    await page.fill("#knowledge-body", "x".repeat(2001));
    expect(await page.locator("#knowledge-count").textContent()).toBe("2001 / 2000 characters: 1 too many, shorten it");
    expect(await page.locator("#knowledge-save").isDisabled()).toBe(true);
    expect(await page.locator("#knowledge-why").textContent()).toBe("Shorten the answer to save it.");
    expect((await stored())[0]!.body).toBe("Within 5 km, for orders over 25 euros.");
    await page.fill("#knowledge-body", "Within 8 km now.");
    await page.click("#knowledge-save");
    await page.locator(".knowledge-entry", { hasText: "Within 8 km now." }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/console-knowledge-phone.png`, fullPage: true });

    // Deleting takes a second click.
    const remove = page.locator(".knowledge-entry", { hasText: "Allergens" }).locator("[data-action=delete]");
    await remove.click();
    expect(await stored()).toHaveLength(2);
    await remove.click();
    await expect.poll(() => page.locator(".knowledge-entry").count()).toBe(1);
    expect(await stored()).toEqual([{ kind: "faq", title: "Do you deliver?", body: "Within 8 km now." }]);
    expect(await database.db.knowledgeEntry.count({ where: { businessId: otherBusinessId } })).toBe(1);

    // An empty question cannot be added; one the server finds empty (only an invisible control
    // character) is refused in plain words next to the question.
    await page.fill("#knowledge-title", "");
    await page.fill("#knowledge-body", "Yes.");
    expect(await page.locator("#knowledge-save").isDisabled()).toBe(true);
    expect(await page.locator("#knowledge-why").textContent()).toBe("Write the question to add it.");
    await page.fill("#knowledge-title", "\u0007");
    await page.click("#knowledge-save");
    await expect.poll(() => page.locator("#knowledge-title-error").textContent()).toBe("Title can't be empty: fill it in.");
    expect(await page.locator("#knowledge-title").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#knowledge-error").isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
