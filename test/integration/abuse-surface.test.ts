import { randomBytes, randomUUID } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type RunningGateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { createAdminStore } from "../../src/adapters/storage/admin/admin-store.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { FakeGraphAccounts } from "../../test-kit/fake-graph-accounts.js";
import { requestFrom } from "../../test-kit/loopback-client.js";
import { defaultWebchatLimitsEnv, testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// Issue #14 (1, 5, 6, 7): what anyone on the network can reach, through the real gateway on
// loopback (composeGateway, PostgreSQL, Redis), with the Graph API's node lookups faked.
const METRICS_TOKEN = "metrics-token-for-the-abuse-suite";
const logger = createLogger("silent", "test");
const prefix = createTestPrefix();
let database: TestDatabase;
let graph: FakeGraphAccounts;
let url: string;
const started: RunningGateway[] = [];

async function startGateway(env: Record<string, string>): Promise<{ gateway: RunningGateway; url: string }> {
  const config = testConfig({
    QUEUE_PREFIX: prefix.prefix,
    META_GRAPH_BASE_URL: graph.baseUrl,
    INSTAGRAM_GRAPH_BASE_URL: graph.baseUrl,
    CHANNEL_SECRETS_KEY: randomBytes(32).toString("base64"),
    ...env,
  });
  const g = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
  started.push(g);
  await g.app.listen({ host: "127.0.0.1", port: 0 });
  return { gateway: g, url: `http://127.0.0.1:${(g.app.server.address() as net.AddressInfo).port}` };
}

beforeAll(async () => {
  database = await createTestDatabase();
  graph = await FakeGraphAccounts.start();
  for (const slug of ["shop-x", "shop-y", "shop-z"])
    await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), slug, TEST_BUSINESS_SETTINGS);
  ({ url } = await startGateway({ ...defaultWebchatLimitsEnv(), METRICS_TOKEN, CHANNELS_PER_BUSINESS_MAX: "3" }));
});

