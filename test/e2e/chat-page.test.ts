import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatPrompt } from "../../src/domain/chat-prompt.js";
import { DelegatingChatModel } from "../../src/adapters/llm/delegating-chat-model.js";
import type { ChatModel, GenerateOptions, Generation } from "../../src/ports/chat-model.js";
import { launchTestBrowser, openRecordedPage, SCREENSHOTS } from "../../test-kit/test-browser.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The chat page and the embeddable widget in a real browser (Debian's Chromium) against the real
// pipeline (gateway, queue, worker, tiny model), at a desktop size and a 390×844 phone.
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const SIZES = [
  ["desktop", DESKTOP],
  ["phone", PHONE],
] as const;
const REPLY_TIMEOUT = 60_000;

/** The real model, held before it generates while the newest message says "hold on" (so a test sees the turn running). */
class HeldChatModel extends DelegatingChatModel {
  private release: (() => void) | null = null;
  private gate: Promise<void> | null = null;

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  let(): void {
    this.release?.();
    this.gate = null;
  }
  override async generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
    if (this.gate && (prompt.turns.at(-1)?.text ?? "").includes("hold on")) await this.gate;
    return super.generate(prompt, options);
  }
}

let pipeline: TestPipeline;
let database: TestDatabase;
let browser: Browser;
let baseUrl: string;
let held: HeldChatModel;
let site: Server;
let siteUrl: string;
let logoHost: Server;
let logoUrl: string;

/** The business's logo on its own https host (a self-signed certificate the test browser is told to accept). */
async function startLogoHost(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "parlor-logo-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=localhost",
      "-days",
      "1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><circle cx="20" cy="20" r="20" fill="#f4b400"/><text x="20" y="27" font-size="18" text-anchor="middle" fill="#7a2e8e">M</text></svg>';
  logoHost = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (_req, res) => {
    res.writeHead(200, { "content-type": "image/svg+xml" });
    res.end(svg);
  });
  await new Promise<void>((resolve) => logoHost.listen(0, "localhost", resolve));
  logoUrl = `https://localhost:${(logoHost.address() as AddressInfo).port}/logo.svg`;
}

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: { replyMaxTokens: 12, turnDebounceMs: 200 },
    businesses: { demo: "support-bakery", fans: "fan-creator", shut: "support-bakery" },
    wrapModel: (real: ChatModel) => (held = new HeldChatModel(real)),
  });
  ({ database, baseUrl } = pipeline);
  // The business's own website: a second loopback origin (localhost vs 127.0.0.1) with the widget on its page.
  site = createServer((req, res) => {
    const channel = new URL(req.url ?? "/", "http://site").searchParams.get("channel") ?? "demo";
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": `default-src 'self'; script-src ${baseUrl}; connect-src ${baseUrl}; frame-src ${baseUrl}`,
    });
    res.end(
      `<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Corner Bakery</title></head><body><h1>Corner Bakery</h1><p>Fresh bread every morning.</p><script src="${baseUrl}/widget.js" data-channel="${channel}" async></script></body></html>`,
    );
  });
  await new Promise<void>((resolve) => site.listen(0, "localhost", resolve));
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
  await database.db.channel.updateMany({
    where: { kind: "webchat", platformAccountId: "demo" },
    data: { chatColor: "#7a2e8e", chatSites: [siteUrl] },
  });
  await database.db.channel.updateMany({ where: { kind: "webchat", platformAccountId: "shut" }, data: { enabled: false } });
  await startLogoHost();
  await database.db.channel.updateMany({
    where: { kind: "webchat", platformAccountId: "fans" },
    data: { chatLogoUrl: logoUrl, chatColor: "#f4b400" },
  });
  browser = await launchTestBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await new Promise((resolve) => logoHost?.close(resolve));
  await pipeline?.close();
});

async function send(page: Page, text: string): Promise<void> {
  await page.fill("#text", text);
  await page.keyboard.press("Enter");
}

/** Whether the page is wider than its viewport (something sticks out sideways). */
const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

