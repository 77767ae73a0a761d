import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { WebchatClient } from "../../src/main/webchat-client.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { launchTestBrowser, openRecordedPage, SCREENSHOTS, signInToConsole } from "../../test-kit/test-browser.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// Nothing hides, in a real browser (issue #15): a bakery owner opens the inbox after a closed
// evening and a handoff. Every conversation with a message nobody answered says "waiting for you"
// with a count, the waiting filter lists them, each customer has a name and a preview, unread ones
// are marked until opened, and resuming the handed-off one makes the agent answer what waited.
let pipeline: TestPipeline;
let browser: Browser;
let key: string;
let businessId: string;

const hh = (offset: number) => `${String((new Date().getUTCHours() + 24 + offset) % 24).padStart(2, "0")}:00`;
const closedNow = () => Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [[hh(2), hh(3)]]]));

beforeAll(async () => {
  // The reconciler is an hour away: only resume can make the agent answer here.
  pipeline = await startTestPipeline({
    settings: { replyMaxTokens: 8 },
    timings: { reconcileIntervalMs: 3600000, reconcileAfterMs: 3600000 },
    businesses: { bakery: "support-bakery" },
  });
  businessId = (await pipeline.database.db.business.findUniqueOrThrow({ where: { slug: "bakery" } })).id;
  key = (await issueApiKey(new ApiKeyRepository(pipeline.database.db), { businessId, name: "owner" })).key;
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.close();
});

const outbound = async (client: WebchatClient) => {
  const res = await fetch(`${pipeline.baseUrl}/api/webchat/bakery/sessions/${client.sessionId}/messages`, {
    headers: { "x-webchat-session": client.sessionId },
  });
  return ((await res.json()) as { messages: { direction: string; text: string }[] }).messages
    .filter((m) => m.direction === "outbound")
    .map((m) => m.text);
};
const conversationOf = async (messageId: string) =>
  (await pipeline.database.db.message.findUniqueOrThrow({ where: { id: messageId } })).conversationId;

it("the owner sees who waits, with names, previews, unread marks and the waiting filter, and resuming answers what waited", async () => {
  const db = pipeline.database.db;
  // Open (no hours): Dora asks for a person, then writes again while the agent is paused.
  const dora = new WebchatClient(pipeline.baseUrl, "bakery");
  await dora.send("I want to speak to a human please", "Dora");
  await dora.waitForReply(60_000);
  const doraWaiting = await dora.send("Also 4 croissants please");
  const doraConversation = await conversationOf(doraWaiting);
  // Closed with an away message: Ana and Bruno get it once, their next messages wait.
  await db.business.update({
    where: { id: businessId },
    data: { timezone: "UTC", openingHours: closedNow(), outsideHours: "away", awayMessage: "Closed now, back {opens}." },
  });
  const others = { Ana: new WebchatClient(pipeline.baseUrl, "bakery"), Bruno: new WebchatClient(pipeline.baseUrl, "bakery") };
  for (const [name, client] of Object.entries(others)) {
    await client.send("Hi, are you open?", name);
    await client.waitForReply(60_000);
    await client.send(`${name} here: can I order a birthday cake?`);
  }
  await expect.poll(async () => db.conversation.count({ where: { businessId, waitingUntil: { not: null } } }), { timeout: 30_000 }).toBe(2);
  // Open again for the resume below (the stored marks still say Ana's and Bruno's messages wait for the opening).
  await db.$executeRaw`UPDATE "Business" SET "openingHours" = NULL WHERE id = ${businessId}::uuid`;

  const { page, problems } = await openRecordedPage(browser, { width: 1280, height: 900 });
  await signInToConsole(page, pipeline.baseUrl, key, "#/inbox");

  const rows = page.locator("#conversation-list a.conv");
  await expect.poll(() => rows.count()).toBe(3);
  for (const name of ["Ana", "Bruno", "Dora"]) {
    const row = page.locator("#conversation-list a.conv", { hasText: name });
    expect(await row.getAttribute("data-state")).toBe("waiting");
    expect(await row.locator(".waiting-badge").textContent()).toBe("waiting for you");
    expect(await row.locator(".count-badge").textContent()).toBe("1");
    expect(await row.evaluate((el) => el.classList.contains("unread"))).toBe(true);
  }
  const doraRow = page.locator(`#conversation-list a.conv[data-id="${doraConversation}"]`);
  expect(await doraRow.locator(".conv-preview").textContent()).toBe("Also 4 croissants please");
  expect(await doraRow.locator(".conv-handoff").textContent()).toBe("asked for a person: “I want to speak to a human please”");
  expect(await page.locator("#conversation-list a.conv", { hasText: "Bruno" }).locator(".conv-preview").textContent()).toBe(
    "Bruno here: can I order a birthday cake?",
  );
  // The handoff above the list says who and in their own words.
  const handoffRow = page.locator("#handoff-list li").first();
  expect(await handoffRow.textContent()).toContain("Dora asked for a person");
  expect(await handoffRow.locator(".handoff-words").textContent()).toBe("“I want to speak to a human please”");
  await page.screenshot({ path: `${SCREENSHOTS}/console-waiting-desktop.png` });

  // The waiting filter, and search by name and by words.
  await page.selectOption("#filter-state", "resolved");
  await page.locator("#conversation-list-state", { hasText: "No conversation matches" }).waitFor();
  await page.selectOption("#filter-state", "waiting");
  await expect.poll(() => rows.count()).toBe(3);
  await page.fill("#inbox-search", "birthday");
  await expect.poll(() => rows.count()).toBe(2);
  await page.fill("#inbox-search", "bru");
  await expect.poll(async () => (await rows.allTextContents()).join("|")).toMatch(/^[^|]*Bruno[^|]*$/);
  await page.fill("#inbox-search", "");
  await expect.poll(() => rows.count()).toBe(3);

  // Opening Ana's conversation reads it: its unread mark goes, the others' stay.
  const ana = page.locator("#conversation-list a.conv", { hasText: "Ana" });
  await ana.click();
  await page.locator("#agent-state", { hasText: "waits for you" }).waitFor();
  await page.locator("#transcript .bubble.customer", { hasText: "Ana here" }).locator(".meta", { hasText: "waiting for you" }).waitFor();
  await page.click("#rename-contact");
  await page.fill("#contact-name", "Ana (cake order)");
  await page.click("#contact-name-save");
  await page.locator("#conversation-title", { hasText: "Ana (cake order)" }).waitFor();
  await page.click('a.back[href="#/inbox"]').catch(() => undefined);
  await expect.poll(async () => page.locator("#conversation-list a.conv.unread").count()).toBe(2);

  // Dora: resume, the agent answers her waiting message at once; the handoff closes.
  await doraRow.click();
  await page.locator("#agent-state", { hasText: "then it answers the message waiting" }).waitFor();
  await page.click("#resume-agent");
  await page.locator("#transcript .bubble.agent").nth(1).waitFor({ timeout: 30_000 });
  await expect.poll(async () => (await outbound(dora)).length, { timeout: 30_000 }).toBe(2);
  await page.locator("#handoffs").waitFor({ state: "hidden" });
  expect(await db.handoff.count({ where: { conversationId: doraConversation, status: { not: "resolved" } } })).toBe(0);
  expect((await db.message.findUniqueOrThrow({ where: { id: doraWaiting } })).status).toBe("answered");
  // Ana and Bruno got only their away message: nothing else went to them.
  for (const client of Object.values(others)) expect(await outbound(client)).toHaveLength(1);
  expect(problems).toEqual([]);
  await page.close();
}, 240_000);

