import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { launchTestBrowser, SCREENSHOTS } from "../../test-kit/test-browser.js";
import { AppendingChatModel } from "../../test-kit/appending-chat-model.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The inbox in a real browser shows open handoffs and replaced replies from real turns, and
// resolving one there hands the conversation back to the agent.
let pipeline: TestPipeline;
let browser: Browser;
let key: string;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: { replyMaxTokens: 12 },
    businesses: { sunrise: "support-bakery" },
    wrapModel: (real) => new AppendingChatModel(real, [["other bakeries", () => "Try Crusty Corner instead."]]),
  });
  const businessId = (await pipeline.database.db.business.findUniqueOrThrow({ where: { slug: "sunrise" } })).id;
  key = (await issueApiKey(new ApiKeyRepository(pipeline.database.db), { businessId, name: "console test" })).key;
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.close();
});

async function customerSays(text: string) {
  const res = await fetch(`${pipeline.baseUrl}/api/webchat/sunrise/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionId: randomUUID().replaceAll("-", ""), clientMessageId: randomUUID(), text }),
  });
  expect(res.status).toBe(202);
  const { messageId } = (await res.json()) as { messageId: string };
  await expect
    .poll(async () => (await pipeline.database.db.message.findUniqueOrThrow({ where: { id: messageId } })).status, { timeout: 60_000, interval: 250 })
    .toBe("answered");
  return pipeline.database.db.message.findUniqueOrThrow({ where: { id: messageId } });
}

it("shows an open handoff and a replaced reply in the inbox; resolving with resume lets the agent answer again", async () => {
  const refund = await customerSays("I want a refund for the cake");
  await customerSays("Are there other bakeries nearby?");
  const handoff = await pipeline.database.db.handoff.findFirstOrThrow({ where: { conversationId: refund.conversationId } });

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  await page.goto(`${pipeline.baseUrl}/console#/inbox`);
  await page.fill("#api-key", key);
  await page.click("#login-submit");

  const row = page.locator(`#handoff-list li[data-id="${handoff.id}"]`);
  await row.waitFor();
  expect(await row.textContent()).toContain("refund");
  expect(await row.textContent()).toContain("Shown here (console only)");
  await page.click("#reply-flags summary");
  const flag = page.locator("#reply-flag-list li").first();
  await flag.waitFor();
  expect(await flag.textContent()).toContain("The agent named Crusty Corner, which you asked it never to mention");
  expect(await flag.locator(".model-text").textContent()).toContain("Try Crusty Corner instead.");
  await page.screenshot({ path: `${SCREENSHOTS}/console-handoffs-desktop.png` });

  await row.locator("button", { hasText: "agent answers again" }).click();
  await row.waitFor({ state: "detached" });
  expect(await pipeline.database.db.handoff.findUniqueOrThrow({ where: { id: handoff.id } })).toMatchObject({ status: "resolved" });
  expect(await pipeline.database.db.conversation.findUniqueOrThrow({ where: { id: refund.conversationId } })).toMatchObject({
    agentPaused: false,
    pausedBy: null,
  });
  expect(await page.locator("#handoffs").isHidden()).toBe(true);
  expect(problems).toEqual([]);
  await page.close();
}, 180_000);
