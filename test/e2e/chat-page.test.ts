import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaChatModel } from "../../src/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/llm/tiny-model/build-tiny-model.js";
import { createLogger } from "../../src/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { composeWorker, type RunningWorker } from "../../src/main/compose-worker.js";
import { loadPersonaTemplate } from "../../src/personas/load-persona-template.js";
import { seedBusiness } from "../../src/storage/seed-business.js";
import { testConfig } from "../support/test-config.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "../support/test-env.js";
import { createTestPrefix } from "../support/test-redis.js";

// The chat page in a real browser (Debian's Chromium) against the real pipeline.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = "test-results/screenshots";
const redisPrefix = createTestPrefix();
const config = testConfig({ QUEUE_PREFIX: redisPrefix.prefix, REPLY_MAX_TOKENS: "12" });
const logger = createLogger("silent", "test");
let database: TestDatabase;
let model: LlamaChatModel;
let gateway: Gateway;
let worker: RunningWorker;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`browser tests need Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  database = await createTestDatabase();
  await seedBusiness(database.db, await loadPersonaTemplate("bakery"), "demo");
  model = await LlamaChatModel.load({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR), ...config.model });
  worker = composeWorker({ config, db: database.db, redisUrl: TEST_REDIS_URL, model, logger });
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  baseUrl = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await worker?.close();
  await model?.close();
  await database?.drop();
  await redisPrefix.cleanup();
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