it("Try it outside opening hours says the shop is closed, never shows writing when no turn will run, and can try as if open; its chats are kept apart", async () => {
  const db = pipeline.database.db;
  await db.business.update({
    where: { id: businessId },
    data: { timezone: "UTC", openingHours: closedNow(), outsideHours: "away", awayMessage: "Closed now, back {opens}." },
  });
  const { page, problems } = await openRecordedPage(browser, { width: 1280, height: 900 });
  await signInToConsole(page, pipeline.baseUrl, key, "#/persona");
  await page.locator("#try-closed", { hasText: "The shop is closed now" }).waitFor();

  const agentBubbles = page.locator("#try-log .bubble.agent");
  await page.fill("#try-text", "Hello, are you there?");
  await page.press("#try-text", "Enter");
  await agentBubbles.first().waitFor({ timeout: 60_000 });
  expect(await agentBubbles.first().locator(".text").textContent()).toMatch(/^Closed now, back (today|tomorrow) at /);
  expect(await page.isHidden("#try-typing")).toBe(true);

  // After the away message no turn runs: nothing is "writing", and the chat says where the message went.
  const asked = pipeline.model.prompts.length;
  await page.fill("#try-text", "Can I order a cake?");
  await page.press("#try-text", "Enter");
  await page.locator("#try-log .note", { hasText: "waits for you in the Inbox" }).waitFor();
  expect(await page.isHidden("#try-typing")).toBe(true);
  await page.waitForTimeout(3000);
  expect(await page.isHidden("#try-typing")).toBe(true);
  expect(await page.locator("#try-status").textContent()).toBe("");
  expect(await agentBubbles.count()).toBe(1);

  // As if open: a new chat the agent answers with the model, hours or not.
  await page.click("#try-as-open");
  await page.locator("#try-closed", { hasText: "answers as if you were open" }).waitFor();
  await page.fill("#try-text", "Do you have rye bread?");
  await page.press("#try-text", "Enter");
  expect(await page.isVisible("#try-typing")).toBe(true);
  await agentBubbles.first().waitFor({ timeout: 60_000 });
  expect(pipeline.model.prompts.length).toBe(asked + 1);
  await page.screenshot({ path: `${SCREENSHOTS}/console-try-closed-desktop.png` });

  // The inbox keeps these apart from customers'.
  await page.goto(`${pipeline.baseUrl}/console#/inbox`);
  const rows = page.locator("#conversation-list a.conv");
  await rows.first().waitFor();
  expect(await rows.allTextContents()).not.toContainEqual(expect.stringContaining("You (try it"));
  await page.selectOption("#filter-kind", "try");
  await expect
    .poll(async () => (await rows.allTextContents()).map((t) => t.match(/You \(try it[^)]*\)/)?.[0]).sort())
    .toEqual(["You (try it)", "You (try it, as if open)"]);
  const tries = await db.conversation.findMany({ where: { businessId, tryIt: { not: null } }, select: { tryIt: true } });
  expect(tries.map((c) => c.tryIt).sort()).toEqual(["hours", "open"]);
  await page.selectOption("#filter-kind", "customers");
  expect(problems).toEqual([]);
  await page.close();
}, 240_000);
