import { randomBytes, randomUUID } from "node:crypto";
import type { Browser, BrowserContext, CDPSession } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { hostWhatsappWebChannels } from "../../src/main/host-whatsapp-web.js";
import { FakeWwebClient } from "../channels/fake-wweb-client.js";
import { FakeGraphAccounts } from "../../test-kit/fake-graph-accounts.js";
import { FakePushService, type ReceivedPush } from "../../test-kit/fake-push-service.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { launchTestBrowser, SCREENSHOTS, signInToConsole } from "../../test-kit/test-browser.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The owner's console in a real browser against the real gateway, worker, queue and database:
// sign in once and stay signed in (a new tab too), get a push notification for a new handoff
// through the console's service worker, and add, rename and remove a web chat channel. No page
// asks any host but the gateway for anything.
//
// The push path is real from the worker to the service worker but for one step: Chromium's own
// push service is Google's (FCM), which this closed network cannot reach, so PushManager.subscribe
// is answered in the page with a subscription of a loopback push service (FakePushService). The
// worker encrypts and signs the alert with web-push and POSTs it there; the service decrypts it as
// a browser would and hands the payload to Chromium's push event (DevTools' deliverPushMessage,
// what DevTools' "Push" button does); the console's service worker shows the notification.
let pipeline: TestPipeline;
let push: FakePushService;
let graph: FakeGraphAccounts;
let phones: Awaited<ReturnType<typeof hostWhatsappWebChannels>>;
/** WhatsApp's side of each linked phone, by channel id. */
const wweb = new Map<string, FakeWwebClient>();
let browser: Browser;
let key: string;
let ownerKey: string;
let businessId: string;

beforeAll(async () => {
  push = await FakePushService.start();
  graph = await FakeGraphAccounts.start();
  pipeline = await startTestPipeline({
    env: { CHANNEL_SECRETS_KEY: randomBytes(32).toString("base64"), META_GRAPH_BASE_URL: graph.baseUrl, INSTAGRAM_GRAPH_BASE_URL: graph.baseUrl },
    settings: { replyMaxTokens: 12 },
    businesses: { sunrise: "support-bakery" },
    pushAgent: push.agent,
  });
  businessId = (await pipeline.database.db.business.findUniqueOrThrow({ where: { slug: "sunrise" } })).id;
  const keys = new ApiKeyRepository(pipeline.database.db);
  key = (await issueApiKey(keys, { businessId, name: "shop phone" })).key;
  ownerKey = (await issueApiKey(keys, { businessId: null, name: "owner" })).key;
  // The worker's WhatsApp Web host, with WhatsApp's side faked per phone.
  phones = await hostWhatsappWebChannels({
    config: pipeline.config,
    db: pipeline.database.db,
    redisUrl: TEST_REDIS_URL,
    logger: createLogger("silent", "test"),
    print: () => undefined,
    createClient: (options) => {
      const client = new FakeWwebClient();
      wweb.set(options.clientId, client);
      return client;
    },
    rescanMs: 200,
  });
  browser = await launchTestBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await phones?.stop();
  await pipeline?.close();
  await push?.close();
  await graph?.close();
});

/** A browser profile (cookies, service workers) that records every request its pages and workers make. */
async function newProfile(): Promise<{ context: BrowserContext; requests: string[]; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.grantPermissions(["notifications"], { origin: pipeline.baseUrl });
  const requests: string[] = [];
  const problems: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  context.on("page", (page) => {
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  });
  return { context, requests, problems };
}

/** Every request went to the gateway (or stayed in the page: data:, blob:). */
function offSite(requests: string[]): string[] {
  return requests.filter((url) => /^(https?|wss?):/.test(url) && !url.startsWith(`${pipeline.baseUrl}/`));
}