afterAll(async () => {
  for (const g of started) await g.close();
  await graph?.close();
  await database?.drop();
  await prefix.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("operations endpoints", () => {
  it("/metrics answers 401 without the token or with a wrong one, and the figures with it", async () => {
    const none = await requestFrom("127.0.0.1", `${url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toContain("Bearer");
    expect((await requestFrom("127.0.0.1", `${url}/metrics`, { headers: { authorization: "Bearer wrong-token-of-some-length" } })).status).toBe(401);
    expect((await requestFrom("127.0.0.1", `${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
    const ok = await requestFrom("127.0.0.1", `${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/parlor_queue_jobs\{state="waiting"\} \d+/);
  });

  it("with METRICS_PORT, /metrics is served on its own listener only", async () => {
    const { gateway: g, url: publicUrl } = await startGateway({ METRICS_PORT: "0" });
    await g.metricsApp!.listen({ host: "127.0.0.1", port: 0 });
    const metricsUrl = `http://127.0.0.1:${(g.metricsApp!.server.address() as net.AddressInfo).port}`;
    expect((await requestFrom("127.0.0.1", `${publicUrl}/metrics`)).status).toBe(404);
    const res = await requestFrom("127.0.0.1", `${metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.body).toContain("parlor_replies");
    expect((await requestFrom("127.0.0.1", `${metricsUrl}/api/webchat/shop-x/messages`)).status).toBe(404);
  });
});

describe("the chat page", () => {
  it("has no inline script, cannot be framed by other sites, and is not sniffed", async () => {
    const page = await requestFrom("127.0.0.1", `${url}/chat/shop-x`);
    expect(page.status).toBe(200);
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const asset of ["chat.js", "chat.css"]) {
      const res = await requestFrom("127.0.0.1", `${url}/chat/assets/${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
    expect((await requestFrom("127.0.0.1", `${url}/chat/assets/..%2Fchat.html`)).status).toBe(404);
    const script = await requestFrom("127.0.0.1", `${url}/chat/assets/chat.js`);
    expect(script.body).not.toContain("/sessions/");
  });
});

describe("the network address is the TCP peer unless TRUST_PROXY says otherwise", () => {
  it("X-Forwarded-For from a client does not give it a new address: its limit still holds", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await requestFrom("127.0.3.1", `${url}/api/webchat/shop-y/messages`, {
        body: { sessionId: randomUUID().replaceAll("-", ""), clientMessageId: randomUUID(), text: "hi" },
        headers: { "x-forwarded-for": `198.51.100.${i}` },
      });
      statuses.push(res.status);
    }
    // 3 waiting for an answer (no worker here), then 429s.
    expect(statuses.filter((s) => s === 202)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(22);
  });
});

describe("HTTP server limits", () => {
  it("a body sent a byte at a time is cut off at HTTP_REQUEST_TIMEOUT_MS", async () => {
    const { url: slowUrl } = await startGateway({ HTTP_REQUEST_TIMEOUT_MS: "2000" });
    const socket = net.connect({ host: "127.0.0.1", port: Number(new URL(slowUrl).port) });
    await new Promise((resolve) => socket.once("connect", resolve));
    const startedAt = Date.now();
    socket.write("POST /api/webchat/shop-x/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
    const drip = setInterval(() => socket.writable && socket.write(" "), 300);
    let answer = "";
    socket.on("data", (d: Buffer) => (answer += d.toString()));
    socket.on("error", () => undefined);
    await new Promise((resolve) => socket.once("close", resolve));
    clearInterval(drip);
    const heldMs = Date.now() - startedAt;
    expect(heldMs).toBeLessThan(6000);
    expect(heldMs).toBeGreaterThanOrEqual(1500);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
  }, 20_000);

  it("connections beyond HTTP_MAX_CONNECTIONS are closed as they come", async () => {
    const { url: capUrl } = await startGateway({ HTTP_MAX_CONNECTIONS: "10" });
    const port = Number(new URL(capUrl).port);
    const sockets = await Promise.all(
      Array.from(
        { length: 15 },
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect({ host: "127.0.0.1", port });
            s.on("error", () => undefined);
            s.once("connect", () => resolve(s));
          }),
      ),
    );
    await sleep(300);
    expect(sockets.filter((s) => s.destroyed || s.readableEnded).length).toBe(5);
    for (const s of sockets) s.destroy();
  });
});

describe("channels proven before they are taken", () => {
  const admin = async (businessSlug: string) => {
    const business = await database.db.business.findUniqueOrThrow({ where: { slug: businessSlug }, select: { id: true } });
    const key = await issueApiKey(createAdminStore(database.db).apiKeys, { businessId: business.id, name: "test" });
    return (body: object) =>
      requestFrom("127.0.0.1", `${url}/api/admin/businesses/${business.id}/channels`, { body, headers: { authorization: `Bearer ${key.key}` } });
  };
  const whatsapp = (id: string, token: string) => ({ kind: "whatsapp_cloud", platformAccountId: id, credentials: { accessToken: token } });

  it("connects a WhatsApp Cloud number only when the Graph API confirms the token holds it; a taken number looks like a bad token", async () => {
    graph.grant("token-of-shop-x", { whatsapp: ["111000111"] });
    graph.grant("token-of-shop-y", { whatsapp: ["222000222"] });
    const shopX = await admin("shop-x");
    const shopY = await admin("shop-y");

    const notTheirs = await shopY(whatsapp("111000111", "token-of-shop-y"));
    const badToken = await shopY(whatsapp("111000111", "made-up-token"));
    expect(notTheirs.status).toBe(422);
    expect(JSON.parse(notTheirs.body).error.code).toBe("CHANNEL_NOT_VERIFIED");
    expect(badToken.body).toBe(notTheirs.body);
    expect(graph.lookups.at(-1)).toMatchObject({ path: "/v23.0/111000111", token: "made-up-token" });

    const mine = await shopX(whatsapp("111000111", "token-of-shop-x"));
    expect(mine.status, mine.body).toBe(201);
    // Taken now: the same answer as a bad token, whatever token comes with it.
    const taken = await shopY(whatsapp("111000111", "token-of-shop-y"));
    expect(taken.status).toBe(422);
    expect(taken.body).toBe(notTheirs.body);
    graph.grant("token-of-shop-y", { whatsapp: ["111000111"] });
    expect((await shopY(whatsapp("111000111", "token-of-shop-y"))).body).toBe(notTheirs.body);
    expect(await database.db.channel.count({ where: { platformAccountId: "111000111" } })).toBe(1);
  });

  it("connects an Instagram account only when GET /me names it for the token", async () => {
    graph.grant("ig-token", { instagram: "17841400000000077" });
    const shopY = await admin("shop-y");
    const other = await shopY({ kind: "instagram", platformAccountId: "17841400000000078", credentials: { accessToken: "ig-token" } });
    expect(other.status).toBe(422);
    const own = await shopY({ kind: "instagram", platformAccountId: "17841400000000077", credentials: { accessToken: "ig-token" } });
    expect(own.status, own.body).toBe(201);
  });

  it("answers 503 when the Graph API cannot be reached, and stores nothing", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const { url: offlineUrl } = await startGateway({ META_GRAPH_BASE_URL: `http://127.0.0.1:${closedPort}` });
    const business = await database.db.business.findUniqueOrThrow({ where: { slug: "shop-z" }, select: { id: true } });
    const key = await issueApiKey(createAdminStore(database.db).apiKeys, { businessId: business.id, name: "offline" });
    const res = await requestFrom("127.0.0.1", `${offlineUrl}/api/admin/businesses/${business.id}/channels`, {
      body: whatsapp("333000333", "any-token"),
      headers: { authorization: `Bearer ${key.key}` },
    });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe("PLATFORM_UNAVAILABLE");
    expect(await database.db.channel.count({ where: { platformAccountId: "333000333" } })).toBe(0);
  });

  it("caps a business's channels (CHANNELS_PER_BUSINESS_MAX)", async () => {
    const shopZ = await admin("shop-z");
    // shop-z has its web chat; two more, then 409.
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await shopZ({ kind: "whatsapp_web", platformAccountId: `+3460000000${i}` })).status);
    expect(statuses).toEqual([201, 201, 409, 409]);
    expect(await database.db.channel.count({ where: { business: { slug: "shop-z" } } })).toBe(3);
  });
});
