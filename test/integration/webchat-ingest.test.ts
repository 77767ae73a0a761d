import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webchatMessageKey } from "../../src/adapters/channels/webchat/webchat-adapter.js";
import { startEmbeddedRedis, type EmbeddedService } from "../../src/dev/embedded-redis.js";
import { freePort } from "../../src/dev/free-port.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { BullTurnQueue } from "../../src/adapters/queue/turn-queue.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { createDb } from "../../src/adapters/storage/create-db.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { testConfig } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";
import { errorFields } from "../../test-kit/error-fields.js";

// The gateway alone (no worker): what is stored and what is enqueued for each kind of input.
const redisPrefix = createTestPrefix();
const config = testConfig({ QUEUE_PREFIX: redisPrefix.prefix, MAX_MESSAGE_CHARS: "500" });
const logger = createLogger("silent", "test");
let database: TestDatabase;
let gateway: Gateway;
let queue: BullTurnQueue;
const redis = createRedis(TEST_REDIS_URL, "producer");

beforeAll(async () => {
  database = await createTestDatabase();
  await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "demo");
  await database.db.channel.update({ where: { kind_platformAccountId: { kind: "webchat", platformAccountId: "demo" } }, data: {} });
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

const sessionId = () => randomUUID().replaceAll("-", "");
const post = (app: Gateway["app"], body: unknown, key = "demo") =>
  app.inject({ method: "POST", url: `/api/webchat/${key}/messages`, payload: body as object });

async function storedCount(): Promise<number> {
  return database.db.message.count({ where: { direction: "inbound" } });
}
async function jobCount(): Promise<number> {
  const counts = await queue.queue.getJobCounts("waiting", "delayed", "active", "completed", "failed", "prioritized");
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

describe("web chat ingest", () => {
  it("stores a message once and enqueues one turn, even when the client retries", async () => {
    const before = { stored: await storedCount(), jobs: await jobCount() };
    const body = { sessionId: sessionId(), clientMessageId: randomUUID(), text: "  Do you bake rye bread?  " };
    const first = await post(gateway.app, body);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ duplicate: false, status: "queued" });
    const again = await post(gateway.app, body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, messageId: first.json().messageId });
    expect(await storedCount()).toBe(before.stored + 1);
    expect(await jobCount()).toBe(before.jobs + 1);
    const row = await database.db.message.findUniqueOrThrow({ where: { id: first.json().messageId } });
    expect(row.text).toBe("Do you bake rye bread?");
  });

  it.each([
    ["empty text", { text: "" }, 400, "TEXT_EMPTY"],
    ["whitespace-only text", { text: " \n\t  " }, 400, "TEXT_EMPTY"],
    ["text over the configured limit", { text: "x".repeat(501) }, 413, "TEXT_TOO_LONG"],
    ["text that is not a string", { text: 42 }, 400, "INVALID_REQUEST"],
    ["a missing client message id", { clientMessageId: undefined }, 400, "INVALID_REQUEST"],
    ["a malformed session id", { sessionId: "short" }, 400, "INVALID_REQUEST"],
  ])("rejects %s with a clear 4xx, storing and enqueueing nothing", async (_name, patch, status, code) => {
    const before = { stored: await storedCount(), jobs: await jobCount() };
    const res = await post(gateway.app, { sessionId: sessionId(), clientMessageId: randomUUID(), text: "hello", ...patch });
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(res.body).not.toContain("    at ");
    expect(await storedCount()).toBe(before.stored);
    expect(await jobCount()).toBe(before.jobs);
  });

  it("names the bad field", async () => {
    const res = await post(gateway.app, { sessionId: sessionId(), text: "hi" });
    expect(errorFields(res.json())).toContain("body.clientMessageId");
  });

  it("rejects a body larger than the request limit and malformed JSON", async () => {
    const huge = await gateway.app.inject({
      method: "POST",
      url: "/api/webchat/demo/messages",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ text: "x".repeat(100_000) }),
    });
    expect(huge.statusCode).toBe(413);
    const broken = await gateway.app.inject({
      method: "POST",
      url: "/api/webchat/demo/messages",
      headers: { "content-type": "application/json" },
      payload: '{"text": "hi',
    });
    expect(broken.statusCode).toBe(400);
  });

  it("answers 404 for an unknown channel, storing nothing", async () => {
    const before = await storedCount();
    const res = await post(gateway.app, { sessionId: sessionId(), clientMessageId: randomUUID(), text: "hello" }, "no-such-shop");
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("UNKNOWN_CHANNEL");
    expect(await storedCount()).toBe(before);
  });

  it("answers 404 for a disabled channel", async () => {
    await database.db.channel.update({ where: { kind_platformAccountId: { kind: "webchat", platformAccountId: "demo" } }, data: { enabled: false } });
    try {
      const res = await post(gateway.app, { sessionId: sessionId(), clientMessageId: randomUUID(), text: "hello" });
      expect(res.statusCode).toBe(404);
    } finally {
      await database.db.channel.update({
        where: { kind_platformAccountId: { kind: "webchat", platformAccountId: "demo" } },
        data: { enabled: true },
      });
    }
  });
});

