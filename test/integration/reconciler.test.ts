import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedRedis } from "../../src/dev/embedded-redis.js";
import { PrivateRedis } from "../../test-kit/private-redis.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway } from "../../src/main/compose-gateway.js";
import { composeWorker } from "../../src/main/compose-worker.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { checkRedisPolicy } from "../../src/adapters/queue/check-redis-policy.js";
import { ReconcileRepository } from "../../src/adapters/storage/turn/reconcile-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { reconcile } from "../../src/app/turn/reconcile.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// A private redis-server that the test restarts: PostgreSQL keeps the truth, the reconciler restores the work.
const logger = createLogger("silent", "test");
let database: TestDatabase;
let model: LlamaChatModel;
let redis: PrivateRedis;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "demo", { ...TEST_BUSINESS_SETTINGS, replyMaxTokens: 12 });
  model = await LlamaChatModel.load({
    modelPath: await ensureTinyModel(MODEL_CACHE_DIR),
    threads: 2,
    contextSize: 2048,
    sequences: 2,
    temperature: 0,
  });
});

afterAll(async () => {
  await redis?.stop();
  await model?.close();
  await database?.drop();
});

describe("reconciler", () => {
  it("answers a message whose job was lost when Redis restarted without persistence", async () => {
    redis = await PrivateRedis.start();
    const redisUrl = redis.url;
    const config = testConfig({ QUEUE_PREFIX: "reconcile" });
    const gateway = composeGateway({ config, db: database.db, redisUrl, logger });
    const res = await gateway.app.inject({
      method: "POST",
      url: "/api/webchat/demo/messages",
      payload: { sessionId: randomUUID().replaceAll("-", ""), clientMessageId: randomUUID(), text: "Are you open tomorrow?" },
    });
    expect(res.statusCode).toBe(202);
    await gateway.close();

    // Redis dies with the job in it and comes back empty.
    await redis.restart();
    const check = new Redis(redisUrl);
    expect(await check.dbsize()).toBe(0);
    check.disconnect();

    const worker = composeWorker({ config, db: database.db, redisUrl, model, logger, timings: { reconcileIntervalMs: 300, reconcileAfterMs: 300 } });
    try {
      for (let i = 0; i < 150; i++) {
        const row = await database.db.message.findUniqueOrThrow({ where: { id: res.json().messageId } });
        if (row.status === "answered") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const row = await database.db.message.findUniqueOrThrow({ where: { id: res.json().messageId }, include: { reply: true } });
      expect(row.status).toBe("answered");
      expect(row.reply?.status).toMatch(/pending|sent/);
    } finally {
      await worker.close();
    }
  }, 60_000);

  it("leaves messages waiting for the opening to the opening job, and takes them once the opening has passed (the job lost)", async () => {
    const business = await database.db.business.findFirstOrThrow();
    const channel = await database.db.channel.findFirstOrThrow({ where: { businessId: business.id } });
    const contact = await database.db.contact.create({ data: { businessId: business.id, channelId: channel.id, platformUserId: randomUUID() } });
    const conversation = await database.db.conversation.create({
      data: { businessId: business.id, channelId: channel.id, contactId: contact.id, waitingUntil: new Date(Date.now() + 3_600_000) },
    });
    const message = await database.db.message.create({
      data: {
        businessId: business.id,
        conversationId: conversation.id,
        channelId: channel.id,
        direction: "inbound",
        text: "Also 4 croissants please",
        status: "received",
        createdAt: new Date(Date.now() - 120_000),
      },
    });
    const store = new ReconcileRepository(database.db);
    const stale = async () => (await store.stalePending(new Date(Date.now() - 60_000), 500)).map((p) => p.messageId);
    expect(await stale()).not.toContain(message.id);
    await database.db.conversation.update({ where: { id: conversation.id }, data: { waitingUntil: new Date(Date.now() - 1000) } });
    expect(await stale()).toContain(message.id);
    await database.db.conversation.delete({ where: { id: conversation.id } });
  });

  it("re-sends an interrupted web chat send, and fails an interrupted WhatsApp send instead of risking a duplicate", async () => {
    const business = await database.db.business.findFirstOrThrow();
    const channels = {
      webchat: await database.db.channel.findFirstOrThrow({ where: { kind: "webchat" } }),
      whatsapp_cloud: await database.db.channel.create({
        data: { businessId: business.id, kind: "whatsapp_cloud", platformAccountId: "1065403522", name: "wa" },
      }),
    };
    const stuck: Record<string, string> = {};
    for (const [kind, channel] of Object.entries(channels)) {
      const contact = await database.db.contact.create({ data: { businessId: business.id, channelId: channel.id, platformUserId: `u-${kind}` } });
      const conversation = await database.db.conversation.create({ data: { businessId: business.id, channelId: channel.id, contactId: contact.id } });
      await database.db.message.create({
        data: {
          businessId: business.id,
          conversationId: conversation.id,
          channelId: channel.id,
          direction: "inbound",
          text: "hi",
          status: "answered",
        },
      });
      const reply = await database.db.message.create({
        data: {
          businessId: business.id,
          conversationId: conversation.id,
          channelId: channel.id,
          direction: "outbound",
          text: "hello!",
          status: "pending",
        },
      });
      const entry = await database.db.outboxEntry.create({ data: { messageId: reply.id, status: "sending", attempts: 1 } });
      // Claimed long ago and never confirmed: the worker died mid-send.
      await database.db.$executeRaw`update "OutboxEntry" set "updatedAt" = now() - interval '10 minutes' where id = ${entry.id}::uuid`;
      stuck[kind] = entry.id;
    }
    const scheduled: string[] = [];
    const report = await reconcile({
      store: new ReconcileRepository(database.db),
      requeueTurn: async () => false,
      scheduleDelivery: async (id) => void scheduled.push(id),
      idempotentSendKinds: new Set(["webchat"]),
      afterMs: 60_000,
      logger,
    });
    expect(report).toEqual({ requeuedTurns: 0, requeuedDeliveries: 1, unknownOutcomes: 1, recordedSends: 0 });
    expect(scheduled).toEqual([stuck.webchat]);
    expect((await database.db.outboxEntry.findUniqueOrThrow({ where: { id: stuck.webchat! } })).status).toBe("pending");
    const whatsapp = await database.db.outboxEntry.findUniqueOrThrow({ where: { id: stuck.whatsapp_cloud! }, include: { message: true } });
    expect(whatsapp.status).toBe("failed");
    expect(whatsapp.message.status).toBe("failed");
    expect(whatsapp.message.error).toMatch(/^UNKNOWN_OUTCOME/);
  });

  it("warns at start-up unless Redis maxmemory-policy is noeviction", async () => {
    const lines = new PassThrough();
    const output: string[] = [];
    lines.on("data", (d: Buffer) => output.push(d.toString()));
    const lru = await startEmbeddedRedis();
    const client = new Redis(lru.url);
    try {
      await client.config("SET", "maxmemory-policy", "allkeys-lru");
      expect(await checkRedisPolicy(client, createLogger("warn", "test", lines))).toBe("allkeys-lru");
      expect(output.join("")).toContain("set it to noeviction");
      output.length = 0;
      await client.config("SET", "maxmemory-policy", "noeviction");
      expect(await checkRedisPolicy(client, createLogger("warn", "test", lines))).toBe("noeviction");
      expect(output.join("")).toBe("");
    } finally {
      client.disconnect();
      await lru.stop();
    }
  });
});
