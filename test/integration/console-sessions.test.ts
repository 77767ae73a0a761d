import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { RedisConversationEvents } from "../../src/adapters/queue/redis-conversation-events.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { testConfig } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// The console's sign-in over real HTTP (loopback gateway, PostgreSQL, Redis): an API key exchanged
// once for a cookie that lasts, expires, is revoked with its key, and must come from this site to
// change anything. API clients keep their Bearer keys.
const redisPrefix = createTestPrefix();
// One proxy hop trusted: the test can say the request came in over HTTPS.
const config = testConfig({ QUEUE_PREFIX: redisPrefix.prefix, TRUST_PROXY: "1" });
let database: TestDatabase;
let gateway: Gateway;
let base: string;
let businessId: string;
let channelId: string;
let key: { key: string; id: string };
let otherBusinessId: string;
let redis: Redis;

beforeAll(async () => {
  database = await createTestDatabase();
  const seeded = await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "shop");
  businessId = seeded.businessId;
  channelId = (await database.db.channel.findFirstOrThrow({ where: { businessId }, select: { id: true } })).id;
  otherBusinessId = (await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "other")).businessId;
  const issued = await issueApiKey(new ApiKeyRepository(database.db), { businessId, name: "shop laptop" });
  key = { key: issued.key, id: issued.record.id };
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

const signIn = (apiKey: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/admin/session`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${apiKey}`,
      "user-agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
      ...headers,
    },
  });
const cookieOf = (res: Response) => res.headers.get("set-cookie")!.split(";")[0]!;
const get = (path: string, headers: Record<string, string>) => fetch(`${base}/api/admin${path}`, { headers });
const rename = (headers: Record<string, string>, name: string) =>
  fetch(`${base}/api/admin/businesses/${businessId}/channels/${channelId}`, {
    method: "PATCH",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ name }),
  });

