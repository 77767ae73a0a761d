import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { Pseudonyms } from "../../src/domain/secrets/pseudonyms.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelKind } from "../../src/domain/inbound-message.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { turnJobId } from "../../src/adapters/queue/queue-names.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { IG_ACCOUNT_ID, seedMetaChannels, WA_PHONE_NUMBER_ID } from "../channels/seed-meta-channels.js";
import { testConfig } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestQueues, type TestQueues } from "../../test-kit/test-queued-work.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// Meta's data-deletion callback through the real gateway (compose-gateway -> build-app), real
// PostgreSQL and Redis. Requests are signed here, as Meta does, with the test apps' secrets.
const WA_SECRET = "wa-app-secret-for-deletion-tests";
const IG_SECRET = "ig-app-secret-for-deletion-tests";
const logger = createLogger("silent", "test");
const prefix = createTestPrefix();
const PSEUDONYM_KEY = randomBytes(32).toString("base64");
const env = {
  QUEUE_PREFIX: prefix.prefix,
  PSEUDONYM_KEY,
  WHATSAPP_APP_SECRET: WA_SECRET,
  WHATSAPP_VERIFY_TOKEN: "wa",
  INSTAGRAM_APP_SECRET: IG_SECRET,
  INSTAGRAM_VERIFY_TOKEN: "ig",
};
let database: TestDatabase;
let queues: TestQueues;
let gateway: Gateway;
let channels: Awaited<ReturnType<typeof seedMetaChannels>>;

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");
function signed(payload: unknown, secret: string): string {
  const part = b64url(JSON.stringify(payload));
  return `${b64url(createHmac("sha256", secret).update(part).digest())}.${part}`;
}
const payloadFor = (userId: string) => ({
  algorithm: "HMAC-SHA256",
  expires: Math.floor(Date.now() / 1000) + 3600,
  issued_at: Math.floor(Date.now() / 1000),
  user_id: userId,
});
const callback = (app: Gateway["app"], body: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: "POST",
    url: "/meta/data-deletion",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    payload: body,
  });
const form = (signedRequest: string) => new URLSearchParams({ signed_request: signedRequest }).toString();

/** A person who wrote to a channel: contact, conversation, message, and a queued turn. */
async function wrote(kind: ChannelKind, platformAccountId: string, senderId: string) {
  const inbound = new InboundRepository(database.db);
  const channel = (await inbound.findChannel(kind, platformAccountId))!;
  const stored = await inbound.storeInbound(channel, {
    channelKind: kind,
    platformAccountId,
    platformMessageId: randomUUID(),
    senderId,
    kind: "text",
    text: "Please forget me",
    sentAt: new Date(),
  });
  await queues.turns.enqueueTurn({ conversationId: stored.conversationId, messageId: stored.messageId, businessId: stored.businessId });
  return stored;
}
const contactsOf = (platformUserId: string) =>
  database.db.contact.findMany({ where: { platformUserId }, select: { channel: { select: { kind: true } } } });
const kindsOf = async (platformUserId: string) => (await contactsOf(platformUserId)).map((c) => c.channel.kind).sort();

beforeAll(async () => {
  database = await createTestDatabase();
  channels = await seedMetaChannels(database.db);
  await database.db.channel.create({ data: { businessId: channels.businessId, kind: "webchat", platformAccountId: "deletion-chat", name: "Chat" } });
  // A second business with its own Instagram account, served by the same Meta app.
  const other = await database.db.business.create({ data: { slug: "other-shop", name: "Other" } });
  await database.db.channel.create({ data: { businessId: other.id, kind: "instagram", platformAccountId: "17841400000000001", name: "IG 2" } });
  queues = createTestQueues(logger, prefix);
  gateway = composeGateway({
    config: testConfig({ ...env, PUBLIC_BASE_URL: "https://parlor.example.com/" }),
    db: database.db,
    redisUrl: TEST_REDIS_URL,
    logger,
  });
  await gateway.app.ready();
});

afterAll(async () => {
  await gateway?.app.close();
  await gateway?.close();
  await queues?.close();
  await database?.drop();
});

