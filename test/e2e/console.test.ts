import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import type { Config } from "../../src/config/index.js";
import type { Persona } from "../../src/domain/personas/persona-schema.js";
import { personaTokenBudget } from "../../src/domain/personas/render-persona.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { launchTestBrowser, openRecordedPage, SCREENSHOTS, signInToConsole } from "../../test-kit/test-browser.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The admin console in a real browser (Debian's Chromium) against the real gateway, worker, queue and model.
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const REPLY_TIMEOUT = 60_000;
let pipeline: TestPipeline;
let config: Config;
let database: TestDatabase;
let browser: Browser;
let baseUrl: string;
let businessId: string;
let personaId: string;
let key: string;
let ownerKey: string;

beforeAll(async () => {
  pipeline = await startTestPipeline({ settings: { replyMaxTokens: 12 }, businesses: { demo: "support-bakery", "corner-bakery": "support-bakery" } });
  ({ config, database, baseUrl } = pipeline);
  businessId = (await database.db.business.findUniqueOrThrow({ where: { slug: "demo" } })).id;
  personaId = (await database.db.persona.findFirstOrThrow({ where: { businessId } })).id;
  const keys = new ApiKeyRepository(database.db);
  key = (await issueApiKey(keys, { businessId, name: "console test" })).key;
  ownerKey = (await issueApiKey(keys, { businessId: null, name: "console owner" })).key;
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.close();
});

function openPage(viewport: { width: number; height: number }): Promise<{ page: Page; problems: string[] }> {
  return openRecordedPage(browser, viewport);
}

function signIn(page: Page, apiKey = key, hash = ""): Promise<void> {
  return signInToConsole(page, baseUrl, apiKey, hash);
}

async function latestTurn() {
  return database.db.turn.findFirst({ orderBy: { createdAt: "desc" } });
}

async function adminGet<T>(path: string): Promise<T> {
  const res = await fetch(`${baseUrl}/api/admin${path}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function customerSays(sessionId: string, text: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/webchat/demo/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionId, clientMessageId: randomUUID(), text, name: "Ana" }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { messageId: string }).messageId;
}

describe("admin console", () => {
  it("serves its files with their content types, a strict CSP, and nothing else", async () => {
    const index = await fetch(`${baseUrl}/console`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(index.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    const html = await index.text();
    expect(html).not.toMatch(/<script>|<style>|\son[a-z]+=/i);
    expect((await fetch(`${baseUrl}/console/app.js`)).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await fetch(`${baseUrl}/console/console.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await fetch(`${baseUrl}/console/console-routes.ts`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/console/..%2Fconsole-routes.ts`)).status).toBe(404);
  });

  it("signs in with a key, refuses a wrong one clearly, signs out, and lets an owner key pick the business", async () => {
    const { page, problems } = await openPage(PHONE);
    await page.goto(`${baseUrl}/console`);
    await page.locator("#login-form").waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/console-login-phone.png` });

    await page.fill("#api-key", "pk_00000000-0000-0000-0000-000000000000_wrong");
    await page.click("#login-submit");
    await page.locator("#login-error", { hasText: "not accepted" }).waitFor();
    expect(await page.locator("#shell").isHidden()).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/console-login-error-phone.png` });

    await page.fill("#api-key", key);
    await page.click("#login-submit");
    await page.locator("#business-name", { hasText: "Sunrise Bakery" }).waitFor();
    await page.locator("#live-version", { hasText: "version 1" }).waitFor();
    // Signed in by an HttpOnly cookie: the key itself is kept nowhere a script can read.
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }) + document.cookie)).not.toContain("pk_");
    expect((await page.context().cookies()).map((c) => c.name)).toEqual(["parlor_session"]);

    await page.click("#logout");
    await page.locator("#login-form").waitFor();
    expect(await page.context().cookies()).toEqual([]);

    await page.fill("#api-key", ownerKey);
    await page.click("#login-submit");
    await page.locator("#business-select").waitFor();
    expect(await page.locator("#business-select option").count()).toBe(2);
    await page.goto(`${baseUrl}/console#/channels`);
    await page.selectOption("#business-select", { label: "Sunrise Bakery (corner-bakery)" });
    await page.locator('#channel-list li[data-kind="webchat"]', { hasText: "corner-bakery" }).waitFor();
    await page.selectOption("#business-select", { label: "Sunrise Bakery (demo)" });
    await page.locator('#channel-list li[data-kind="webchat"]', { hasText: "/chat/demo" }).waitFor();
    await page.click("#logout");
    await page.locator("#login-form").waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it("edits the persona as a form: a new fact and handoff word go live, Try it follows them; field errors, a too-long voice, compare, view, roll back", async () => {
    const { page, problems } = await openPage(DESKTOP);
    await signIn(page, key, "#/persona");
    await page.locator("#live-version", { hasText: "version 1" }).waitFor();
    await page.locator("#try-version", { hasText: "You are a customer" }).waitFor();
    const personaUrl = `/businesses/${businessId}/personas/${personaId}`;
    const v1 = (await adminGet<{ persona: Persona }>(`${personaUrl}/versions/1`)).persona;
    // The form shows version 1, whole; nothing to save yet.
    expect(await page.inputValue("#pf-name")).toBe("Rosa");
    expect(await page.isChecked("#pf-kind-support")).toBe(true);
    expect(await page.locator("#pf-facts .row").count()).toBe(Object.keys(v1.settings.facts).length);
    expect(await page.inputValue("#pf-voice")).toBe(v1.voice);
    expect(await page.isChecked("#pf-trigger-refund")).toBe(true);
    expect(await page.isHidden("#pf-disclosure")).toBe(true); // a support agent without one: not asked for
    expect(await page.isDisabled("#save-version")).toBe(true);

    // Add a fact and a handoff word, save: version 2 is live, in the form, the list, the API, the database and Try it.
    const jam = "This week every sourdough loaf comes with a free jar of homemade strawberry jam.";
    await page.click("#pf-facts-add");
    await page.locator("#pf-facts .row").last().locator(".row-label").fill("jam");
    await page.locator("#pf-facts .row").last().locator(".row-text").fill(jam);
    await page.click("#pf-triggers-add");
    await page.locator("#pf-triggers .row").last().locator("input").fill("allergy");
    await page.locator("#save-status", { hasText: "Unsaved changes" }).waitFor();
    await page.click("#save-version");
    await page.locator("#save-status", { hasText: "Saved as version 2" }).waitFor();
    await page.locator("#live-version", { hasText: "version 2" }).waitFor();
    await page.locator("#try-version", { hasText: "version 2" }).waitFor();
    await page.locator('#versions li.active[data-version="2"]').waitFor();
    expect(await page.isDisabled("#save-version")).toBe(true);
    const live = (await adminGet<{ activeVersion: { version: number; persona: Persona } }>(personaUrl)).activeVersion;
    expect(live.version).toBe(2);
    expect(live.persona.settings).toEqual({
      ...v1.settings,
      facts: { ...v1.settings.facts, jam },
      handoff: { triggers: ["human", "refund", "complaint", "allergy"] },
    });
    expect(live.persona.voice).toBe(v1.voice);
    const row = await database.db.persona.findUniqueOrThrow({ where: { id: personaId }, include: { activeVersion: true } });
    expect(row.activeVersion).toMatchObject({ version: 2, settings: live.persona.settings, voice: v1.voice });

    // Try it: the model is asked with the new fact in its prompt.
    const asked = pipeline.model.prompts.length;
    await page.fill("#try-text", "Hello! Do you have sourdough today?");
    await page.press("#try-text", "Enter");
    await page.locator("#try-log .bubble.agent").first().waitFor({ timeout: REPLY_TIMEOUT });
    expect(pipeline.model.prompts.length).toBe(asked + 1);
    expect(pipeline.model.prompts.at(-1)!.system).toContain(`- jam: ${jam}`);
    // The new handoff word: the reply is the handoff text and the model is not asked.
    await page.click("#try-reset");
    await page.fill("#try-text", "My son has a nut allergy, what is in the cinnamon rolls?");
    await page.press("#try-text", "Enter");
    const handoff = page.locator("#try-log .bubble.agent").first();
    await handoff.waitFor({ timeout: REPLY_TIMEOUT });
    expect(await handoff.locator(".text").textContent()).toBe(
      "Thanks for telling me. I've passed this on to the owner, who will reply to you personally as soon as possible.",
    );
    expect(pipeline.model.prompts.length).toBe(asked + 1);
    const handoffTurn = (await latestTurn())!;
    expect(handoffTurn.evaluatedTokens).toBe(0);
    const handedOver = await database.db.conversation.findUniqueOrThrow({ where: { id: handoffTurn.conversationId } });
    expect(handedOver).toMatchObject({ agentPaused: true, pausedBy: "handoff" });
    // Resumed, so the inbox test below starts without a paused conversation.
    const resumed = await fetch(`${baseUrl}/api/admin/businesses/${businessId}/conversations/${handedOver.id}/resume`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(resumed.status).toBe(200);

    // A fact with a label and no text: the error is next to it and in the summary, nothing is saved.
    await page.click("#pf-facts-add");
    const delivery = page.locator("#pf-facts .row").last();
    await delivery.locator(".row-label").fill("delivery");
    await page.click("#save-version");
    await page.locator("#persona-problems", { hasText: "Not saved: one thing to fix." }).waitFor();
    await delivery.locator(".field-error", { hasText: "Fill this in, or remove the row." }).waitFor();
    expect(await delivery.locator(".row-text").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#persona-problems").textContent()).not.toMatch(/body\.|settings\./);
    await page.locator("#persona-problems button", { hasText: "Fact “delivery”" }).click();
    expect(await delivery.locator(".row-text").evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await database.db.personaVersion.count({ where: { personaId } })).toBe(2);
    await page.screenshot({ path: `${SCREENSHOTS}/console-persona-field-error-desktop.png` });
    await delivery.locator(".remove-row").click();
    expect(await page.isDisabled("#save-version")).toBe(true);
    // A support agent that hands nothing over cannot be saved, and the save bar says what is missing.
    for (const reason of ["human", "refund", "complaint"]) await page.uncheck(`#pf-trigger-${reason}`);
    await page.locator("#pf-triggers .row .remove-row").click();
    expect(await page.isDisabled("#save-version")).toBe(true);
    expect(await page.locator("#save-why").textContent()).toBe("To save, fill in: Handing over to a person.");
    expect(await database.db.personaVersion.count({ where: { personaId } })).toBe(2);
    await page.click("#discard-edits");

    // A voice over the token budget: refused with the count and the limit, at the voice; nothing saved.
    const limit = personaTokenBudget(config.model.contextSize, pipeline.settings.replyMaxTokens);
    await page.fill("#pf-voice", Array.from({ length: limit }, (_, i) => `loaf${i}`).join(" "));
    await page.click("#save-version");
    await page.locator("#persona-problems", { hasText: "Length" }).waitFor();
    const voiceError = (await page.locator("#pf-section-voice .field-error").textContent())!.replace(/[,.\u202f\u00a0](?=\d{3}\b)/g, "");
    expect(voiceError).toMatch(new RegExp(`The whole persona is (\\d+) tokens and the limit is ${limit}\\.`));
    expect(Number(voiceError.match(/is (\d+) tokens/)![1])).toBeGreaterThan(limit);
    await page.locator("#pf-section-voice .field-error").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOTS}/console-persona-too-long-desktop.png` });
    expect(await database.db.personaVersion.count({ where: { personaId } })).toBe(2);
    await page.click("#discard-edits");
    expect(await page.inputValue("#pf-voice")).toBe(v1.voice);

    // Compare version 1 with version 2: the settings lines that changed.
    await page.selectOption("#diff-from", "1");
    await page.selectOption("#diff-to", "2");
    await page.click("#show-diff");
    await page.locator("#version-output .diff-line.add", { hasText: "jam:" }).waitFor();
    expect(await page.locator("#diff-weakenings").count()).toBe(0);

    // Roll back to version 1: the confirmation says what stops, then version 3 is version 1 whole.
    await page.locator('#versions li[data-version="1"] button.make-live').click();
    const confirm = page.locator("#confirm-live");
    await confirm.locator("li", { hasText: 'Messages about "allergy" will no longer be handed to a person.' }).waitFor();
    await confirm.getByRole("button", { name: "Roll back anyway" }).click();
    await page.locator("#save-status", { hasText: "version 3 is live" }).waitFor();
    await page.locator("#try-version", { hasText: "version 3" }).waitFor();
    expect(await page.inputValue("#pf-voice")).toBe(v1.voice);
    expect(await page.locator("#pf-facts .row-label").evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value))).toEqual(
      Object.keys(v1.settings.facts),
    );
    expect(await page.locator("#pf-triggers .row").count()).toBe(0);
    const rolledBack = await database.db.persona.findUniqueOrThrow({ where: { id: personaId }, include: { activeVersion: true } });
    expect(rolledBack.activeVersion).toMatchObject({ version: 3, settings: v1.settings, voice: v1.voice });

    // Compared with the live version, version 2 adds the fact; what version 3 stopped compared with 2
    // is listed above the lines; version 2 can be viewed whole and copied back into the form.
    await page.locator('#versions li[data-version="2"] button.compare-live').click();
    await page.locator("#version-output .diff-head", { hasText: "Version 3 → version 2" }).waitFor();
    await page.locator("#version-output .diff-line.add", { hasText: "jam:" }).waitFor();
    await page.selectOption("#diff-from", "2");
    await page.selectOption("#diff-to", "3");
    await page.click("#show-diff");
    await page.locator("#diff-weakenings", { hasText: 'Messages about "allergy" will no longer be handed to a person.' }).waitFor();
    await page.locator('#versions li[data-version="2"] button.view-version').click();
    await page.locator("#version-output .persona-view", { hasText: jam }).waitFor();
    await page.click("#copy-version");
    await page.locator("#save-status", { hasText: "Version 2 is in the form" }).waitFor();
    expect(await page.locator("#pf-facts .row-label").last().inputValue()).toBe("jam");
    expect(await page.isEnabled("#save-version")).toBe(true);
    await page.click("#discard-edits");
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SCREENSHOTS}/console-persona-desktop.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();

    const phone = await openPage(PHONE);
    await signIn(phone.page, key, "#/persona");
    await phone.page.locator("#live-version", { hasText: "version 3" }).waitFor();
    await phone.page.screenshot({ path: `${SCREENSHOTS}/console-persona-phone.png`, fullPage: true });
    expect(phone.problems).toEqual([]);
    await phone.page.close();
  }, 240_000);

  it("takes over a conversation: pause, the customer's new message shows up live, a human reply goes out, resume", async () => {
    // A customer writes on the web chat and the agent answers.
    const sessionId = randomUUID().replaceAll("-", "");
    const firstId = await customerSays(sessionId, "Do you have rye bread today?");
    const first = await database.db.message.findUniqueOrThrow({ where: { id: firstId } });
    const conversationId = first.conversationId;
    await expect
      .poll(async () => (await database.db.message.findUniqueOrThrow({ where: { id: firstId } })).status, { timeout: REPLY_TIMEOUT, interval: 250 })
      .toBe("answered");

    const { page, problems } = await openPage(PHONE);
    await signIn(page, key, "#/inbox");
    // The inbox follows the business's event stream; while it is open, polling is only every 30 s.
    await page.locator('#inbox-live[data-stream="open"]').waitFor();
    const row = page.locator(`#conversation-list a.conv[data-id="${conversationId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain("Ana");
    await page.screenshot({ path: `${SCREENSHOTS}/console-inbox-phone.png`, fullPage: true });

    await row.click();
    await page.locator("#conversation-title", { hasText: "Ana" }).waitFor();
    await page.locator("#transcript .bubble.customer", { hasText: "Do you have rye bread today?" }).waitFor();
    await page.locator("#transcript .bubble.agent").first().waitFor();
    expect(await page.locator("#conversation-list").isVisible()).toBe(false); // a phone shows one pane at a time

    await page.click("#pause-agent");
    await page.locator("#agent-state", { hasText: "Agent paused" }).waitFor();
    expect((await database.db.conversation.findUniqueOrThrow({ where: { id: conversationId } })).agentPaused).toBe(true);

    // The customer writes again: the open transcript shows it within seconds (the event stream,
    // not the 30 s safety poll); the paused agent stays quiet.
    const secondId = await customerSays(sessionId, "Is it still warm from the oven?");
    await page.locator("#transcript .bubble.customer.received", { hasText: "Is it still warm from the oven?" }).waitFor({ timeout: 10_000 });

    const reply = "Hi Ana, this is Maria from the bakery. Yes, the rye loaves came out at nine.";
    await page.fill("#human-text", reply);
    await page.click("#send-human");
    await page.locator("#transcript .bubble.human", { hasText: reply }).waitFor();
    const stored = await database.db.message.findFirstOrThrow({ where: { conversationId, text: reply }, include: { turn: true } });
    expect(stored.direction).toBe("outbound");
    expect(stored.turn).toBeNull();
    expect((await database.db.message.findUniqueOrThrow({ where: { id: secondId } })).status).toBe("answered");
    await expect
      .poll(async () => (await database.db.message.findUniqueOrThrow({ where: { id: stored.id } })).status, { timeout: 30_000, interval: 250 })
      .toBe("sent");
    await page.locator(`#transcript .bubble.human[data-id="${stored.id}"] .meta`, { hasText: "sent" }).waitFor({ timeout: 20_000 });
    // The customer's chat shows the person's reply.
    const chat = (await (await fetch(`${baseUrl}/api/webchat/demo/sessions/${sessionId}/messages`)).json()) as { messages: { text: string }[] };
    expect(chat.messages.map((m) => m.text)).toContain(reply);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SCREENSHOTS}/console-transcript-phone.png`, fullPage: true });

    await page.click("#resume-agent");
    await page.locator("#agent-state", { hasText: "The agent is answering" }).waitFor();
    expect((await database.db.conversation.findUniqueOrThrow({ where: { id: conversationId } })).agentPaused).toBe(false);

    // Back to the list; the paused filter no longer shows it.
    await page.click("a.back");
    await row.waitFor();
    await page.selectOption("#filter-status", "paused");
    await page.locator("#conversation-list-state", { hasText: "No conversation matches" }).waitFor();
    await page.selectOption("#filter-status", "");
    await row.waitFor();
    expect(problems).toEqual([]);
    await page.close();

    const desktop = await openPage(DESKTOP);
    await signIn(desktop.page, key, `#/inbox/${conversationId}`);
    await desktop.page.locator("#transcript .bubble.human", { hasText: reply }).waitFor();
    await desktop.page.locator(`#conversation-list a.conv.selected[data-id="${conversationId}"]`).waitFor();
    await desktop.page.screenshot({ path: `${SCREENSHOTS}/console-inbox-desktop.png` });
    expect(desktop.problems).toEqual([]);
    await desktop.page.close();
  }, 180_000);

  it("lists channels, turns one off, and shows that the WhatsApp phone session has not reported yet", async () => {
    const created = await fetch(`${baseUrl}/api/admin/businesses/${businessId}/channels`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ kind: "whatsapp_web", platformAccountId: "+34600111222", name: "Shop phone" }),
    });
    expect(created.status).toBe(201);
    const channelId = ((await created.json()) as { id: string }).id;

    const { page, problems } = await openPage(PHONE);
    await signIn(page, key, "#/channels");
    await page.locator('#channel-list li[data-kind="webchat"]', { hasText: "demo" }).waitFor();
    const phone = page.locator(`#channel-list li[data-channel-id="${channelId}"]`);
    await phone.locator('.phone-link[data-state="waiting"]', { hasText: "waiting for the phone session" }).waitFor();
    expect(await phone.locator(".switch-input").isChecked()).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/console-channels-phone.png`, fullPage: true });

    await phone.locator(".switch").click();
    await phone.locator(".switch-text", { hasText: "Off" }).waitFor();
    await expect.poll(async () => (await database.db.channel.findUniqueOrThrow({ where: { id: channelId } })).enabled).toBe(false);
    await page.reload();
    await page.locator(`#channel-list li.off[data-channel-id="${channelId}"]`).waitFor();
    expect(await page.locator('#channel-list li[data-kind="webchat"] .switch-input').isChecked()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();

    const desktop = await openPage(DESKTOP);
    await signIn(desktop.page, key, "#/channels");
    await desktop.page.locator(`#channel-list li.off[data-channel-id="${channelId}"]`).waitFor();
    await desktop.page.screenshot({ path: `${SCREENSHOTS}/console-channels-desktop.png` });
    expect(desktop.problems).toEqual([]);
    await desktop.page.close();
  });
});
