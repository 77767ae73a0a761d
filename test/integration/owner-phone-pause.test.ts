import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { WhatsappWebAdapter } from "../../src/adapters/channels/whatsapp-web/whatsapp-web-adapter.js";
import { acceptOwnerMessage } from "../../src/app/ingest/accept-owner-message.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { hostWhatsappWebChannels } from "../../src/main/host-whatsapp-web.js";
import { RedisConversationEvents } from "../../src/adapters/queue/redis-conversation-events.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { OwnerMessageRepository } from "../../src/adapters/storage/turn/owner-message-repository.js";
import { ReconcileRepository } from "../../src/adapters/storage/turn/reconcile-repository.js";
import { FakeWwebClient, ownerMessage, wwebMessage } from "../channels/fake-wweb-client.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The owner answers a customer from the business's own phone: whatsapp-web.js reports it as
// message_create with fromMe. Real pipeline (PostgreSQL, BullMQ, worker, tiny model); only
// WhatsApp's side is the fake client.
const QUIET_MS = 2400;
const PHONE = "shop-phone-owner";
const CUSTOMER = "15551234567@c.us";

let pipeline: TestPipeline;
let database: TestDatabase;
let client: FakeWwebClient;
let host: Awaited<ReturnType<typeof hostWhatsappWebChannels>>;
let businessId: string;
let channelId: string;
let apiKey: string;

beforeAll(async () => {
  const adapter = new WhatsappWebAdapter(4000);
  pipeline = await startTestPipeline({
    env: { WHATSAPP_WEB_MIN_REPLY_INTERVAL_MS: "0" },
    settings: { ownerQuietMinutes: QUIET_MS / 60_000, replyMaxTokens: 8 },
    businesses: { demo: "support-bakery" },
    workerAdapters: [adapter],
  });
  database = pipeline.database;
  businessId = (await database.db.business.findUniqueOrThrow({ where: { slug: "demo" } })).id;
  channelId = (await database.db.channel.create({ data: { businessId, kind: "whatsapp_web", platformAccountId: PHONE, name: "Shop phone" } })).id;
  apiKey = (await issueApiKey(new ApiKeyRepository(database.db), { businessId, name: "test" })).key;
  client = new FakeWwebClient();
  host = await hostWhatsappWebChannels({
    config: pipeline.config,
    db: database.db,
    redisUrl: TEST_REDIS_URL,
    logger: createLogger("silent", "test"),
    print: () => undefined,
    createClient: () => client,
    adapter,
  });
  client.emit("ready");
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await pipeline?.close();
});

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const conversation = () => database.db.conversation.findFirstOrThrow({ where: { channelId } });
const outbound = () => database.db.message.findMany({ where: { channelId, direction: "outbound" }, orderBy: { seq: "asc" } });

