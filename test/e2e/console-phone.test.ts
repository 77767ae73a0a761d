import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { launchTestBrowser, SCREENSHOTS, signInToConsole } from "../../test-kit/test-browser.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The console on a 390×844 phone (touch) and on a desktop, against the real gateway, worker and
// model: every section reachable by tapping its tab, the active tab in view, nothing wider than
// the screen, and every control at least 44 px each way (measured in the page).
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const SECTIONS = [
  ["persona", "Persona"],
  ["inbox", "Inbox"],
  ["channels", "Channels"],
  ["hours", "Hours"],
  ["knowledge", "Knowledge"],
] as const;
const TAP_MIN = 44;

let pipeline: TestPipeline;
let browser: Browser;
let baseUrl: string;
let key: string;

beforeAll(async () => {
  pipeline = await startTestPipeline({ settings: { replyMaxTokens: 12 }, businesses: { demo: "support-bakery" } });
  baseUrl = pipeline.baseUrl;
  const businessId = (await pipeline.database.db.business.findUniqueOrThrow({ where: { slug: "demo" } })).id;
  key = (await issueApiKey(new ApiKeyRepository(pipeline.database.db), { businessId, name: "phone test" })).key;
  // A conversation in the inbox, so its list and transcript have something to lay out.
  const res = await fetch(`${baseUrl}/api/webchat/demo/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      sessionId: randomUUID().replaceAll("-", ""),
      clientMessageId: randomUUID(),
      text: "Do you bake gluten-free bread on Saturdays?",
      name: "Ana",
    }),
  });
  expect(res.status).toBe(202);
  browser = await launchTestBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pipeline?.close();
});

async function openPage(viewport: { width: number; height: number }, touch: boolean): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport, hasTouch: touch, isMobile: touch });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (m) => void (m.type() === "error" && !m.text().startsWith("Failed to load resource") && problems.push(`console: ${m.text()}`)));
  return { page, problems };
}

/** Controls smaller than TAP_MIN either way: a radio or checkbox counts with its label, a link inside running text is exempt (WCAG 2.5.5). */
function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate((min) => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>("a[href], button, select, input:not([type=hidden]), textarea, summary"))) {
      const target = el instanceof HTMLInputElement && (el.type === "radio" || el.type === "checkbox") ? (el.closest("label") ?? el) : el;
      if (el instanceof HTMLInputElement && el.type === "file" && el.labels?.[0]) continue; // the visible control is its label
      const r = target.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(target).visibility === "hidden") continue;
      if (
        el.tagName === "A" &&
        getComputedStyle(el).display === "inline" &&
        el.parentElement &&
        (el.parentElement.textContent ?? "").trim() !== (el.textContent ?? "").trim()
      )
        continue;
      if (r.width < min - 0.5 || r.height < min - 0.5)
        out.push(
          `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className ? `.${String(el.className).split(" ").join(".")}` : ""} "${(el.textContent ?? (el as HTMLInputElement).value ?? "").trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`,
        );
    }
    return out;
  }, TAP_MIN);
}

const overflow = (page: Page) => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }));

async function settled(page: Page): Promise<void> {
  await page
    .locator("#view .loading")
    .first()
    .waitFor({ state: "detached" })
    .catch(() => undefined);
  await page.waitForTimeout(300);
}

