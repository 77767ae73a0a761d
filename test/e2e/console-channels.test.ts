import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import QRCode from "qrcode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { OwnerMessageRepository } from "../../src/adapters/storage/turn/owner-message-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { launchTestBrowser, openRecordedPage, SCREENSHOTS, signInToConsole } from "../../test-kit/test-browser.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// The console's channels page in a real browser (Debian's Chromium) against the real gateway:
// the WhatsApp pairing QR code and the live session state, as the worker stores them.
const redisPrefix = createTestPrefix();
let database: TestDatabase;
let gateway: Gateway;
let browser: Browser;
let baseUrl: string;
let businessId: string;
let key: string;
let ownerKey: string;
let channelId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  businessId = (await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "demo", TEST_BUSINESS_SETTINGS)).businessId;
  const keys = new ApiKeyRepository(database.db);
  key = (await issueApiKey(keys, { businessId, name: "console test" })).key;
  ownerKey = (await issueApiKey(keys, { businessId: null, name: "console owner" })).key;
  channelId = (
    await database.db.channel.create({ data: { businessId, kind: "whatsapp_web", platformAccountId: "+34600111222", name: "Shop phone" } })
  ).id;
  gateway = composeGateway({
    config: testConfig({ QUEUE_PREFIX: redisPrefix.prefix }),
    db: database.db,
    redisUrl: TEST_REDIS_URL,
    logger: createLogger("silent", "test"),
  });
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  baseUrl = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
  browser = await launchTestBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await database?.drop();
  await redisPrefix.cleanup();
});

function openPage(viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: string[] }> {
  return openRecordedPage(browser, viewport);
}

function signIn(page: Page, apiKey: string, hash = ""): Promise<void> {
  return signInToConsole(page, baseUrl, apiKey, hash);
}

const setConnection = (connection: object | null) =>
  database.db.channel.update({
    where: { id: channelId },
    data: { connection: connection === null ? { set: null } : { ...connection, at: new Date().toISOString() } },
  });

