import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acceptInbound } from "../../src/app/ingest/accept-inbound.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { createRedis, type RedisClient } from "../../src/adapters/queue/redis-connection.js";
import { BullTurnQueue } from "../../src/adapters/queue/turn-queue.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { buildMetaTestApp, signedPost } from "../channels/meta-test-app.js";
import { seedMetaChannels } from "../channels/seed-meta-channels.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// Meta webhook routes -> acceptInbound -> PostgreSQL (InboundRepository) -> BullMQ turn queue, for real.
const redisPrefix = createTestPrefix();
const logger = createLogger("silent", "test");
let database: TestDatabase;
let redis: RedisClient;
let queue: BullTurnQueue;
let app: FastifyInstance;
let channels: Awaited<ReturnType<typeof seedMetaChannels>>;
const fixture = (name: string) => readFileSync(`test/fixtures/meta/${name}.json`, "utf8");

beforeAll(async () => {
  database = await createTestDatabase();
  channels = await seedMetaChannels(database.db);
  redis = createRedis(TEST_REDIS_URL, "producer");
  queue = new BullTurnQueue(redis, redisPrefix.prefix, logger);
  const store = new InboundRepository(database.db);
  app = buildMetaTestApp({ accept: (m) => acceptInbound({ store, queue }, m), channels: store, logger });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await queue?.close();
  redis?.disconnect();
  await database?.drop();
  await redisPrefix.cleanup();
});

const inboundRows = () => database.db.message.findMany({ where: { direction: "inbound" }, orderBy: { seq: "asc" } });

describe("Meta webhooks into the pipeline", () => {
  it("stores a signed Cloud API text message once and enqueues exactly one turn", async () => {
    const res = await app.inject(signedPost("/webhooks/whatsapp", fixture("whatsapp-text")));
    expect(res.statusCode).toBe(200);
    const rows = await inboundRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      channelId: channels.whatsappChannelId,
      text: "Does it come in another color?",
      status: "received",
      platformMessageId: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
    });
    const contact = await database.db.contact.findFirstOrThrow({ where: { channelId: channels.whatsappChannelId } });
    expect(contact).toMatchObject({ platformUserId: "16505551234", displayName: "Sheena Nelson" });
    expect(await queue.queue.count()).toBe(1);
  });

  it("stores nothing new and enqueues nothing new when Meta redelivers the same payload", async () => {
    const res = await app.inject(signedPost("/webhooks/whatsapp", fixture("whatsapp-text")));
    expect(res.statusCode).toBe(200);
    expect(await inboundRows()).toHaveLength(1);
    expect(await queue.queue.count()).toBe(1);
  });

  it("answers 401 to a bad signature and stores nothing", async () => {
    const body = fixture("whatsapp-text").replace("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=", "wamid.HBgLNEW");
    const res = await app.inject(signedPost("/webhooks/whatsapp", body, "wrong-secret"));
    expect(res.statusCode).toBe(401);
    expect(await inboundRows()).toHaveLength(1);
    expect(await queue.queue.count()).toBe(1);
  });

  it("stores non-text messages with their kind and a placeholder text, and skips echoes and receipts", async () => {
    expect((await app.inject(signedPost("/webhooks/whatsapp", fixture("whatsapp-non-text")))).statusCode).toBe(200);
    expect((await app.inject(signedPost("/webhooks/instagram", fixture("instagram-attachments")))).statusCode).toBe(200);
    expect((await app.inject(signedPost("/webhooks/instagram", fixture("instagram-echo")))).statusCode).toBe(200);
    const rows = await inboundRows();
    expect(rows.map((r) => r.text)).toEqual([
      "Does it come in another color?",
      "[photo] This one",
      "[voice note]",
      "[sticker]",
      "[location] Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301",
      "[attachment]",
      "Sorry, wrong photo. Do you have it in blue?",
      "[photo]",
      "[audio]",
      "[attachment]",
      "The one in the photo, please 🍋",
    ]);
    expect(rows.map((r) => r.kind)).toEqual(["text", "image", "voice", "sticker", "location", "other", "text", "image", "audio", "other", "text"]);
    expect(await queue.queue.count()).toBe(11);
  });
});