describe("the owner writes from the business phone", () => {
  it("pauses the agent for the quiet time; the agent's own replies never do; after it the agent answers again", async () => {
    // 1. The agent answers a customer; its own send comes back as message_create and must not pause.
    client.emit("message", wwebMessage({ from: CUSTOMER, body: "Hi, do you have rye bread?" }));
    await until(
      "the agent's first reply",
      async () => client.sent.length,
      (n) => n === 1,
    );
    const first = await until(
      "the reply recorded as sent",
      outbound,
      (rows) => rows.length === 1 && rows[0]!.status === "sent" && rows[0]!.platformMessageId !== null,
    );
    expect(await conversation()).toMatchObject({ agentPaused: false, pausedBy: null, pausedUntil: null });
    expect(first).toHaveLength(1);

    // 2. The owner answers from the phone: stored in the transcript, the agent pauses, the console hears of it.
    const subscriber = createRedis(TEST_REDIS_URL, "subscriber");
    const heard: string[] = [];
    const stopListening = await new RedisConversationEvents(subscriber, subscriber, pipeline.config.queuePrefix).subscribe(businessId, (e) =>
      heard.push(e.conversationId),
    );
    const before = Date.now();
    const typed = ownerMessage({ to: CUSTOMER, body: "Maria here: yes, fresh rye until noon!" });
    client.emit("message_create", typed);
    const paused = await until("the pause", conversation, (c) => c.agentPaused);
    expect(paused.pausedBy).toBe("owner_phone");
    expect(paused.pausedUntil!.getTime()).toBeGreaterThanOrEqual(before + QUIET_MS - 50);
    expect(paused.pausedUntil!.getTime()).toBeLessThanOrEqual(Date.now() + QUIET_MS);
    const stored = await database.db.message.findUniqueOrThrow({
      where: { channelId_platformMessageId: { channelId, platformMessageId: typed.id._serialized } },
    });
    expect(stored).toMatchObject({
      direction: "outbound",
      status: "sent",
      text: "Maria here: yes, fresh rye until noon!",
      conversationId: paused.id,
    });
    await until(
      "the owner's message announced to the console",
      async () => heard.length,
      (n) => n > 0,
    );
    expect(heard).toContain(paused.id);
    await stopListening();
    subscriber.disconnect();
    // A second report of the same message changes nothing.
    client.emit("message_create", typed);

    // The admin API shows who paused it and until when; the transcript shows the owner's message as a person's.
    const api = (url: string) =>
      pipeline.gateway.app.inject({
        method: "GET",
        url: `/api/admin/businesses/${businessId}/conversations/${paused.id}${url}`,
        headers: { authorization: `Bearer ${apiKey}` },
      });
    expect((await api("")).json()).toMatchObject({ agentPaused: true, pausedBy: "owner_phone", pausedUntil: paused.pausedUntil!.toISOString() });
    const transcript = (await api("/messages")).json().items as Array<{ author: string; text: string }>;
    expect(transcript.map((m) => m.author)).toEqual(["customer", "agent", "human"]);
    expect(transcript.at(-1)!.text).toBe("Maria here: yes, fresh rye until noon!");

    // 3. The customer writes during the quiet time: stored, not answered.
    client.emit("message", wwebMessage({ from: CUSTOMER, body: "Great, can you keep two loaves for me?" }));
    const waiting = await until(
      "the customer's second message",
      () => database.db.message.findMany({ where: { channelId, direction: "inbound" }, orderBy: { seq: "asc" } }),
      (rows) => rows.length === 2,
    );
    const pausedAfter = await conversation();
    await new Promise((r) => setTimeout(r, Math.max(0, pausedAfter.pausedUntil!.getTime() - Date.now() - 400)));
    expect(client.sent).toHaveLength(1);
    expect(await database.db.message.findUniqueOrThrow({ where: { id: waiting[1]!.id } })).toMatchObject({ status: "received" });
    expect(await outbound()).toHaveLength(2);

    // 4. After the quiet time the agent answers the message that waited.
    await until(
      "the agent's reply after the quiet time",
      async () => client.sent.length,
      (n) => n === 2,
      60_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(pausedAfter.pausedUntil!.getTime());
    const answered = await until(
      "the waiting message answered",
      () => database.db.message.findUniqueOrThrow({ where: { id: waiting[1]!.id } }),
      (m) => m.status === "answered",
    );
    const reply = await database.db.message.findUniqueOrThrow({ where: { id: answered.replyId! }, include: { turn: true } });
    expect(reply.turn).not.toBeNull();
    expect(await conversation()).toMatchObject({ agentPaused: false, pausedBy: null, pausedUntil: null });
    // Nothing the adapter sent was stored twice or taken for the owner: the agent's two replies and the owner's one.
    await until("both replies recorded as sent", outbound, (rows) => rows.every((r) => r.status === "sent"));
    const all = await outbound();
    expect(all.map((m) => (m.id === stored.id ? "owner" : "agent"))).toEqual(["agent", "owner", "agent"]);
  }, 120_000);

  it("counts the customer's unanswered messages before the owner's as answered by the owner, and extends the quiet time", async () => {
    const channel = await database.db.channel.findUniqueOrThrow({ where: { id: channelId } });
    const ref = { id: channel.id, businessId, kind: channel.kind, platformAccountId: PHONE, enabled: true };
    const chat = "15550001111@c.us";
    // Stored without a turn queued, as if the worker had not got to it yet.
    const pending = await new InboundRepository(database.db).storeInbound(ref, {
      channelKind: "whatsapp_web",
      platformAccountId: PHONE,
      platformMessageId: "false_15550001111@c.us_A1",
      senderId: chat,
      kind: "text",
      text: "Are you open?",
      sentAt: new Date(),
    });
    const deps = { store: new OwnerMessageRepository(database.db), logger: createLogger("silent", "test") };
    const first = await acceptOwnerMessage(deps, {
      channelKind: "whatsapp_web",
      platformAccountId: PHONE,
      platformMessageId: "true_15550001111@c.us_B1",
      recipientId: chat,
      kind: "text",
      text: "Yes, until 6",
      sentAt: new Date(),
    });
    expect(first).toMatchObject({ duplicate: false, answeredCount: 1, paused: true, conversationId: pending.conversationId });
    expect(await database.db.message.findUniqueOrThrow({ where: { id: pending.messageId } })).toMatchObject({
      status: "answered",
      replyId: first.messageId,
    });
    const firstUntil = (await database.db.conversation.findUniqueOrThrow({ where: { id: pending.conversationId } })).pausedUntil!;

    await new Promise((r) => setTimeout(r, 20));
    const second = await acceptOwnerMessage(deps, {
      channelKind: "whatsapp_web",
      platformAccountId: PHONE,
      platformMessageId: "true_15550001111@c.us_B2",
      recipientId: chat,
      kind: "text",
      text: "Come by!",
      sentAt: new Date(),
    });
    expect(second).toMatchObject({ duplicate: false, answeredCount: 0, paused: true });
    const extended = await database.db.conversation.findUniqueOrThrow({ where: { id: pending.conversationId } });
    expect(extended.pausedUntil!.getTime()).toBeGreaterThan(firstUntil.getTime());

    const again = await acceptOwnerMessage(deps, {
      channelKind: "whatsapp_web",
      platformAccountId: PHONE,
      platformMessageId: "true_15550001111@c.us_B2",
      recipientId: chat,
      kind: "text",
      text: "Come by!",
      sentAt: new Date(),
    });
    expect(again).toMatchObject({ duplicate: true, messageId: second.messageId, paused: false });
    expect((await database.db.conversation.findUniqueOrThrow({ where: { id: pending.conversationId } })).pausedUntil).toEqual(extended.pausedUntil);
  });

  it("leaves a pause without an end (a person took over) as it is", async () => {
    const chat = "15550002222@c.us";
    const deps = { store: new OwnerMessageRepository(database.db), logger: createLogger("silent", "test") };
    const first = await acceptOwnerMessage(deps, {
      channelKind: "whatsapp_web",
      platformAccountId: PHONE,
      platformMessageId: "true_15550002222@c.us_C1",
      recipientId: chat,
      kind: "text",
      text: "Hello!",
      sentAt: new Date(),
    });
    await database.db.conversation.update({ where: { id: first.conversationId }, data: { agentPaused: true, pausedBy: "admin", pausedUntil: null } });
    const second = await acceptOwnerMessage(deps, {
      channelKind: "whatsapp_web",
      platformAccountId: PHONE,
      platformMessageId: "true_15550002222@c.us_C2",
      recipientId: chat,
      kind: "text",
      text: "See you",
      sentAt: new Date(),
    });
    expect(second.paused).toBe(false);
    expect(await database.db.conversation.findUniqueOrThrow({ where: { id: first.conversationId } })).toMatchObject({
      agentPaused: true,
      pausedBy: "admin",
      pausedUntil: null,
    });
  });

  it("refuses a message for a channel that does not exist or is disabled, storing nothing", async () => {
    const deps = { store: new OwnerMessageRepository(database.db), logger: createLogger("silent", "test") };
    await expect(
      acceptOwnerMessage(deps, {
        channelKind: "whatsapp_web",
        platformAccountId: "no-such-phone",
        platformMessageId: "true_x_D1",
        recipientId: "1@c.us",
        kind: "text",
        text: "hi",
        sentAt: new Date(),
      }),
    ).rejects.toMatchObject({ code: "UNKNOWN_CHANNEL" });
    expect(await database.db.message.count({ where: { platformMessageId: "true_x_D1" } })).toBe(0);
  });

  it("lets the reconciler requeue a paused conversation's waiting messages only once its pause has ended", async () => {
    const channel = await database.db.channel.findUniqueOrThrow({ where: { id: channelId } });
    const ref = { id: channel.id, businessId, kind: channel.kind, platformAccountId: PHONE, enabled: true };
    const inbound = new InboundRepository(database.db);
    const waiting = async (chat: string, pause: { agentPaused: boolean; pausedBy: string | null; pausedUntil: Date | null }) => {
      const stored = await inbound.storeInbound(ref, {
        channelKind: "whatsapp_web",
        platformAccountId: PHONE,
        platformMessageId: `false_${chat}_R`,
        senderId: chat,
        kind: "text",
        text: "Still there?",
        sentAt: new Date(),
      });
      await database.db.conversation.update({ where: { id: stored.conversationId }, data: pause });
      return stored.messageId;
    };
    const quiet = await waiting("15550003333@c.us", { agentPaused: true, pausedBy: "owner_phone", pausedUntil: new Date(Date.now() + 60_000) });
    const over = await waiting("15550004444@c.us", { agentPaused: true, pausedBy: "owner_phone", pausedUntil: new Date(Date.now() - 1000) });
    const admin = await waiting("15550005555@c.us", { agentPaused: true, pausedBy: "admin", pausedUntil: null });
    const active = await waiting("15550006666@c.us", { agentPaused: false, pausedBy: null, pausedUntil: null });
    const stale = (await new ReconcileRepository(database.db).stalePending(new Date(Date.now() + 1000), 500)).map((p) => p.messageId);
    expect(stale).toEqual(expect.arrayContaining([over, active]));
    expect(stale).not.toContain(quiet);
    expect(stale).not.toContain(admin);
  });
});