async function admin(method: string, path: string, body?: object): Promise<any> {
  const res = await fetch(`${baseUrl}/api/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.ok, `${method} ${path}: ${res.status}`).toBe(true);
  return res.json();
}

describe("console on a phone and a desktop", () => {
  it("offers to go back only to older versions: a newer one is made live, an older one made live again", async () => {
    const businessId = (await pipeline.database.db.business.findUniqueOrThrow({ where: { slug: "demo" } })).id;
    const personaUrl = `/businesses/${businessId}/personas/${(await pipeline.database.db.persona.findFirstOrThrow({ where: { businessId } })).id}`;
    const live = (await admin("GET", personaUrl)).activeVersion;
    // A newer version saved without making it live.
    await admin("POST", `${personaUrl}/versions`, {
      persona: { ...live.persona, settings: { ...live.persona.settings, tone: "short and sweet" } },
      activate: false,
    });
    const { page, problems } = await openPage(PHONE, true);
    await signInToConsole(page, baseUrl, key, "#/persona");
    const newer = page.locator('#versions li[data-version="2"] button.make-live');
    await newer.waitFor();
    expect(await newer.textContent()).toBe("Make this version live");
    expect(await page.locator('#versions li[data-version="1"] button.make-live').count()).toBe(0);
    await newer.tap();
    const confirm = page.locator("#confirm-live");
    await confirm.getByText("Make version 2 live?").waitFor();
    expect(await confirm.textContent()).not.toMatch(/roll back/i);
    await confirm.getByRole("button", { name: "Make it live", exact: true }).tap();
    await page.locator("#live-version", { hasText: "version 2" }).waitFor();
    expect(await page.locator('#versions li[data-version="1"] button.make-live').textContent()).toBe("Make this version live again");
    expect(await page.locator('#versions li[data-version="2"] button.make-live').count()).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/console-persona-versions-phone.png` });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it("styles the chat page and lists the owner's website from the Channels page, with problems in words by their field", async () => {
    const { page, problems } = await openPage(PHONE, true);
    await signInToConsole(page, baseUrl, key, "#/channels");
    const look = page.locator(".chat-look");
    await look.locator("summary").tap();
    const save = look.locator("[data-action=save-look]");
    expect(await save.isDisabled()).toBe(true);
    const channelId = await look.getAttribute("data-channel-id");
    // A logo that is not https cannot be saved, and the form says why.
    await page.fill(`#look-logo-${channelId}`, "http://shop.example/logo.png");
    expect(await save.isDisabled()).toBe(true);
    expect(await look.locator("[data-role=look-why]").textContent()).toContain("must start with https://");
    await page.fill(`#look-logo-${channelId}`, "");
    // A site with a page path: the server refuses it, in words, next to the sites.
    await page.fill(`#look-color-${channelId}`, "#7a2e8e");
    await page.fill(`#look-sites-${channelId}`, "https://shop.example/menu");
    await save.tap();
    const sitesError = page.locator(`#look-sites-${channelId}-error`);
    await expect.poll(() => sitesError.textContent()).toBe("A site is its address without a path, like https://shop.example.");
    expect(await page.getAttribute(`#look-sites-${channelId}`, "aria-invalid")).toBe("true");
    const row = () => pipeline.database.db.channel.findFirstOrThrow({ where: { id: channelId! } });
    expect((await row()).chatColor).toBeNull();
    await page.fill(`#look-sites-${channelId}`, "https://shop.example/");
    await save.tap();
    await look.getByText("Saved.").waitFor();
    expect(await sitesError.isHidden()).toBe(true);
    expect(await row()).toMatchObject({ chatColor: "#7a2e8e", chatLogoUrl: null, chatSites: ["https://shop.example"] });
    expect(await look.locator("[data-role=widget-snippet]").textContent()).toBe(
      `<script src="${baseUrl}/widget.js" data-channel="demo" async></script>`,
    );
    expect(await overflow(page).then(({ scroll, viewport }) => scroll <= viewport)).toBe(true);
    expect(await smallTargets(page)).toEqual([]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SCREENSHOTS}/console-chat-look-phone.png`, fullPage: true });

    // The chat page takes the colour, and lets the site frame it.
    const chat = await page.context().newPage();
    await chat.goto(`${baseUrl}/chat/demo`);
    await expect
      .poll(
        async () => {
          await chat.reload();
          return chat.locator("header").evaluate((el) => getComputedStyle(el).backgroundColor);
        },
        { timeout: 15_000 },
      )
      .toBe("rgb(122, 46, 142)");
    expect((await fetch(`${baseUrl}/chat/demo`)).headers.get("content-security-policy")).toContain("frame-ancestors https://shop.example");
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);

  for (const [size, viewport, touch] of [
    ["phone", PHONE, true],
    ["desktop", DESKTOP, false],
  ] as const) {
    it(`reaches every section by tapping its tab, shows which one is open, and fits the screen (${size})`, async () => {
      const { page, problems } = await openPage(viewport, touch);
      const failures: string[] = [];
      await page.goto(`${baseUrl}/console`);
      await page.locator("#api-key").waitFor();
      for (const small of await smallTargets(page)) failures.push(`sign in: ${small}`);
      await page.screenshot({ path: `${SCREENSHOTS}/console-sign-in-${size}.png` });
      await signInToConsole(page, baseUrl, key);
      for (const [route, label] of SECTIONS) {
        const tab = page.locator(`.tabs a[data-route=${route}]`);
        // In view without scrolling the strip: a person can see it and tap it.
        const box = (await tab.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
        expect(await tab.textContent()).toContain(label);
        if (touch) await tab.tap();
        else await tab.click();
        await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/${route}`);
        await settled(page);
        const active = page.locator(".tabs a.active");
        expect(await active.getAttribute("data-route")).toBe(route);
        const activeBox = (await active.boundingBox())!;
        expect(activeBox.x + activeBox.width).toBeLessThanOrEqual(viewport.width);
        expect(await active.evaluate((el) => getComputedStyle(el).borderBottomColor)).not.toBe(
          await page
            .locator(".tabs a:not(.active)")
            .first()
            .evaluate((el) => getComputedStyle(el).borderBottomColor),
        );
        const { scroll, viewport: width } = await overflow(page);
        if (scroll > width) failures.push(`${route}: ${scroll} px wide at ${width}`);
        for (const small of await smallTargets(page)) failures.push(`${route}: ${small}`);
        await page.screenshot({ path: `${SCREENSHOTS}/console-${route}-${size}.png`, fullPage: true });
      }
      // The inbox with a conversation open.
      await page.goto(`${baseUrl}/console#/inbox`);
      await page.locator(".conv").first().waitFor();
      if (touch) await page.locator(".conv").first().tap();
      else await page.locator(".conv").first().click();
      await page.locator(".transcript").first().waitFor();
      await settled(page);
      const { scroll, viewport: width } = await overflow(page);
      if (scroll > width) failures.push(`conversation: ${scroll} px wide at ${width}`);
      for (const small of await smallTargets(page)) failures.push(`conversation: ${small}`);
      await page.screenshot({ path: `${SCREENSHOTS}/console-conversation-${size}.png`, fullPage: true });
      expect(failures).toEqual([]);
      expect(problems).toEqual([]);
      await page.context().close();
    }, 180_000);

    it(`lays the API docs out to fit the screen (${size})`, async () => {
      const { page, problems } = await openPage(viewport, touch);
      await page.goto(`${baseUrl}/api/admin/docs`);
      await page.locator(".opblock").first().waitFor();
      await page.locator(".opblock-summary-control").first().click();
      await page.locator(".opblock-body").first().waitFor();
      const { scroll, viewport: width } = await overflow(page);
      expect(scroll).toBeLessThanOrEqual(width);
      expect(await smallTargets(page)).toEqual([]);
      await page.screenshot({ path: `${SCREENSHOTS}/api-docs-${size}.png` });
      expect(problems).toEqual([]);
      await page.context().close();
    }, 60_000);
  }
});