describe("Meta data-deletion callback", () => {
  it("erases the user's contacts on the signing app's channels in every business, and answers {url, confirmation_code}", async () => {
    const igOne = await wrote("instagram", IG_ACCOUNT_ID, "IGUSER1");
    const igTwo = await wrote("instagram", "17841400000000001", "IGUSER1");
    await wrote("whatsapp_cloud", WA_PHONE_NUMBER_ID, "IGUSER1");
    await wrote("webchat", "deletion-chat", "IGUSER1");
    const bystander = await wrote("instagram", IG_ACCOUNT_ID, "IGUSER2");

    const res = await callback(gateway.app, form(signed(payloadFor("IGUSER1"), IG_SECRET)));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(["confirmation_code", "url"]);
    expect(body.confirmation_code).toMatch(/^[0-9A-F]{20}$/);
    expect(body.url).toBe(`https://parlor.example.com/meta/data-deletion/status?code=${body.confirmation_code}`);

    // Instagram contacts of both businesses are gone with their messages and turn jobs; the same id
    // on WhatsApp (another app's secret) and web chat is someone else's business.
    expect(await kindsOf("IGUSER1")).toEqual(["webchat", "whatsapp_cloud"]);
    expect(await database.db.message.count({ where: { conversationId: { in: [igOne.conversationId, igTwo.conversationId] } } })).toBe(0);
    expect(await queues.turns.queue.getJob(turnJobId(igOne.messageId))).toBeUndefined();
    expect(await queues.turns.queue.getJob(turnJobId(igTwo.messageId))).toBeUndefined();
    expect(await kindsOf("IGUSER2")).toEqual(["instagram"]);
    expect(await queues.turns.queue.getJob(turnJobId(bystander.messageId))).toBeDefined();
    const record = await database.db.erasureRequest.findUniqueOrThrow({ where: { confirmationCode: body.confirmation_code } });
    expect(record).toMatchObject({ source: "meta", status: "completed", erasedMessages: 2 });
    expect(JSON.stringify(record)).not.toContain("IGUSER1");

    // The status page: human-readable, no personal data; JSON for machines.
    const page = await gateway.app.inject({ url: `/meta/data-deletion/status?code=${body.confirmation_code}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain(body.confirmation_code);
    expect(page.body).toContain("Completed on");
    expect(page.body).toContain("2 messages were deleted");
    expect(page.body).not.toContain("IGUSER1");
    const json = await gateway.app.inject({
      url: `/meta/data-deletion/status?code=${body.confirmation_code}`,
      headers: { accept: "application/json" },
    });
    expect(json.json()).toMatchObject({
      confirmation_code: body.confirmation_code,
      status: "completed",
      erased_messages: 2,
      completed_at: expect.any(String),
    });
  });

  it("signed with the WhatsApp app's secret: erases the WhatsApp contact", async () => {
    const res = await callback(gateway.app, form(signed(payloadFor("IGUSER1"), WA_SECRET)));
    expect(res.statusCode, res.body).toBe(200);
    expect(await kindsOf("IGUSER1")).toEqual(["webchat"]);
  });

  it("the same signed request again gets the same confirmation code, and erases nothing twice", async () => {
    await wrote("instagram", IG_ACCOUNT_ID, "IGUSER4");
    const request = form(signed(payloadFor("IGUSER4"), IG_SECRET));
    const first = await callback(gateway.app, request);
    expect(first.statusCode, first.body).toBe(200);
    const requests = await database.db.erasureRequest.count();
    await wrote("instagram", IG_ACCOUNT_ID, "IGUSER4");
    const again = await callback(gateway.app, request);
    expect(again.statusCode).toBe(200);
    expect(again.json().confirmation_code).toBe(first.json().confirmation_code);
    expect(await database.db.erasureRequest.count()).toBe(requests);
    // What the person wrote after the first request is theirs to ask about again: the replay did not erase it.
    expect(await kindsOf("IGUSER4")).toEqual(["instagram"]);
  });

  it("keeps an HMAC of the subject under PSEUDONYM_KEY, never the reversible SHA-256", async () => {
    const res = await callback(gateway.app, form(signed(payloadFor("IGUSER5"), IG_SECRET)));
    const record = await database.db.erasureRequest.findUniqueOrThrow({ where: { confirmationCode: res.json().confirmation_code } });
    expect(record.subjectHash).toBe(Pseudonyms.fromKey(PSEUDONYM_KEY).of("erasure-subject", "instagram:IGUSER5"));
    expect(record.subjectHash).not.toBe(createHash("sha256").update("instagram:IGUSER5").digest("hex"));
  });

  it("an unknown user still gets a confirmation code: a completed erasure of nothing", async () => {
    const res = await callback(gateway.app, form(signed(payloadFor("NOBODY"), IG_SECRET)));
    expect(res.statusCode).toBe(200);
    const code = res.json().confirmation_code;
    expect(await database.db.erasureRequest.findUniqueOrThrow({ where: { confirmationCode: code } })).toMatchObject({
      status: "completed",
      erasedMessages: 0,
    });
    const page = await gateway.app.inject({ url: `/meta/data-deletion/status?code=${code}` });
    expect(page.body).toContain("nothing to delete");
  });

  describe("bad input: refused with a clear error, nothing erased, nothing recorded", () => {
    const cases: Array<[string, () => { body: string; headers?: Record<string, string> }, number, string]> = [
      ["an empty form", () => ({ body: "" }), 400, "SIGNED_REQUEST_MISSING"],
      ["a form without signed_request", () => ({ body: "user_id=IGUSER3" }), 400, "SIGNED_REQUEST_MISSING"],
      ["a malformed signed_request", () => ({ body: form("not-a-signed-request") }), 400, "SIGNED_REQUEST_MALFORMED"],
      ["an unsigned request", () => ({ body: form(`.${b64url(JSON.stringify(payloadFor("IGUSER3")))}`) }), 401, "SIGNATURE_MISSING"],
      ["a request signed with another secret", () => ({ body: form(signed(payloadFor("IGUSER3"), "not-our-secret")) }), 401, "BAD_SIGNATURE"],
      [
        "a payload changed after signing",
        () => ({ body: form(`${signed(payloadFor("SOMEONE"), IG_SECRET).split(".")[0]}.${b64url(JSON.stringify(payloadFor("IGUSER3")))}`) }),
        401,
        "BAD_SIGNATURE",
      ],
      [
        "another algorithm",
        () => ({ body: form(signed({ ...payloadFor("IGUSER3"), algorithm: "HMAC-SHA1" }, IG_SECRET)) }),
        400,
        "UNSUPPORTED_ALGORITHM",
      ],
      ["no user id", () => ({ body: form(signed({ algorithm: "HMAC-SHA256", issued_at: 1 }, IG_SECRET)) }), 400, "USER_ID_MISSING"],
      ["no issued_at", () => ({ body: form(signed({ algorithm: "HMAC-SHA256", user_id: "IGUSER3" }, IG_SECRET)) }), 400, "ISSUED_AT_MISSING"],
      [
        "a request issued two hours ago (a replay of an old one)",
        () => ({ body: form(signed({ ...payloadFor("IGUSER3"), issued_at: Math.floor(Date.now() / 1000) - 7200 }, IG_SECRET)) }),
        400,
        "SIGNED_REQUEST_EXPIRED",
      ],
      [
        "a request issued tomorrow",
        () => ({ body: form(signed({ ...payloadFor("IGUSER3"), issued_at: Math.floor(Date.now() / 1000) + 86_400 }, IG_SECRET)) }),
        400,
        "SIGNED_REQUEST_EXPIRED",
      ],
      [
        "a body over 16 KiB",
        () => ({ body: `${form(signed(payloadFor("IGUSER3"), IG_SECRET))}&pad=${"x".repeat(17_000)}` }),
        413,
        "FST_ERR_CTP_BODY_TOO_LARGE",
      ],
      [
        "plain text instead of a form (no signed_request field)",
        () => ({ body: signed(payloadFor("IGUSER3"), IG_SECRET), headers: { "content-type": "text/plain" } }),
        400,
        "SIGNED_REQUEST_MISSING",
      ],
      ["an unknown content type", () => ({ body: "x", headers: { "content-type": "application/xml" } }), 415, "FST_ERR_CTP_INVALID_MEDIA_TYPE"],
    ];
    it.each(cases)("%s", async (_what, make, status, code) => {
      await wrote("instagram", IG_ACCOUNT_ID, "IGUSER3");
      const requests = await database.db.erasureRequest.count();
      const { body, headers } = make();
      const res = await callback(gateway.app, body, headers);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error).toMatchObject({ code, message: expect.any(String) });
      expect(await kindsOf("IGUSER3")).toEqual(["instagram"]);
      expect(await database.db.erasureRequest.count()).toBe(requests);
    });
  });

  it("the status page refuses a missing or malformed code and says so for an unknown one", async () => {
    expect((await gateway.app.inject({ url: "/meta/data-deletion/status" })).statusCode).toBe(400);
    expect((await gateway.app.inject({ url: "/meta/data-deletion/status?code=%3Cscript%3E" })).statusCode).toBe(400);
    const unknown = await gateway.app.inject({ url: "/meta/data-deletion/status?code=ABCDEF0123456789ABCD" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain("no data deletion request with this confirmation code");
  });

  it("builds the status link from the request's forwarded host without PUBLIC_BASE_URL, and is not served without a Meta app secret", async () => {
    // Behind a proxy the operator trusts (TRUST_PROXY): its X-Forwarded-Proto counts.
    const fromRequest = composeGateway({ config: testConfig({ ...env, TRUST_PROXY: "true" }), db: database.db, redisUrl: TEST_REDIS_URL, logger });
    const withoutMeta = composeGateway({ config: testConfig({ QUEUE_PREFIX: prefix.prefix }), db: database.db, redisUrl: TEST_REDIS_URL, logger });
    // TRUST_PROXY off (the default): anyone can send X-Forwarded-* headers, so they count for nothing.
    const untrusting = composeGateway({ config: testConfig(env), db: database.db, redisUrl: TEST_REDIS_URL, logger });
    try {
      const direct = await callback(untrusting.app, form(signed(payloadFor("NOBODY-2"), WA_SECRET)), {
        host: "gw.example.org:8443",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "evil.example",
      });
      expect(direct.json().url).toBe(`http://gw.example.org:8443/meta/data-deletion/status?code=${direct.json().confirmation_code}`);
      const res = await callback(fromRequest.app, form(signed(payloadFor("NOBODY"), WA_SECRET)), {
        host: "gw.example.org:8443",
        "x-forwarded-proto": "https",
      });
      expect(res.json().url).toBe(`https://gw.example.org:8443/meta/data-deletion/status?code=${res.json().confirmation_code}`);
      expect((await callback(withoutMeta.app, form(signed(payloadFor("NOBODY"), WA_SECRET)))).statusCode).toBe(404);
    } finally {
      await fromRequest.close();
      await withoutMeta.close();
      await untrusting.close();
    }
  });
});