async function customerSays(text: string): Promise<string> {
  const res = await fetch(`${pipeline.baseUrl}/api/webchat/sunrise/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionId: randomUUID().replaceAll("-", ""), clientMessageId: randomUUID(), text }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { messageId: string }).messageId;
}

/**
 * Chromium's push event for the console's service worker, with this payload, until `shown` says
 * the notification is there. DevTools' delivery is dropped now and then on a loaded machine (the
 * worker being started as it arrives); a real push service redelivers what was not acknowledged,
 * and a repeat here only replaces the notification (same tag).
 */
async function deliverToServiceWorker(
  cdp: CDPSession,
  registrationId: () => string | undefined,
  payload: string,
  shown: () => Promise<boolean>,
): Promise<void> {
  await expect.poll(registrationId, { timeout: 10_000 }).toBeTruthy();
  for (let attempt = 1; ; attempt++) {
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: pipeline.baseUrl, registrationId: registrationId()!, data: payload });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (await shown()) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (attempt === 3) throw new Error("the service worker showed no notification after three pushes");
  }
}

describe("console: sign in once, alerts, channels", () => {
  it("stays signed in across tabs, until signing out", async () => {
    const { context, requests, problems } = await newProfile();
    const first = await context.newPage();
    await signInToConsole(first, pipeline.baseUrl, key, "#/inbox");
    // The key is nowhere the page's scripts can read; the cookie is HttpOnly.
    const stored = await first.evaluate(() =>
      JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }),
    );
    expect(stored).not.toContain("pk_");
    expect(await first.evaluate(() => document.cookie)).toBe("");
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: "parlor_session", httpOnly: true, sameSite: "Strict", path: "/" });
    expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(29 * 86_400_000);

    // A new tab (a later visit on a phone): straight into the console, no key asked.
    const second = await context.newPage();
    await second.goto(`${pipeline.baseUrl}/console#/channels`);
    await second.locator("#shell").waitFor();
    await second.locator("#channel-list li").first().waitFor();
    expect(await second.locator("#login").isHidden()).toBe(true);
    await second.screenshot({ path: `${SCREENSHOTS}/console-new-tab-signed-in-phone.png` });

    // Signing out in one tab ends it for the others.
    await second.click("#logout");
    await second.locator("#login-form").waitFor();
    expect(await context.cookies()).toEqual([]);
    await first.locator("#login-error", { hasText: "You logged out in another tab." }).waitFor();
    await first.reload();
    await first.locator("#login-form").waitFor();
    expect(offSite(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it("turns alerts on, and a new handoff reaches the service worker as a notification; the tab title counts it", async () => {
    const { context, requests, problems } = await newProfile();
    const device = push.newSubscription();
    // Chromium's PushManager.subscribe would ask Google's push service: it gets the loopback one's subscription.
    await context.addInitScript(
      (sub) => {
        let current: PushSubscription | null = null;
        const fake = {
          endpoint: sub.endpoint,
          toJSON: () => ({ endpoint: sub.endpoint, keys: sub.keys }),
          unsubscribe: async () => ((current = null), true),
        };
        PushManager.prototype.subscribe = async function () {
          current = fake as unknown as PushSubscription;
          return current;
        };
        PushManager.prototype.getSubscription = async function () {
          return current;
        };
      },
      { endpoint: device.endpoint, keys: device.keys },
    );
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    let registration: string | undefined;
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      for (const r of registrations) if (r.scopeURL === `${pipeline.baseUrl}/console/` && !r.isDeleted) registration = r.registrationId;
    });
    await cdp.send("ServiceWorker.enable");
    await signInToConsole(page, pipeline.baseUrl, key, "#/alerts");
    await page.locator("#alerts-status", { hasText: "Alerts are off" }).waitFor();
    await page.click("#alerts-on");
    await page.locator("#alerts-status", { hasText: "Alerts are on" }).waitFor();
    expect(await pipeline.database.db.pushSubscription.count()).toBe(1);
    await page.locator("#sessions li", { hasText: "this browser" }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/console-alerts-phone.png`, fullPage: true });
    expect(await page.title()).toBe("Parlor console");

    // A customer asks for a refund: the worker hands off and pushes.
    const pushed = new Promise<ReceivedPush>((resolve) => push.onPush((p) => p.subscriptionId === device.id && resolve(p)));
    await customerSays("I want a refund for my cake, call me on +34 600 111 222");
    const received = await pushed;
    const alert = JSON.parse(received.payload) as { kind: string; title: string; body: string; conversationId: string; url: string };
    expect(alert).toMatchObject({ kind: "handoff", title: "Sunrise Bakery: a customer needs you", url: `/console/#/inbox/${alert.conversationId}` });
    expect(alert.body).toContain("I want a refund for my cake");
    // No phone number in what a notification shows.
    expect(received.payload).not.toMatch(/600|111 222/);

    const shown = async () =>
      page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          tag: n.tag,
          url: (n.data as { url: string }).url,
        })),
      );
    await deliverToServiceWorker(
      cdp,
      () => registration,
      received.payload,
      async () => (await shown()).length > 0,
    );
    expect(await shown()).toEqual([{ title: alert.title, body: alert.body, tag: alert.conversationId, url: alert.url }]);
    // The tab's title counts what waits for a person.
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe("(1) Parlor console");

    // The customer writes again while the agent is paused for them: "waiting for you", once.
    const conversation = await pipeline.database.db.conversation.findUniqueOrThrow({
      where: { id: alert.conversationId },
      include: { contact: true },
    });
    const waiting = new Promise<ReceivedPush>((resolve) =>
      push.onPush((p) => p.subscriptionId === device.id && JSON.parse(p.payload).kind === "waiting" && resolve(p)),
    );
    const res = await fetch(`${pipeline.baseUrl}/api/webchat/sunrise/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sessionId: conversation.contact.platformUserId, clientMessageId: randomUUID(), text: "Hello? Anyone there?" }),
    });
    expect(res.status).toBe(202);
    const second = JSON.parse((await waiting).payload) as { title: string; body: string; conversationId: string };
    expect(second).toMatchObject({ title: "Sunrise Bakery: a customer is waiting for you", conversationId: alert.conversationId });
    expect(second.body).toContain("Hello? Anyone there?");
    await deliverToServiceWorker(
      cdp,
      () => registration,
      (await waiting).payload,
      async () => (await shown()).some((n) => n.title === second.title),
    );
    // One notification per conversation: the newer one replaced the handoff's.
    expect((await shown()).map((n) => n.title)).toEqual([second.title]);

    // Installable: the manifest and its icons (drawn PNGs) load.
    const manifest = await page.evaluate(async () => (await fetch((document.querySelector('link[rel="manifest"]') as HTMLLinkElement).href)).json());
    expect(manifest).toMatchObject({ start_url: "/console/#/inbox", scope: "/console/", display: "standalone" });
    for (const icon of manifest.icons as Array<{ src: string; sizes: string }>) {
      const size = await page.evaluate(async (src) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        return `${img.naturalWidth}x${img.naturalHeight}`;
      }, icon.src);
      expect(size).toBe(icon.sizes);
    }
    expect(offSite(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("adds, renames and removes a web chat channel", async () => {
    const { context, requests, problems } = await newProfile();
    const page = await context.newPage();
    await signInToConsole(page, pipeline.baseUrl, key, "#/channels");
    await page.locator("#channel-list li").first().waitFor();
    await page.selectOption("#new-channel-kind", { label: "Web chat" });
    await page.fill("#new-channel-name", "Website chat");
    await page.fill("#new-channel-account", "sunrise-site");
    await page.click("#new-channel-submit");
    const card = page.locator("#channel-list li", { hasText: "Website chat" });
    await card.waitFor();
    await card.locator("a", { hasText: "/chat/sunrise-site" }).waitFor();
    const channel = await pipeline.database.db.channel.findFirstOrThrow({ where: { businessId, platformAccountId: "sunrise-site" } });
    expect(channel).toMatchObject({ kind: "webchat", name: "Website chat", enabled: true });

    // The same address again: a plain answer, nothing added.
    await page.fill("#new-channel-account", "sunrise-site");
    await page.click("#new-channel-submit");
    await page.locator("#new-channel-error", { hasText: "used by another channel" }).waitFor();
    expect(await pipeline.database.db.channel.count({ where: { businessId } })).toBe(2);
    await page.screenshot({ path: `${SCREENSHOTS}/console-channels-add-phone.png`, fullPage: true });

    await card.locator(".rename-channel").click();
    await card.locator(".channel-name-input").fill("Shop site chat");
    await card.locator("button", { hasText: "Save name" }).click();
    const renamed = page.locator(`#channel-list li[data-channel-id="${channel.id}"]`, { hasText: "Shop site chat" });
    await renamed.waitFor();
    expect((await pipeline.database.db.channel.findUniqueOrThrow({ where: { id: channel.id } })).name).toBe("Shop site chat");

    await renamed.locator(".remove-channel").click();
    await renamed.locator(".confirm-remove").click();
    await page.locator(`#channel-list li[data-channel-id="${channel.id}"]`).waitFor({ state: "detached" });
    expect(await pipeline.database.db.channel.findUnique({ where: { id: channel.id } })).toBeNull();

    // The other pages a browser opens here ask nothing of another host either.
    for (const url of ["/chat/sunrise", "/api/admin/docs"]) {
      await page.goto(`${pipeline.baseUrl}${url}`, { waitUntil: "networkidle" });
    }
    expect(requests.some((url) => url.includes("/chat/assets/"))).toBe(true);
    expect(offSite(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it("links a WhatsApp phone with the QR code shown live, and adds a WhatsApp Business API number only with a token Meta confirms", async () => {
    const { context, requests, problems } = await newProfile();
    const page = await context.newPage();
    await signInToConsole(page, pipeline.baseUrl, key, "#/channels");
    await page.locator("#channel-list li").first().waitFor();
    await page.selectOption("#new-channel-kind", { label: "WhatsApp (your phone)" });
    await page.fill("#new-channel-name", "Shop phone");
    await page.fill("#new-channel-account", "+34 600 111 333");
    await page.click("#new-channel-submit");
    const card = page.locator("#channel-list li", { hasText: "Shop phone" });
    await card.waitFor();
    const channel = await pipeline.database.db.channel.findFirstOrThrow({ where: { businessId, kind: "whatsapp_web" } });
    expect(channel.platformAccountId).toBe("+34600111333");
    // The worker starts the session; WhatsApp shows a code to scan; the card shows it without a reload.
    await expect.poll(() => wweb.get(channel.id)?.calls.includes("initialize") ?? false, { timeout: 10_000 }).toBe(true);
    wweb.get(channel.id)!.emit("qr", "2@console-added-phone");
    const qr = card.locator("img.qr-code");
    await qr.waitFor({ timeout: 15_000 });
    expect(await qr.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/console-channels-new-phone-qr.png`, fullPage: true });
    wweb.get(channel.id)!.emit("ready");
    await card.locator(".badge", { hasText: "connected" }).waitFor({ timeout: 15_000 });

    // WhatsApp Business API: a token Meta does not confirm is refused plainly; a confirmed one is added.
    await page.selectOption("#new-channel-kind", { label: "WhatsApp Business API" });
    await page.fill("#new-channel-account", "106540352242922");
    await page.fill("#new-channel-token", "EAAG-not-this-one");
    await page.click("#new-channel-submit");
    await page.locator("#new-channel-error", { hasText: "Meta did not confirm" }).waitFor();
    graph.grant("EAAG-the-right-token", { whatsapp: ["106540352242922"] });
    await page.fill("#new-channel-token", "EAAG-the-right-token");
    await page.click("#new-channel-submit");
    await page.locator("#channel-list li", { hasText: "106540352242922" }).waitFor();
    expect(await pipeline.database.db.channel.count({ where: { businessId, kind: "whatsapp_cloud", platformAccountId: "106540352242922" } })).toBe(1);
    expect(graph.lookups.map((l) => l.token)).toEqual(["EAAG-not-this-one", "EAAG-the-right-token"]);

    // Removing the phone stops its session.
    await card.locator(".remove-channel").click();
    await card.locator(".confirm-remove").click();
    await expect.poll(() => wweb.get(channel.id)!.calls.includes("destroy"), { timeout: 10_000 }).toBe(true);
    expect(offSite(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it("opens the queue dashboard for an owner with the same sign-in, its fonts from the gateway", async () => {
    const { context, requests } = await newProfile();
    const page = await context.newPage();
    await signInToConsole(page, pipeline.baseUrl, ownerKey, "#/channels");
    await page.locator("#queues-link").waitFor({ state: "visible" });
    await page.click("#queues-link");
    await page.waitForURL(`${pipeline.baseUrl}/admin/queues/`);
    await page.getByText("turns").first().waitFor();
    await expect.poll(() => page.evaluate(() => document.fonts.check("16px 'IBM Plex Sans'")), { timeout: 10_000 }).toBe(true);
    expect(requests.some((url) => url.includes("/admin/queues/fonts/"))).toBe(true);
    expect(offSite(requests)).toEqual([]);
    await context.close();
  }, 60_000);
});