describe("chat page", () => {
  for (const [size, viewport] of SIZES) {
    it(`shows the business, the agent, an AI notice before the first message, typing while a turn runs, times and the tint (${size})`, async () => {
      const { page, problems } = await openRecordedPage(browser, viewport);
      await page.goto(`${baseUrl}/chat/demo`);
      await expect.poll(() => page.locator("#status").textContent()).toBe("say hello");
      const settings = (await database.db.personaVersion.findFirstOrThrow({ where: { persona: { business: { slug: "demo" } } } })).settings as {
        name: string;
        business: string;
      };
      const business = (await database.db.business.findUniqueOrThrow({ where: { slug: "demo" } })).name;
      expect(await page.locator("#business").textContent()).toBe(business);
      expect(await page.locator("#agent").textContent()).toBe(settings.name);
      expect(await page.title()).toContain(business);
      // The AI notice is there before anything is said.
      expect(await page.locator(".msg").count()).toBe(0);
      expect(await page.locator("#notice").textContent()).toMatch(new RegExp(`${settings.name}.*AI assistant`));
      expect(await page.locator("#notice").isVisible()).toBe(true);
      // The owner's colour on the header and the Send button.
      expect(await page.locator("header").evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(122, 46, 142)");
      expect(await page.locator("#send").evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(122, 46, 142)");
      const sendBox = (await page.locator("#send").boundingBox())!;
      expect(sendBox.height).toBeGreaterThanOrEqual(44);
      await page.screenshot({ path: `${SCREENSHOTS}/chat-page-empty-${size}.png` });

      // An optional name before the first message: the business's inbox shows it.
      expect(await page.locator("#name-row").isVisible()).toBe(true);
      expect((await page.locator("#name").boundingBox())!.height).toBeGreaterThanOrEqual(44);
      await page.fill("#name", `Lena ${size}`);
      held.hold();
      await send(page, `Hello, hold on, do you have croissants? (${size})`);
      expect(await page.locator("#name-row").isVisible()).toBe(false);
      await expect.poll(() => database.db.contact.count({ where: { displayName: `Lena ${size}` } })).toBe(1);
      await page.locator(".msg.inbound:not(.pending)").first().waitFor();
      await page.locator("#typing").waitFor({ state: "visible", timeout: REPLY_TIMEOUT });
      expect(await page.locator("#typing").textContent()).toContain(`${settings.name} is typing`);
      expect(await page.locator(".msg.outbound").count()).toBe(0);
      await page.screenshot({ path: `${SCREENSHOTS}/chat-page-typing-${size}.png` });
      held.let();

      const reply = page.locator(".msg.outbound").first();
      await reply.waitFor({ timeout: REPLY_TIMEOUT });
      await page.locator("#typing").waitFor({ state: "hidden" });
      const replyText = (await reply.locator(".bubble").textContent())!;
      expect(replyText.trim().length).toBeGreaterThan(0);
      const stored = await database.db.message.findMany({ where: { direction: "outbound" } });
      expect(stored.map((m) => m.text)).toContain(replyText);
      // Each message has its time, as the server stored it.
      const times = await page
        .locator(".msg time")
        .evaluateAll((els) => els.map((el) => ({ at: el.getAttribute("datetime"), text: el.textContent })));
      expect(times).toHaveLength(2);
      for (const t of times) {
        expect(t.text).toMatch(/\d{1,2}:\d{2}/);
        expect(Math.abs(Date.parse(t.at!) - Date.now())).toBeLessThan(5 * 60_000);
      }
      expect(await overflows(page)).toBe(false);
      await page.screenshot({ path: `${SCREENSHOTS}/chat-page-${size}.png` });

      await page.reload();
      await page.locator(".msg.outbound").first().waitFor();
      expect(await page.locator(".msg.inbound .bubble").first().textContent()).toBe(`Hello, hold on, do you have croissants? (${size})`);
      expect(problems).toEqual([]);
      await page.close();
    }, 180_000);
  }

  for (const [size, viewport] of SIZES) {
    it(`shows a fan agent's own AI disclosure before the first message, the creator's logo and a light tint with dark text (${size})`, async () => {
      const { page, problems } = await openRecordedPage(browser, viewport, { ignoreHTTPSErrors: true });
      await page.goto(`${baseUrl}/chat/fans`);
      await expect.poll(() => page.locator("#status").textContent()).toBe("say hello");
      const settings = (await database.db.personaVersion.findFirstOrThrow({ where: { persona: { business: { slug: "fans" } } } })).settings as {
        disclosure: string;
      };
      expect(await page.locator("#notice").textContent()).toBe(settings.disclosure);
      const logo = page.locator("#logo");
      await expect.poll(() => logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
      expect(await logo.isVisible()).toBe(true);
      expect(await logo.getAttribute("src")).toBe(logoUrl);
      // A light colour gets dark text, so the header stays readable.
      expect(await page.locator("header").evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(244, 180, 0)");
      expect(await page.locator("header").evaluate((el) => getComputedStyle(el).color)).toBe("rgb(29, 29, 27)");
      await page.screenshot({ path: `${SCREENSHOTS}/chat-page-fan-${size}.png` });
      expect(problems).toEqual([]);
      await page.close();
    });
  }

  it("says a switched-off chat is closed, and a wrong link goes nowhere", async () => {
    for (const [size, viewport] of SIZES) {
      const { page } = await openRecordedPage(browser, viewport);
      await page.goto(`${baseUrl}/chat/shut`);
      await expect.poll(() => page.locator("#closed").textContent()).toContain("This chat is closed");
      expect(await page.locator("#form").isHidden()).toBe(true);
      await page.screenshot({ path: `${SCREENSHOTS}/chat-page-closed-${size}.png` });
      await page.goto(`${baseUrl}/chat/no-such-shop`);
      await expect.poll(() => page.locator("#closed").textContent()).toContain("This chat does not exist");
      expect(await page.locator("#form").isHidden()).toBe(true);
      await page.close();
    }
  });

  it("lets only the channel's own sites frame the page, and takes the logo from its https address only", async () => {
    const page = await fetch(`${baseUrl}/chat/demo`);
    expect(page.headers.get("content-security-policy")).toContain(`frame-ancestors ${siteUrl}`);
    expect(page.headers.get("content-security-policy")).toContain("img-src 'self';");
    const other = await fetch(`${baseUrl}/chat/fans`);
    expect(other.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(other.headers.get("content-security-policy")).toContain(`img-src 'self' ${new URL(logoUrl).origin};`);
    await database.db.channel.updateMany({ where: { platformAccountId: "fans" }, data: { chatLogoUrl: "https://cdn.fans.example/logo.png" } });
    // The profile is cached for a few seconds.
    await expect
      .poll(async () => (await fetch(`${baseUrl}/chat/fans`)).headers.get("content-security-policy"), { timeout: 10_000 })
      .toContain("img-src 'self' https://cdn.fans.example;");
    const profile = await (await fetch(`${baseUrl}/api/webchat/fans/profile`)).json();
    expect(profile).toMatchObject({ logoUrl: "https://cdn.fans.example/logo.png", open: true });
    expect(Object.keys(profile)).not.toContain("sites");
    expect((await fetch(`${baseUrl}/api/webchat/no-such-shop/profile`)).status).toBe(404);
  });
});

describe("widget", () => {
  it("shows no bubble for a chat the business switched off", async () => {
    const { page, problems } = await openRecordedPage(browser, PHONE);
    const profile = page.waitForResponse((res) => res.url().endsWith("/api/webchat/shut/profile"));
    await page.goto(`${siteUrl}/?channel=shut`);
    expect((await (await profile).json()).open).toBe(false);
    await expect.poll(() => page.locator("button[data-parlor=bubble]").isVisible()).toBe(false);
    expect(await page.locator("iframe").count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  for (const [size, viewport] of SIZES) {
    it(`opens the chat in a bubble on the business's own site, and a message gets the agent's reply (${size})`, async () => {
      const { page, problems } = await openRecordedPage(browser, viewport);
      const hosts = new Set<string>();
      page.on("request", (request) => hosts.add(new URL(request.url()).origin));
      await page.goto(siteUrl);
      const bubble = page.locator("button[data-parlor=bubble]");
      await bubble.waitFor();
      await expect
        .poll(() => bubble.getAttribute("aria-label"))
        .toBe(`Chat with ${(await database.db.business.findUniqueOrThrow({ where: { slug: "demo" } })).name}`);
      const box = (await bubble.boundingBox())!;
      expect(box.width).toBeGreaterThanOrEqual(44);
      await page.screenshot({ path: `${SCREENSHOTS}/widget-closed-${size}.png` });
      await bubble.click();
      const chat = page.frameLocator("div[data-parlor=panel] iframe");
      await expect.poll(() => chat.locator("#status").textContent()).toBe("say hello");
      await chat.locator("#text").fill(`Hi from the website (${size})`);
      await chat.locator("#send").click();
      const reply = chat.locator(".msg.outbound").first();
      await reply.waitFor({ timeout: REPLY_TIMEOUT });
      expect((await reply.locator(".bubble").textContent())!.trim().length).toBeGreaterThan(0);
      expect(await overflows(page)).toBe(false);
      await page.screenshot({ path: `${SCREENSHOTS}/widget-open-${size}.png` });
      // The bubble closes it again.
      await bubble.click();
      await expect.poll(() => page.locator("div[data-parlor=panel]").isHidden()).toBe(true);
      expect(await bubble.getAttribute("aria-expanded")).toBe("false");
      // Only the site itself and the chat server were contacted.
      expect([...hosts].sort()).toEqual([baseUrl, siteUrl].sort());
      expect(problems).toEqual([]);
      await page.close();
    }, 180_000);
  }
});
