import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { BullTurnQueue } from "../../src/adapters/queue/turn-queue.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// bull-board in the gateway over real HTTP: owner keys only, through the console's own sign-in cookie.
const redisPrefix = createTestPrefix();
const config = testConfig({ QUEUE_PREFIX: redisPrefix.prefix });
let database: TestDatabase;
let gateway: Gateway;
let base: string;
let businessKey: string;
let ownerKey: string;
let redis: Redis;

beforeAll(async () => {
  database = await createTestDatabase();
  const seeded = await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "demo", TEST_BUSINESS_SETTINGS);
  const keys = new ApiKeyRepository(database.db);
  const business = await issueApiKey(keys, { businessId: seeded.businessId, name: "shop" });
  businessKey = business.key;
  ownerKey = (await issueApiKey(keys, { businessId: null, name: "owner" })).key;
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger: createLogger("silent", "test") });
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  redis?.disconnect();
  await gateway?.close();
  await database?.drop();
  await redisPrefix.cleanup();
});

const openSession = (authorization?: string) =>
  fetch(`${base}/api/admin/session`, { method: "POST", headers: authorization ? { authorization } : {} });
const cookieOf = (res: Response) => res.headers.get("set-cookie")!.split(";")[0]!;

describe("the queue dashboard (bull-board) at /admin/queues", () => {
  it("answers 401 without a session, whatever the path (page, API, static files)", async () => {
    for (const path of [
      "/admin/queues",
      "/admin/queues/",
      "/admin/queues/api/queues",
      "/admin/queues/queue/turns",
      "/admin/queues/static/favicon-32x32.png",
    ]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(401);
      expect((await res.json()).error.code).toBe("UNAUTHORIZED");
    }
    // A made-up or malformed cookie is no session.
    for (const cookie of ["parlor_queues=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "parlor_queues=../../etc", "parlor_queues="]) {
      expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(401);
    }
  });

  it("refuses a business key's console session (403) and a signed-out one (401)", async () => {
    for (const auth of [undefined, "Bearer pk_nope", `Bearer ${ownerKey.slice(0, -2)}xx`, ownerKey]) {
      const res = await openSession(auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    const business = cookieOf(await openSession(`Bearer ${businessKey}`));
    const res = await fetch(`${base}/admin/queues/api/queues`, { headers: { cookie: business } });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe("OWNER_ONLY");
  });

  it("lets an owner's console session in: the page, its files, its self-hosted fonts and the queues through bull-board's API", async () => {
    await new BullTurnQueue(redis, redisPrefix.prefix, createLogger("silent", "test")).enqueueTurn({
      conversationId: "c-1",
      messageId: "m-1",
      businessId: "b-1",
    });
    const res = await openSession(`Bearer ${ownerKey}`);
    expect(res.status).toBe(201);
    const cookie = cookieOf(res);
    expect(cookie).toMatch(/^parlor_session=[A-Za-z0-9_-]{43}$/);

    const page = await fetch(`${base}/admin/queues/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("Parlor queues");
    // No font (or anything else) from another host: the fonts come from the gateway.
    expect(html).not.toMatch(/https?:\/\//);
    const css = await fetch(`${base}/admin/queues/fonts/fonts.css`, { headers: { cookie } });
    expect(css.status).toBe(200);
    const fontFile = /url\(([^)]+\.woff2)\)/.exec(await css.text())![1]!;
    const font = await fetch(`${base}/admin/queues/fonts/${fontFile}`, { headers: { cookie } });
    expect(font.headers.get("content-type")).toBe("font/woff2");
    expect(
      Buffer.from(await font.arrayBuffer())
        .subarray(0, 4)
        .toString("latin1"),
    ).toBe("wOF2");
    // The UI's own files load with the same cookie.
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${base}/admin/queues/${script}`, { headers: { cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect((await fetch(`${base}/admin/queues/${script}`)).status).toBe(401);

    const api = await fetch(`${base}/admin/queues/api/queues`, { headers: { cookie } });
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> };
    expect(queues.map((q) => q.name).sort()).toEqual(["openings", "outbox", "turns"]);
    const turns = queues.find((q) => q.name === "turns")!;
    expect(turns.counts.waiting! + (turns.counts.prioritized ?? 0)).toBe(1);

    // A change through the dashboard with the cookie must come from this site.
    const cleanUrl = `${base}/admin/queues/api/queues/turns/clean/completed`;
    const crossSite = await fetch(cleanUrl, { method: "PUT", headers: { cookie, origin: "https://evil.example" } });
    expect(crossSite.status).toBe(403);
    expect((await crossSite.json()).error.code).toBe("CROSS_SITE_REQUEST");
    expect((await fetch(cleanUrl, { method: "PUT", headers: { cookie } })).status).toBe(403);
    expect((await fetch(cleanUrl, { method: "PUT", headers: { cookie, origin: base } })).status).toBe(200);

    // Signing out of the console ends the dashboard too.
    const out = await fetch(`${base}/api/admin/session`, { method: "DELETE", headers: { cookie, origin: base } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/parlor_session=;.*Expires=Thu, 01 Jan 1970/);
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(401);
  });

  it("re-checks the key on every request: a revoked owner key's session stops working", async () => {
    const keys = new ApiKeyRepository(database.db);
    const temporary = await issueApiKey(keys, { businessId: null, name: "temporary owner" });
    const cookie = cookieOf(await openSession(`Bearer ${temporary.key}`));
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(200);
    await database.db.apiKey.update({ where: { id: temporary.record.id }, data: { revokedAt: new Date() } });
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(401);
  });
});
