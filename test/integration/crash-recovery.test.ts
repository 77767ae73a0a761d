import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { testConfig, TEST_BUSINESS_SETTINGS, updateBusinessSettings } from "../../test-kit/test-config.js";
import { TEST_TIMINGS_VARIABLE } from "../../src/main/compose-options.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";
import { startWorkerProcess, type WorkerProcess } from "../../test-kit/worker-process.js";

// Real worker processes killed and stopped mid-turn: every message is still answered exactly once.
const redisPrefix = createTestPrefix();
const config = testConfig({ QUEUE_PREFIX: redisPrefix.prefix });
const logger = createLogger("silent", "test");
const redis = new Redis(TEST_REDIS_URL);
let database: TestDatabase;
let gateway: Gateway;
let modelPath: string;
const started: WorkerProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "demo", { ...TEST_BUSINESS_SETTINGS, replyMaxTokens: 16 });
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
  modelPath = await ensureTinyModel(MODEL_CACHE_DIR);
});

afterAll(async () => {
  await Promise.all(started.map((w) => w.stop("SIGKILL")));
  await gateway?.close();
  redis.disconnect();
  await database?.drop();
  await redisPrefix.cleanup();
});

/** A worker process; the business's replies are `replyMaxTokens` long from the next turn on (a long one is there to be interrupted). */
async function worker(env: Record<string, string> = {}, replyMaxTokens = 16): Promise<WorkerProcess> {
  await updateBusinessSettings(database.db, "demo", { replyMaxTokens });
  const w = startWorkerProcess({
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: redisPrefix.prefix,
    MODEL_PATH: modelPath,
    LLM_THREADS: "1",
    TURN_LOCK_MS: "2000",
    JOB_LOCK_MS: "2000",
    [TEST_TIMINGS_VARIABLE]: JSON.stringify({ stalledCheckMs: 1000 }),
    ...env,
  });
  started.push(w);
  return w;
}

async function send(text: string) {
  const res = await gateway.app.inject({
    method: "POST",
    url: "/api/webchat/demo/messages",
    payload: { sessionId: randomUUID().replaceAll("-", ""), clientMessageId: randomUUID(), text },
  });
  expect(res.statusCode).toBe(202);
  const message = await database.db.message.findUniqueOrThrow({ where: { id: res.json().messageId } });
  return message;
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const generating = (conversationId: string) => redis.exists(`${redisPrefix.prefix}:lock:conversation:${conversationId}`);
const replies = (conversationId: string) =>
  database.db.message.findMany({ where: { conversationId, direction: "outbound" }, include: { turn: true } });

describe("crash recovery", () => {
  it("a worker killed with SIGKILL mid-generation: another worker answers the turn, once", async () => {
    const doomed = await worker({}, 2000);
    const message = await send("Please tell me everything about your cakes");
    await until(
      () => generating(message.conversationId),
      (n) => n === 1,
      60_000,
      "generation to start",
    );
    await doomed.stop("SIGKILL");
    expect(await replies(message.conversationId)).toHaveLength(0);

    const rescuer = await worker();
    const done = await until(
      () => replies(message.conversationId),
      (r) => r.length > 0 && r[0]!.status === "sent",
      60_000,
      "the rescued reply",
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(await replies(message.conversationId)).toHaveLength(1);
    expect(done[0]!.turn!.worker).toMatch(new RegExp(`:${rescuer.child.pid}$`));
    const answered = await database.db.message.findUniqueOrThrow({ where: { id: message.id } });
    expect(answered.replyId).toBe(done[0]!.id);
    await rescuer.stop();
  }, 150_000);

  it("SIGTERM lets the running turn finish, then the worker exits cleanly", async () => {
    const w = await worker({ SHUTDOWN_DEADLINE_MS: "60000" }, 400);
    const message = await send("What do you bake on Sundays?");
    await until(
      () => generating(message.conversationId),
      (n) => n === 1,
      60_000,
      "generation to start",
    );
    const code = await w.stop("SIGTERM");
    expect(code).toBe(0);
    const [reply] = await replies(message.conversationId);
    expect(reply?.status).toBe("sent");
  }, 150_000);

  it("SIGTERM past the deadline hands the turn back, and the next worker answers it once", async () => {
    const w = await worker({ SHUTDOWN_DEADLINE_MS: "0" }, 2000);
    const message = await send("Tell me a long story about bread");
    await until(
      () => generating(message.conversationId),
      (n) => n === 1,
      60_000,
      "generation to start",
    );
    const stoppedAt = Date.now();
    expect(await w.stop("SIGTERM")).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(20_000);
    await worker();
    await until(
      () => replies(message.conversationId),
      (r) => r.length > 0 && r[0]!.status === "sent",
      60_000,
      "the handed-back reply",
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(await replies(message.conversationId)).toHaveLength(1);
  }, 150_000);
});
