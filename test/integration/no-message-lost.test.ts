import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/dev/free-port.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { BullTurnQueue } from "../../src/adapters/queue/turn-queue.js";
import { createDb } from "../../src/adapters/storage/create-db.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { INSTAGRAM_APP, signedPost, WHATSAPP_APP } from "../channels/meta-test-app.js";
import { seedMetaChannels } from "../channels/seed-meta-channels.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";
import { postWholeThenRead } from "../../test-kit/write-then-read-client.js";

// Issue #13: no customer message lost, or refused for the wrong reason. The real gateway
// (composeGateway: batched ingest, PostgreSQL, BullMQ), listening on loopback where it matters.
const redisPrefix = createTestPrefix();
const config = testConfig({
  QUEUE_PREFIX: redisPrefix.prefix,
  WHATSAPP_APP_SECRET: WHATSAPP_APP.appSecret,
  WHATSAPP_VERIFY_TOKEN: WHATSAPP_APP.verifyToken,
  INSTAGRAM_APP_SECRET: INSTAGRAM_APP.appSecret,
  INSTAGRAM_VERIFY_TOKEN: INSTAGRAM_APP.verifyToken,
});
const logger = createLogger("silent", "test");
const redis = createRedis(TEST_REDIS_URL, "producer");
let database: TestDatabase;
let gateway: Gateway;
let queue: BullTurnQueue;
let port: number;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedMetaChannels(database.db);
  await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "demo", TEST_BUSINESS_SETTINGS);
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  port = (gateway.app.server.address() as { port: number }).port;
  queue = new BullTurnQueue(redis, redisPrefix.prefix, logger);
});

afterAll(async () => {
  await gateway?.close();
  await queue?.close();
  redis.disconnect();
  await database?.drop();
  await redisPrefix.cleanup();
});

