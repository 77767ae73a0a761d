import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { launchTestBrowser, SCREENSHOTS } from "../../test-kit/test-browser.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// The console's "Erase contact" action in a real browser against the real gateway, PostgreSQL and Redis.
const prefix = createTestPrefix();
let database: TestDatabase;
let gateway: Gateway;
let browser: Browser;
let baseUrl: string;
let key: string;
let conversationId: string;
let contactId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const seeded = await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "erase-console", TEST_BUSINESS_SETTINGS);
  const inbound = new InboundRepository(database.db);
  const channel = (await inbound.findChannel("webchat", seeded.channelKey))!;
  const stored = await inbound.storeInbound(channel, {
    channelKind: "webchat",
    platformAccountId: seeded.channelKey,
    platformMessageId: randomUUID(),
    senderId: randomBytes(12).toString("hex"),
    senderName: "Marta",
    kind: "text",
    text: "Please delete everything about me",
    sentAt: new Date(),
  });
  conversationId = stored.conversationId;
  contactId = (await database.db.conversation.findUniqueOrThrow({ where: { id: conversationId } })).contactId;
  key = (await issueApiKey(new ApiKeyRepository(database.db), { businessId: seeded.businessId, name: "erase console" })).key;
  gateway = composeGateway({
    config: testConfig({ QUEUE_PREFIX: prefix.prefix }),
    db: database.db,
    redisUrl: TEST_REDIS_URL,
    logger: createLogger("silent", "test"),
  });
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  baseUrl = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await database?.drop();
  await prefix.cleanup();
});

describe("console: erase a contact", () => {
  it("asks first, cancels without erasing, then erases and shows the confirmation code", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${baseUrl}/console#/inbox/${conversationId}`);
    await page.fill("#api-key", key);
    await page.click("#login-submit");
    await page.locator("#transcript .bubble", { hasText: "Please delete everything" }).waitFor();

    await page.click("#erase-contact");
    await page.locator("#erase-box", { hasText: "Erase Marta?" }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/console-erase-confirm-desktop.png` });
    await page.click("#erase-cancel");
    await page.locator("#erase-box").waitFor({ state: "hidden" });
    expect(await database.db.contact.count({ where: { id: contactId } })).toBe(1);

    await page.click("#erase-contact");
    await page.click("#erase-confirm");
    const code = (await page.locator("#erase-code").textContent())!;
    expect(code).toMatch(/^[0-9A-F]{20}$/);
    await page.locator("#erase-done", { hasText: "1 message deleted" }).waitFor();
    expect(await database.db.contact.count({ where: { id: contactId } })).toBe(0);
    expect(await database.db.message.count({ where: { conversationId } })).toBe(0);
    expect(await database.db.erasureRequest.findUniqueOrThrow({ where: { confirmationCode: code } })).toMatchObject({
      status: "completed",
      erasedMessages: 1,
    });
    // The inbox list drops the conversation; the confirmation stays on screen (no "does not exist" error).
    await page.locator(`a.conv[data-id="${conversationId}"]`).waitFor({ state: "detached" });
    await page.waitForTimeout(500);
    expect(await page.locator("#erase-code").textContent()).toBe(code);
    await page.screenshot({ path: `${SCREENSHOTS}/console-erase-done-desktop.png` });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