describe("console sign-in: an API key exchanged once for a session cookie", () => {
  it("sets an HttpOnly, SameSite=Strict cookie for 30 days (Secure over HTTPS) and keeps only the token's hash", async () => {
    const res = await signIn(key.key);
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ keyId: key.id, businessId, owner: false });
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^parlor_session=[A-Za-z0-9_-]{43}; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Strict$/);
    const token = cookieOf(res).split("=")[1]!;
    const row = await database.db.consoleSession.findUniqueOrThrow({ where: { id: body.session.id } });
    expect(row.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.device).toBe("Chrome on Android");
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(30 * 86_400_000);

    const secure = await signIn(key.key, { "x-forwarded-proto": "https" });
    expect(secure.headers.get("set-cookie")).toContain("; Secure");
  });

  it("refuses a wrong, malformed or revoked key with 401 and no cookie", async () => {
    const revoked = await issueApiKey(new ApiKeyRepository(database.db), { businessId, name: "old" });
    await database.db.apiKey.update({ where: { id: revoked.record.id }, data: { revokedAt: new Date() } });
    for (const attempt of ["pk_nope", `${key.key.slice(0, -1)}x`, revoked.key]) {
      const res = await signIn(attempt);
      expect(res.status, attempt).toBe(401);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    expect((await fetch(`${base}/api/admin/session`, { method: "POST" })).status).toBe(401);
  });

  it("signs in every request with the cookie alone, scoped like the key, while Bearer keys keep working", async () => {
    const cookie = cookieOf(await signIn(key.key));
    const businesses = await get("/businesses", { cookie });
    expect(businesses.status).toBe(200);
    expect((await businesses.json()).items.map((b: { id: string }) => b.id)).toEqual([businessId]);
    expect((await get(`/businesses/${otherBusinessId}/channels`, { cookie })).status).toBe(404);
    const who = await (await get("/session", { cookie })).json();
    expect(who).toMatchObject({ keyId: key.id, businessId, owner: false, session: { id: expect.any(String) } });

    // API clients: the Bearer key, no cookie, no Origin needed.
    expect((await get("/businesses", { authorization: `Bearer ${key.key}` })).status).toBe(200);
    expect(await (await get("/session", { authorization: `Bearer ${key.key}` })).json()).toMatchObject({ session: null });
    expect((await rename({ authorization: `Bearer ${key.key}` }, "Chat by API")).status).toBe(200);
    // A Bearer header is what counts when both come: a wrong key is refused even with a good cookie.
    expect((await get("/businesses", { cookie, authorization: "Bearer pk_nope" })).status).toBe(401);
    // Made-up and malformed cookies are nobody.
    for (const bad of ["parlor_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "parlor_session=../x", "parlor_session="]) {
      expect((await get("/businesses", { cookie: bad })).status, bad).toBe(401);
    }
  });

  it("accepts a change made with the cookie only from this site's Origin", async () => {
    const cookie = cookieOf(await signIn(key.key));
    const noOrigin = await rename({ cookie }, "Chat A");
    expect(noOrigin.status).toBe(403);
    expect((await noOrigin.json()).error.code).toBe("CROSS_SITE_REQUEST");
    for (const origin of ["https://evil.example", "null", `${base}.evil.example`, base.replace("http:", "https:")]) {
      expect((await rename({ cookie, origin }, "Chat B")).status, origin).toBe(403);
    }
    expect((await database.db.channel.findUniqueOrThrow({ where: { id: channelId } })).name).toBe("Chat by API");
    const ok = await rename({ cookie, origin: base }, "Chat C");
    expect(ok.status).toBe(200);
    expect((await ok.json()).name).toBe("Chat C");
    // Behind the proxy, the forwarded scheme and host are the site.
    expect(
      (await rename({ cookie, origin: "https://chat.example.com", "x-forwarded-proto": "https", "x-forwarded-host": "chat.example.com" }, "Chat D"))
        .status,
    ).toBe(200);
  });

  it("ends: at its expiry, at sign-out, when revoked from the list, and all at once when the key is revoked", async () => {
    const expiring = await signIn(key.key);
    const expiringId = (await expiring.json()).session.id;
    await database.db.consoleSession.update({ where: { id: expiringId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await get("/businesses", { cookie: cookieOf(expiring) })).status).toBe(401);

    const laptop = cookieOf(await signIn(key.key));
    const phoneRes = await signIn(key.key);
    const phone = cookieOf(phoneRes);
    const phoneId = (await phoneRes.json()).session.id;
    const listed = (await (await get("/sessions", { cookie: laptop })).json()).items as Array<{ id: string; current: boolean; device: string }>;
    expect(listed.some((s) => s.id === phoneId && !s.current && s.device === "Chrome on Android")).toBe(true);
    expect(listed.some((s) => s.id === expiringId)).toBe(false);
    expect(listed.filter((s) => s.current)).toHaveLength(1);

    // The laptop signs the phone out.
    const revoke = await fetch(`${base}/api/admin/sessions/${phoneId}`, { method: "DELETE", headers: { cookie: laptop, origin: base } });
    expect(revoke.status).toBe(204);
    expect((await get("/businesses", { cookie: phone })).status).toBe(401);
    expect((await get("/businesses", { cookie: laptop })).status).toBe(200);

    // Sign-out ends this session and clears the cookie; a cross-site sign-out is refused.
    expect((await fetch(`${base}/api/admin/session`, { method: "DELETE", headers: { cookie: laptop, origin: "https://evil.example" } })).status).toBe(
      403,
    );
    const out = await fetch(`${base}/api/admin/session`, { method: "DELETE", headers: { cookie: laptop, origin: base } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(
      /^parlor_session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/,
    );
    expect((await get("/businesses", { cookie: laptop })).status).toBe(401);

    // Revoking the key ends every session it opened.
    const temporary = await issueApiKey(new ApiKeyRepository(database.db), { businessId, name: "temporary" });
    const cookies = [cookieOf(await signIn(temporary.key)), cookieOf(await signIn(temporary.key))];
    for (const cookie of cookies) expect((await get("/businesses", { cookie })).status).toBe(200);
    await database.db.apiKey.update({ where: { id: temporary.record.id }, data: { revokedAt: new Date() } });
    for (const cookie of cookies) expect((await get("/businesses", { cookie })).status).toBe(401);
  });

  it("streams the business's conversation events to the cookie alone (what EventSource sends)", async () => {
    const cookie = cookieOf(await signIn(key.key));
    const refused = await fetch(`${base}/api/admin/businesses/${businessId}/events`, { headers: { accept: "text/event-stream" } });
    expect(refused.status).toBe(401);
    const controller = new AbortController();
    const res = await fetch(`${base}/api/admin/businesses/${businessId}/events`, {
      headers: { cookie, accept: "text/event-stream" },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil("event: ready");
    new RedisConversationEvents(redis, null, redisPrefix.prefix).publish({ businessId, conversationId: "7f0c2a4e-0000-4000-8000-000000000001" });
    await readUntil('event: conversation\ndata: {"conversationId":"7f0c2a4e-0000-4000-8000-000000000001"}');
    controller.abort();
  });
});