describe("when Redis is unreachable", () => {
  let redisServer: EmbeddedService | undefined;
  afterAll(async () => redisServer?.stop());

  it("answers 503, and a retry after Redis is back enqueues once without a second row", async () => {
    const port = await freePort();
    const downUrl = `redis://127.0.0.1:${port}`;
    const down = composeGateway({ config, db: database.db, redisUrl: downUrl, logger });
    try {
      const body = { sessionId: sessionId(), clientMessageId: randomUUID(), text: "Is anyone there?" };
      const res = await post(down.app, body);
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("1");
      expect(res.json().error.code).toBe("QUEUE_UNAVAILABLE");
      const stored = await database.db.message.count({ where: { platformMessageId: webchatMessageKey(body.sessionId, body.clientMessageId) } });
      expect(stored).toBe(1);
      const ready = await down.app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks).toEqual({ database: "ok", redis: "unavailable" });

      // The same client retries against a gateway whose Redis works: one row, one job.
      const before = await jobCount();
      const retry = await post(gateway.app, body);
      expect(retry.statusCode).toBe(200);
      expect(retry.json()).toMatchObject({ duplicate: true, status: "queued" });
      expect(await jobCount()).toBe(before + 1);
      expect(await database.db.message.count({ where: { platformMessageId: webchatMessageKey(body.sessionId, body.clientMessageId) } })).toBe(1);
    } finally {
      await down.close();
    }
  });

  it("recovers by itself when Redis comes up after the gateway started", async () => {
    redisServer = await startEmbeddedRedis();
    const port = Number(new URL(redisServer.url).port);
    await redisServer.stop();
    const late = composeGateway({ config, db: database.db, redisUrl: `redis://127.0.0.1:${port}`, logger });
    try {
      const first = await post(late.app, { sessionId: sessionId(), clientMessageId: randomUUID(), text: "hello?" });
      expect(first.statusCode).toBe(503);
      const { spawn } = await import("node:child_process");
      const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
      try {
        let status = 0;
        for (let i = 0; i < 40 && status !== 202; i++) {
          await new Promise((r) => setTimeout(r, 250));
          status = (await post(late.app, { sessionId: sessionId(), clientMessageId: randomUUID(), text: "hello again" })).statusCode;
        }
        expect(status).toBe(202);
      } finally {
        child.kill("SIGKILL");
      }
    } finally {
      await late.close();
    }
  });
});

describe("when PostgreSQL is unreachable", () => {
  it("answers 503 DATABASE_UNAVAILABLE and enqueues nothing", async () => {
    const port = await freePort();
    const deadDb = createDb(`postgresql://root@127.0.0.1:${port}/nothing`);
    const noDb = composeGateway({ config, db: deadDb, redisUrl: TEST_REDIS_URL, logger });
    try {
      const before = await jobCount();
      const res = await post(noDb.app, { sessionId: sessionId(), clientMessageId: randomUUID(), text: "hello" });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe("DATABASE_UNAVAILABLE");
      expect(await jobCount()).toBe(before);
      const ready = await noDb.app.inject({ method: "GET", url: "/readyz" });
      expect(ready.json().checks).toEqual({ database: "unavailable", redis: "ok" });
    } finally {
      await noDb.close();
      await deadDb.$disconnect();
    }
  });
});