describe("console channels page: linking the WhatsApp phone", () => {
  it("shows the QR code to scan and follows the session's state while the page is open", async () => {
    await setConnection(null);
    const { page, problems } = await openPage({ width: 390, height: 844 });
    await signIn(page, key, "#/channels");
    const link = page.locator(`#channel-list li[data-channel-id="${channelId}"] .phone-link`);
    await link.locator(".badge", { hasText: "waiting for the phone session" }).waitFor();
    expect(await link.getAttribute("data-state")).toBe("waiting");

    // The worker got a QR code from WhatsApp: the page shows exactly that picture, without a reload.
    const qr = await QRCode.toDataURL("2@Y3K8pZ1wq0Jd4Gx7,kT2w9bQ4fV1mN8rS5uX0aC3eH6jL9pO2=,Vn6Qm1xR8sT3yU5wZ7bD0fG2hK4lM9=");
    expect(qr).toMatch(/^data:image\/png;base64,/);
    await setConnection({ state: "pairing", qrDataUrl: qr });
    const img = link.locator("img.qr-code");
    await img.waitFor();
    expect(await img.getAttribute("src")).toBe(qr);
    expect(await link.getAttribute("data-state")).toBe("scan");
    await link.locator(".badge", { hasText: "scan this code" }).waitFor();
    // The browser decoded it as a real image.
    expect(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/console-channels-qr-phone.png`, fullPage: true });

    // A new code replaces the old one.
    const next = await QRCode.toDataURL("2@second-code-after-twenty-seconds");
    await setConnection({ state: "pairing", qrDataUrl: next });
    await expect.poll(() => img.getAttribute("src"), { timeout: 10_000 }).toBe(next);

    // Scanned: connected, the code is gone.
    await setConnection({ state: "ready" });
    await link.locator(".badge", { hasText: "connected" }).waitFor();
    expect(await link.getAttribute("data-state")).toBe("connected");
    expect(await link.locator("img").count()).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/console-channels-connected-phone.png`, fullPage: true });

    // Dropped, with the reason; then logged out from the phone.
    await setConnection({ state: "disconnected", lastDisconnectReason: "CONFLICT" });
    await link.locator(".badge", { hasText: "disconnected (CONFLICT)" }).waitFor();
    await link.getByText("Reconnecting by itself.").waitFor();
    await setConnection({ state: "logged_out", lastDisconnectReason: "LOGOUT" });
    await link.locator(".badge", { hasText: "logged out (LOGOUT)" }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it("says so when a refresh fails and recovers by itself; shows the first load and its failure", async () => {
    await setConnection({ state: "ready" });
    const { page, problems } = await openPage();
    await signIn(page, key, "#/persona");
    // The first load fails: an error with a way to try again.
    await page.route("**/api/admin/businesses/*/channels", (route) =>
      route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { code: "DB_UNAVAILABLE", message: "down" } }) }),
    );
    await page.click('a[data-route="channels"]');
    await page.locator(".channels-page .error-box", { hasText: "Could not load the channels" }).waitFor();
    await page.unroute("**/api/admin/businesses/*/channels");
    await page.locator(".channels-page .error-box button", { hasText: "Try again" }).click();
    const link = page.locator(`#channel-list li[data-channel-id="${channelId}"] .phone-link`);
    await link.locator(".badge", { hasText: "connected" }).waitFor();

    // A later refresh fails: the last known state stays, with a note; the next good refresh clears it.
    await page.route("**/api/admin/businesses/*/channels", (route) => route.abort());
    await link.locator(".phone-link-note", { hasText: "Could not refresh the phone link" }).waitFor();
    expect(await link.getAttribute("data-state")).toBe("connected");
    await page.screenshot({ path: `${SCREENSHOTS}/console-channels-refresh-failed.png` });
    await page.unroute("**/api/admin/businesses/*/channels");
    await setConnection({ state: "disconnected", lastDisconnectReason: "TIMEOUT" });
    await link.locator(".badge", { hasText: "disconnected (TIMEOUT)" }).waitFor();
    expect(await link.locator(".phone-link-note").isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("links the queue dashboard for an owner key only, and opens it signed in", async () => {
    const business = await openPage();
    await signIn(business.page, key, "#/channels");
    await business.page.locator("#channel-list li").first().waitFor();
    // The owner check has answered (403) and left the link hidden.
    await expect.poll(() => business.page.locator("#queues-link").isHidden()).toBe(true);
    await business.page.close();

    const owner = await openPage();
    await signIn(owner.page, ownerKey, "#/channels");
    await owner.page.locator("#queues-link").waitFor({ state: "visible" });
    await owner.page.click("#queues-link");
    await owner.page.waitForURL(`${baseUrl}/admin/queues/`);
    await owner.page.getByText("turns").first().waitFor();
    await owner.page.getByText("outbox").first().waitFor();
    await owner.page.screenshot({ path: `${SCREENSHOTS}/queue-dashboard.png` });
    // The key never reached the URL, and the cookie is invisible to scripts.
    expect(owner.page.url()).not.toContain("pk_");
    expect(await owner.page.evaluate(() => document.cookie)).toBe("");
    await owner.page.close();
  }, 60_000);

  it("shows in the inbox that the owner took a conversation from the phone, and until when", async () => {
    const store = new OwnerMessageRepository(database.db);
    const channel = { id: channelId, businessId, kind: "whatsapp_web" as const, platformAccountId: "+34600111222", enabled: true };
    const stored = await store.storeOwnerMessage(
      channel,
      {
        channelKind: "whatsapp_web",
        platformAccountId: "+34600111222",
        platformMessageId: "true_34611@c.us_E1",
        recipientId: "34611@c.us",
        kind: "text",
        text: "Maria here, I'll handle this",
        sentAt: new Date(),
      },
      new Date(Date.now() + 30 * 60_000),
    );
    const { page, problems } = await openPage();
    await signIn(page, key, `#/inbox/${stored.conversationId}`);
    await page.locator(`#conversation-list a[data-id="${stored.conversationId}"] .paused-badge`, { hasText: "owner on the phone" }).waitFor();
    await page.locator("#agent-state", { hasText: "the owner wrote from the business phone" }).waitFor();
    await page.locator("#agent-state", { hasText: "answers again after" }).waitFor();
    await page.locator("#transcript .bubble.human", { hasText: "Maria here, I'll handle this" }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/console-inbox-owner-phone.png` });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