async function jobCount(): Promise<number> {
  const counts = await queue.queue.getJobCounts("waiting", "delayed", "active", "completed", "failed", "prioritized");
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
const rowsWith = (platformMessageId: string) => database.db.message.count({ where: { platformMessageId } });

/** The WhatsApp text fixture as one message with this id, sender and timestamp. */
function whatsappText(id: string, options: { from?: string; timestamp?: string } = {}): string {
  const p = JSON.parse(readFileSync("test/fixtures/meta/whatsapp-text.json", "utf8"));
  const value = p.entry[0].changes[0].value;
  Object.assign(value.messages[0], {
    id,
    ...(options.from ? { from: options.from } : {}),
    ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
  });
  if (options.from) value.contacts[0].wa_id = options.from;
  return JSON.stringify(p);
}

describe("WhatsApp Cloud messages with odd timestamps", () => {
  it("stores a message timed in milliseconds and one timed '1', answers 200, queues each once", async () => {
    const jobs = await jobCount();
    const before = Date.now();
    const ms = await gateway.app.inject(
      signedPost("/webhooks/whatsapp", whatsappText("wamid.ms-time", { from: "15550000001", timestamp: "1749416383519" })),
    );
    const one = await gateway.app.inject(signedPost("/webhooks/whatsapp", whatsappText("wamid.one-time", { from: "15550000002", timestamp: "1" })));
    expect([ms.statusCode, one.statusCode]).toEqual([200, 200]);
    expect([ms.json(), one.json()]).toEqual([{ received: 1 }, { received: 1 }]);
    expect([await rowsWith("wamid.ms-time"), await rowsWith("wamid.one-time")]).toEqual([1, 1]);
    expect(await jobCount()).toBe(jobs + 2);
    // The conversation is dated by the platform's time when it is one, else by when it arrived.
    const dated = async (sender: string) =>
      (await database.db.conversation.findFirstOrThrow({ where: { contact: { platformUserId: sender } } })).lastMessageAt.getTime();
    expect(await dated("15550000001")).toBe(1749416383519);
    expect(await dated("15550000002")).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe("a message that could not be stored", () => {
  it("answers 500 when PostgreSQL refuses one message, stores the rest, and stores it once when Meta redelivers", async () => {
    // A fault inside PostgreSQL for this one message id: neither the batch statement nor the one-by-one path can store it.
    await database.db.$executeRawUnsafe(`
      create function refuse_message() returns trigger language plpgsql as $$
      begin
        if new."platformMessageId" = 'wamid.refused' then raise exception 'refused for the test'; end if;
        return new;
      end $$`);
    await database.db.$executeRawUnsafe(`create trigger refuse_message before insert on "Message" for each row execute function refuse_message()`);
    const payload = JSON.parse(whatsappText("wamid.refused", { from: "15550000003" }));
    const messages = payload.entry[0].changes[0].value.messages;
    messages.push({ ...messages[0], id: "wamid.beside-refused" });
    const body = JSON.stringify(payload);
    const jobs = await jobCount();
    try {
      const res = await gateway.app.inject(signedPost("/webhooks/whatsapp", body));
      expect(res.statusCode).toBe(500);
      expect(res.json().error.code).toBe("STORE_FAILED");
      expect([await rowsWith("wamid.refused"), await rowsWith("wamid.beside-refused")]).toEqual([0, 1]);
    } finally {
      await database.db.$executeRawUnsafe(`drop trigger refuse_message on "Message"`);
    }
    // Meta redelivers the same payload: the refused message is stored now, the other is not stored twice.
    for (let i = 0; i < 2; i++) expect((await gateway.app.inject(signedPost("/webhooks/whatsapp", body))).statusCode).toBe(200);
    expect([await rowsWith("wamid.refused"), await rowsWith("wamid.beside-refused")]).toEqual([1, 1]);
    expect(await jobCount()).toBe(jobs + 2);
  });

  it("answers 503 when PostgreSQL is unreachable, and the redelivery is stored once", async () => {
    const deadDb = createDb(`postgresql://root@127.0.0.1:${await freePort()}/nothing`);
    const noDb = composeGateway({ config, db: deadDb, redisUrl: TEST_REDIS_URL, logger });
    const body = whatsappText("wamid.while-db-down", { from: "15550000004" });
    try {
      const res = await noDb.app.inject(signedPost("/webhooks/whatsapp", body));
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe("DATABASE_UNAVAILABLE");
    } finally {
      await noDb.close();
      await deadDb.$disconnect();
    }
    expect(await rowsWith("wamid.while-db-down")).toBe(0);
    for (let i = 0; i < 2; i++) expect((await gateway.app.inject(signedPost("/webhooks/whatsapp", body))).statusCode).toBe(200);
    expect(await rowsWith("wamid.while-db-down")).toBe(1);
  });
});

describe("web chat sessions", () => {
  const post = (body: object) => gateway.app.inject({ method: "POST", url: "/api/webchat/demo/messages", payload: body });
  const sessionId = () => randomUUID().replaceAll("-", "");

  it("stores and queues two visitors' messages that reuse one client message id; a repeat within a session is a duplicate", async () => {
    const jobs = await jobCount();
    const clientMessageId = "1";
    const [alice, bob] = [sessionId(), sessionId()];
    const first = await post({ sessionId: alice, clientMessageId, text: "Do you have rye bread?" });
    const second = await post({ sessionId: bob, clientMessageId, text: "Are you open on Sunday?" });
    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect(first.json().messageId).not.toBe(second.json().messageId);
    const stored = await database.db.message.findMany({
      where: { id: { in: [first.json().messageId, second.json().messageId] } },
      orderBy: { seq: "asc" },
    });
    expect(stored.map((m) => m.text)).toEqual(["Do you have rye bread?", "Are you open on Sunday?"]);
    expect(await jobCount()).toBe(jobs + 2);

    const again = await post({ sessionId: alice, clientMessageId, text: "Do you have rye bread?" });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, messageId: first.json().messageId });
    expect(await jobCount()).toBe(jobs + 2);
  });

  it("counts length as a person does: 2,001 emoji are 2,001 characters, within the 4,000 limit; 4,001 are refused", async () => {
    const ok = await post({ sessionId: sessionId(), clientMessageId: randomUUID(), text: "😀".repeat(2001) });
    expect(ok.statusCode).toBe(202);
    const row = await database.db.message.findUniqueOrThrow({ where: { id: ok.json().messageId } });
    expect([...row.text]).toHaveLength(2001);
    // 4,000 emoji written as JSON escapes (12 bytes each) still fit the request body limit.
    const escaped = JSON.stringify({ sessionId: sessionId(), clientMessageId: randomUUID(), text: "😀".repeat(4000) }).replaceAll(
      "😀",
      "\\ud83d\\ude00",
    );
    const full = await gateway.app.inject({
      method: "POST",
      url: "/api/webchat/demo/messages",
      headers: { "content-type": "application/json" },
      payload: escaped,
    });
    expect(full.statusCode).toBe(202);
    const over = await post({ sessionId: sessionId(), clientMessageId: randomUUID(), text: "😀".repeat(4001) });
    expect(over.statusCode).toBe(413);
    expect(over.json().error).toEqual({ code: "TEXT_TOO_LONG", message: "text is 4001 characters; the limit is 4000" });
  });

  it("keeps a visitor's name of 80 emoji, and one with control characters cleaned (PostgreSQL refuses NUL)", async () => {
    for (const [name, kept] of [
      ["😀".repeat(80), "😀".repeat(80)],
      ["Ana\u0000 María\n", "Ana María"],
    ] as const) {
      const visitor = sessionId();
      const res = await post({ sessionId: visitor, clientMessageId: randomUUID(), text: "Hi", name });
      expect(res.statusCode).toBe(202);
      expect((await database.db.contact.findFirstOrThrow({ where: { platformUserId: visitor } })).displayName).toBe(kept);
    }
    expect((await post({ sessionId: sessionId(), clientMessageId: randomUUID(), text: "Hi", name: "😀".repeat(81) })).statusCode).toBe(400);
  });

  it("keeps deduplicating messages stored before the per-session keys, once the migration rewrote them", async () => {
    const old = await createTestDatabase();
    const oldGateway = composeGateway({ config, db: old.db, redisUrl: TEST_REDIS_URL, logger });
    try {
      await seedBusiness(old.db, await loadPersonaTemplate("support-bakery"), "demo", TEST_BUSINESS_SETTINGS);
      const channel = await old.db.channel.findFirstOrThrow({ where: { kind: "webchat", platformAccountId: "demo" } });
      // Stored as the code before this change stored it: the client's id alone.
      const [visitor, clientMessageId] = [sessionId(), randomUUID()];
      const stored = await new InboundRepository(old.db).storeInbound(
        { id: channel.id, businessId: channel.businessId, kind: "webchat", platformAccountId: "demo", enabled: true },
        {
          channelKind: "webchat",
          platformAccountId: "demo",
          platformMessageId: clientMessageId,
          senderId: visitor,
          kind: "text",
          text: "Hello?",
          sentAt: new Date(),
        },
      );
      await old.db.$executeRawUnsafe(readFileSync("prisma/migrations/20261202110000_inbound_dedup/migration.sql", "utf8"));
      const post = (body: object) => oldGateway.app.inject({ method: "POST", url: "/api/webchat/demo/messages", payload: body });
      const redelivered = await post({ sessionId: visitor, clientMessageId, text: "Hello?" });
      expect(redelivered.statusCode).toBe(200);
      expect(redelivered.json()).toMatchObject({ duplicate: true, messageId: stored.messageId });
      expect((await post({ sessionId: sessionId(), clientMessageId, text: "Hello?" })).statusCode).toBe(202);
      expect(await old.db.message.count({ where: { direction: "inbound" } })).toBe(2);
    } finally {
      await oldGateway.close();
      await old.drop();
    }
  });
});

describe("a 4 MB body", () => {
  const big = Buffer.alloc(4 * 1024 * 1024, "a");
  const routes = ["/webhooks/whatsapp", "/webhooks/instagram", "/api/webchat/demo/messages"];

  it.each(
    routes.flatMap((path) => [
      { path, chunked: false },
      { path, chunked: true },
    ]),
  )(
    "$path answers a readable 413 to a client that writes it all before reading (chunked: $chunked), and the connection still serves",
    async ({ path, chunked }) => {
      const [tooLarge, next] = await postWholeThenRead(port, path, big, { chunked, then: { path: "/api/webchat/demo/messages", body: "{}" } });
      expect(tooLarge!.status).toBe(413);
      expect(JSON.parse(tooLarge!.body).error.code).toBe("FST_ERR_CTP_BODY_TOO_LARGE");
      expect(JSON.parse(tooLarge!.body).error.message).toMatch(/larger than this route's limit of \d+ bytes/);
      expect(next!.status).toBe(400);
    },
  );

  it("answers 413 to Node's own HTTP client too", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("FST_ERR_CTP_BODY_TOO_LARGE");
  });
});
