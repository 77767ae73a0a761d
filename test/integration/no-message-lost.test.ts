import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/personas/load-persona-template.js";
import { createRedis } from "../../src/queue/redis-connection.js";
import { BullTurnQueue } from "../../src/queue/turn-queue.js";
import { seedBusiness } from "../../src/storage/seed-business.js";
import { INSTAGRAM_APP, signedPost, WHATSAPP_APP } from "../channels/meta-test-app.js";
import { seedMetaChannels } from "../channels/seed-meta-channels.js";
import { testConfig } from "../support/test-config.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { TEST_REDIS_URL } from "../support/test-env.js";
import { createTestPrefix } from "../support/test-redis.js";

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

beforeAll(async () => {
  database = await createTestDatabase();
  await seedMetaChannels(database.db);
  await seedBusiness(database.db, await loadPersonaTemplate("bakery"), "demo");
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
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

describe("web chat sessions", () => {
  const post = (body: object) => gateway.app.inject({ method: "POST", url: "/api/webchat/demo/messages", payload: body });
  const sessionId = () => randomUUID().replaceAll("-", "");

  it("counts length as a person does: 2,001 emoji are 2,001 characters, within the 4,000 limit; 4,001 are refused", async () => {
    const ok = await post({ sessionId: sessionId(), clientMessageId: randomUUID(), text: "😀".repeat(2001) });
    expect(ok.statusCode).toBe(202);
    const row = await database.db.message.findUniqueOrThrow({ where: { id: ok.json().messageId } });
    expect([...row.text]).toHaveLength(2001);
    // 4,000 emoji written as JSON escapes (12 bytes each) still fit the request body limit.
    const escaped = JSON.stringify({ sessionId: sessionId(), clientMessageId: randomUUID(), text: "😀".repeat(4000) }).replaceAll("😀", "\\ud83d\\ude00");
    const full = await gateway.app.inject({ method: "POST", url: "/api/webchat/demo/messages", headers: { "content-type": "application/json" }, payload: escaped });
    expect(full.statusCode).toBe(202);
    const over = await post({ sessionId: sessionId(), clientMessageId: randomUUID(), text: "😀".repeat(4001) });
    expect(over.statusCode).toBe(413);
    expect(over.json().error).toEqual({ code: "TEXT_TOO_LONG", message: "text is 4001 characters; the limit is 4000" });
  });

  it("keeps a visitor's name of 80 emoji, and one with control characters cleaned (PostgreSQL refuses NUL)", async () => {
    for (const [name, kept] of [["😀".repeat(80), "😀".repeat(80)], ["Ana\u0000 María\n", "Ana María"]] as const) {
      const visitor = sessionId();
      const res = await post({ sessionId: visitor, clientMessageId: randomUUID(), text: "Hi", name });
      expect(res.statusCode).toBe(202);
      expect((await database.db.contact.findFirstOrThrow({ where: { platformUserId: visitor } })).displayName).toBe(kept);
    }
    expect((await post({ sessionId: sessionId(), clientMessageId: randomUUID(), text: "Hi", name: "😀".repeat(81) })).statusCode).toBe(400);
  });
});
