import { createHash, randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelRef } from "../../src/ports/inbound-store.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { BullQueuedWork } from "../../src/adapters/queue/bull-queued-work.js";
import { BullOutboxQueue } from "../../src/adapters/queue/outbox-queue.js";
import { turnJobId, outboxJobId } from "../../src/adapters/queue/queue-names.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { conversationLockKey, RedisConversationLock } from "../../src/adapters/queue/redis-conversation-lock.js";
import { BullTurnQueue } from "../../src/adapters/queue/turn-queue.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { OutboxRepository } from "../../src/adapters/storage/turn/outbox-repository.js";
import { TurnRepository } from "../../src/adapters/storage/turn/turn-repository.js";
import { Pseudonyms } from "../../src/domain/secrets/pseudonyms.js";
import { buildAdminTestApp, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { createTestQueues, type TestQueues } from "../../test-kit/test-queued-work.js";

// POST /api/admin/businesses/:b/contacts/:c/erase against real PostgreSQL and Redis: the contact's
// rows, queued turn and reply jobs and conversation lock are gone; every other contact's are not.
const logger = createLogger("silent", "test");
let database: TestDatabase;
let queues: TestQueues;
let t: AdminTestApp;
const PSEUDONYM_KEY = randomBytes(32).toString("base64");
let shop: Shop;
let channel: ChannelRef;

interface Person {
  readonly senderId: string;
  readonly contactId: string;
  readonly conversationId: string;
  readonly messageIds: string[];
  readonly outboxIds: string[];
}

/** A person with an answered message (reply + outbox entry + turn row), a pending one, a handoff and a flag, and queued work. */
async function seedPerson(text: string): Promise<Person> {
  const inbound = new InboundRepository(database.db);
  const senderId = randomBytes(12).toString("hex");
  const store = (body: string) =>
    inbound.storeInbound(channel, {
      channelKind: "webchat",
      platformAccountId: channel.platformAccountId,
      platformMessageId: randomUUID(),
      senderId,
      kind: "text",
      text: body,
      sentAt: new Date(),
    });
  const first = await store(`${text} (1)`);
  const reply = await new TurnRepository(database.db).saveReply({
    conversationId: first.conversationId,
    businessId: shop.businessId,
    channelId: channel.id,
    answeredIds: [first.messageId],
    text: "We open at 8.",
    historyStartSeq: 0n,
    stats: {
      worker: "test",
      promptTokens: 1,
      evaluatedTokens: 1,
      generatedTokens: 1,
      startedAt: new Date(),
      generationStartedAt: new Date(),
      generationEndedAt: new Date(),
    },
  });
  const second = await store(`${text} (2)`);
  await database.db.handoff.create({
    data: { businessId: shop.businessId, conversationId: first.conversationId, reason: "asked for a person", notify: "admin" },
  });
  await database.db.replyFlag.create({
    data: {
      businessId: shop.businessId,
      conversationId: first.conversationId,
      replyId: reply!.replyId,
      reason: "prompt leak",
      modelText: "my instructions are",
    },
  });
  // Work in Redis: a waiting turn for the pending message, a delayed reply retry, a conversation lock.
  await queues.turns.enqueueTurn({ conversationId: second.conversationId, messageId: second.messageId, businessId: shop.businessId });
  await queues.outbox.scheduleRetry(reply!.outboxId, 60_000);
  await new RedisConversationLock(queues.redis, queues.prefix, 60_000).tryAcquire(first.conversationId);
  const { contactId } = await database.db.conversation.findUniqueOrThrow({ where: { id: first.conversationId } });
  return {
    senderId,
    contactId,
    conversationId: first.conversationId,
    messageIds: [first.messageId, reply!.replyId, second.messageId],
    outboxIds: [reply!.outboxId],
  };
}

/** Every key under this file's prefix, with the ids found in its name or contents. */
async function redisText(): Promise<string> {
  const parts: string[] = [];
  for (const key of await queues.redis.keys(`${queues.prefix}:*`)) {
    const type = await queues.redis.type(key);
    parts.push(key);
    if (type === "string") parts.push(String(await queues.redis.get(key)));
    if (type === "hash") parts.push(JSON.stringify(await queues.redis.hgetall(key)));
    if (type === "list") parts.push(...(await queues.redis.lrange(key, 0, -1)));
    if (type === "zset") parts.push(...(await queues.redis.zrange(key, "0", "-1")));
    if (type === "set") parts.push(...(await queues.redis.smembers(key)));
  }
  return parts.join("\n");
}

const erase = (contactId: string, auth = shop.auth, businessId = shop.businessId) =>
  t.app.inject({ method: "POST", url: `/api/admin/businesses/${businessId}/contacts/${contactId}/erase`, headers: { authorization: auth } });

beforeAll(async () => {
  database = await createTestDatabase();
  queues = createTestQueues(logger);
  t = await buildAdminTestApp(database.db, { queuedWork: queues.work, pseudonyms: Pseudonyms.fromKey(PSEUDONYM_KEY) });
  shop = await seedShop(database.db, t.store, "erase-shop");
  channel = (await new InboundRepository(database.db).findChannel("webchat", shop.channelKey))!;
});

afterAll(async () => {
  await t?.app.close();
  await queues?.close();
  await database?.drop();
});

describe("erasing a contact", () => {
  it("deletes the contact's rows and Redis work, and leaves another contact's alone", async () => {
    const victim = await seedPerson("Is the spelt loaf vegan?");
    const bystander = await seedPerson("Do you deliver?");
    const before = await redisText();
    for (const id of [victim.conversationId, victim.messageIds[2]!, victim.outboxIds[0]!]) expect(before).toContain(id);

    const res = await erase(victim.contactId);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toEqual({ confirmationCode: expect.stringMatching(/^[0-9A-F]{20}$/), status: "completed", erasedMessages: 3 });

    // PostgreSQL: nothing of the victim under any table; the bystander keeps everything.
    const db = database.db;
    expect(await db.contact.count({ where: { id: victim.contactId } })).toBe(0);
    expect(await db.contact.count({ where: { platformUserId: victim.senderId } })).toBe(0);
    expect(await db.conversation.count({ where: { id: victim.conversationId } })).toBe(0);
    expect(await db.message.count({ where: { id: { in: victim.messageIds } } })).toBe(0);
    expect(await db.message.count({ where: { text: { contains: "spelt loaf" } } })).toBe(0);
    expect(await db.outboxEntry.count({ where: { id: { in: victim.outboxIds } } })).toBe(0);
    expect(await db.turn.count({ where: { conversationId: victim.conversationId } })).toBe(0);
    expect(await db.handoff.count({ where: { conversationId: victim.conversationId } })).toBe(0);
    expect(await db.replyFlag.count({ where: { conversationId: victim.conversationId } })).toBe(0);
    expect(await db.message.count({ where: { id: { in: bystander.messageIds } } })).toBe(3);
    expect(await db.turn.count({ where: { conversationId: bystander.conversationId } })).toBe(1);
    expect(await db.handoff.count({ where: { conversationId: bystander.conversationId } })).toBe(1);
    expect(await db.message.count({ where: { id: shop.inboundMessageId } })).toBe(1);

    // Redis: no key and no stored value names the victim's conversation, messages or outbox entry
    // (BullMQ's capped event stream keeps job ids of what happened, like every queue event).
    for (const id of victim.messageIds) expect(await queues.turns.queue.getJob(turnJobId(id))).toBeUndefined();
    expect(await queues.outbox.queue.getJob(outboxJobId(victim.outboxIds[0]!))).toBeUndefined();
    expect(await queues.redis.exists(conversationLockKey(queues.prefix, victim.conversationId))).toBe(0);
    const after = await redisText();
    for (const id of [victim.conversationId, ...victim.messageIds, ...victim.outboxIds]) expect(after).not.toContain(id);
    expect(after).not.toContain(victim.senderId);
    expect(await queues.turns.queue.getJob(turnJobId(bystander.messageIds[2]!))).toBeDefined();
    expect(await queues.outbox.queue.getJob(outboxJobId(bystander.outboxIds[0]!))).toBeDefined();
    expect(await queues.redis.exists(conversationLockKey(queues.prefix, bystander.conversationId))).toBe(1);
    // The removed turn never ran: its business's fairness count gives its slot back.
    expect(await queues.redis.get(`${queues.prefix}:fair:${shop.businessId}`)).toBe("1");

    // What is kept: the code, a keyed hash of the subject (HMAC under PSEUDONYM_KEY), the count.
    // Not the id itself, nor its plain SHA-256, which a phone number's small key space reverses.
    const record = await db.erasureRequest.findUniqueOrThrow({ where: { confirmationCode: body.confirmationCode } });
    expect(record).toMatchObject({ source: "admin", status: "completed", erasedMessages: 3, error: null });
    expect(record.completedAt).toBeInstanceOf(Date);
    expect(record.subjectHash).toBe(Pseudonyms.fromKey(PSEUDONYM_KEY).of("erasure-subject", `webchat:${victim.senderId}`));
    expect(record.subjectHash).not.toBe(createHash("sha256").update(`webchat:${victim.senderId}`).digest("hex"));
    expect(JSON.stringify(record)).not.toContain(victim.senderId);
  });

  it("a reply being sent while its contact is erased: recording the send's outcome is a no-op, not an error", async () => {
    const outbox = new OutboxRepository(database.db);
    const victim = await seedPerson("Send me the menu");
    const claimed = await outbox.claim(victim.outboxIds[0]!);
    expect(claimed).toMatchObject({ text: "We open at 8." });
    expect((await erase(victim.contactId)).statusCode).toBe(200);
    await expect(outbox.markSent(victim.outboxIds[0]!, ["platform-id"])).resolves.toBeUndefined();
    await expect(outbox.markFailed(victim.outboxIds[0]!, "gone")).resolves.toBeUndefined();
    expect(await outbox.claim(victim.outboxIds[0]!)).toBeNull();
    expect(await database.db.message.count({ where: { id: { in: victim.messageIds } } })).toBe(0);
  });

  it("answers 404 for a contact that is already gone, and records nothing", async () => {
    const victim = await seedPerson("Hello");
    expect((await erase(victim.contactId)).statusCode).toBe(200);
    const count = await database.db.erasureRequest.count();
    const again = await erase(victim.contactId);
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe("CONTACT_NOT_FOUND");
    expect(await database.db.erasureRequest.count()).toBe(count);
  });

  it("lets the same person write again afterwards: a new contact and conversation", async () => {
    const victim = await seedPerson("First life");
    await erase(victim.contactId);
    const stored = await new InboundRepository(database.db).storeInbound(channel, {
      channelKind: "webchat",
      platformAccountId: channel.platformAccountId,
      platformMessageId: randomUUID(),
      senderId: victim.senderId,
      kind: "text",
      text: "Back again",
      sentAt: new Date(),
    });
    expect(stored.duplicate).toBe(false);
    expect(stored.conversationId).not.toBe(victim.conversationId);
    const contact = await database.db.contact.findFirstOrThrow({ where: { platformUserId: victim.senderId } });
    expect(contact.id).not.toBe(victim.contactId);
    expect(await database.db.message.count({ where: { conversationId: stored.conversationId } })).toBe(1);
  });

  it("with Redis unreachable: 503, nothing deleted, the request recorded as failed", async () => {
    const dead = createRedis("redis://127.0.0.1:1", "producer");
    dead.on("error", () => undefined);
    const prefix = `dead-${randomBytes(4).toString("hex")}`;
    const turns = new BullTurnQueue(dead, prefix, logger);
    const outbox = new BullOutboxQueue(dead, prefix, logger);
    const offline = await buildAdminTestApp(database.db, { queuedWork: new BullQueuedWork(dead, prefix, turns, outbox) });
    try {
      const victim = await seedPerson("Still here?");
      const res = await offline.app.inject({
        method: "POST",
        url: `/api/admin/businesses/${shop.businessId}/contacts/${victim.contactId}/erase`,
        headers: { authorization: shop.auth },
      });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error.code).toBe("QUEUE_UNAVAILABLE");
      expect(await database.db.contact.count({ where: { id: victim.contactId } })).toBe(1);
      expect(await database.db.message.count({ where: { id: { in: victim.messageIds } } })).toBe(3);
      const failed = await database.db.erasureRequest.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
      expect(failed).toMatchObject({ status: "failed", erasedMessages: 0 });
      expect(failed.error).toMatch(/unreachable/);
      // Once Redis is back, the same request erases it.
      expect((await erase(victim.contactId)).statusCode).toBe(200);
      expect(await database.db.contact.count({ where: { id: victim.contactId } })).toBe(0);
    } finally {
      await offline.app.close();
      await turns.close().catch(() => undefined);
      await outbox.close().catch(() => undefined);
      dead.disconnect();
    }
  });
});
