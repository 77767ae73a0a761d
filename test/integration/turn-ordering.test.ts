import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { BullTurnQueue } from "../../src/adapters/queue/turn-queue.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";
import { TEST_TIMINGS_VARIABLE } from "../../src/main/compose-options.js";
import { startWorkerProcess, type WorkerProcess } from "../../test-kit/worker-process.js";

// Three worker processes against one Redis and one PostgreSQL: 50 conversations x 5 rapid
// messages. No conversation ever has two turns at once, replies leave in message order, and
// every message is answered.
const CONVERSATIONS = 50;
const MESSAGES = 5;
const redisPrefix = createTestPrefix();
const config = testConfig({ QUEUE_PREFIX: redisPrefix.prefix });
const logger = createLogger("silent", "test");
const redis = createRedis(TEST_REDIS_URL, "producer");
let database: TestDatabase;
let gateway: Gateway;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "demo", { ...TEST_BUSINESS_SETTINGS, replyMaxTokens: 8 });
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
  const modelPath = await ensureTinyModel(MODEL_CACHE_DIR);
  workers = [1, 2, 3].map(() =>
    startWorkerProcess({
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: redisPrefix.prefix,
      MODEL_PATH: modelPath,
      LLM_THREADS: "1",
      LLM_SEQUENCES: "2",
      [TEST_TIMINGS_VARIABLE]: JSON.stringify({ busyRetryMs: 50 }),
    }),
  );
  const queue = new BullTurnQueue(redis, redisPrefix.prefix, logger);
  try {
    await waitFor(
      async () => (await queue.queue.getWorkers()).length >= 3,
      60_000,
      () => workers.map((w) => w.output()).join("\n"),
    );
  } finally {
    await queue.close();
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop("SIGKILL")));
  await gateway?.close();
  redis.disconnect();
  await database?.drop();
  await redisPrefix.cleanup();
});

describe("per-conversation ordering across worker processes", () => {
  it("answers every message, one turn per conversation at a time, replies in message order", async () => {
    await Promise.all(
      Array.from({ length: CONVERSATIONS }, async (_, c) => {
        const sessionId = randomUUID().replaceAll("-", "");
        for (let m = 1; m <= MESSAGES; m++) {
          const payload = { sessionId, clientMessageId: randomUUID(), text: `conversation ${c} message ${m}` };
          // 503 means "retry with the same id" (a busy database pool under this burst); clients do.
          let status = 503;
          for (let attempt = 0; status === 503 && attempt < 20; attempt++) {
            if (attempt > 0) await new Promise((r) => setTimeout(r, 250 * attempt));
            status = (await gateway.app.inject({ method: "POST", url: "/api/webchat/demo/messages", payload })).statusCode;
          }
          expect([200, 202]).toContain(status);
        }
      }),
    );
    const total = CONVERSATIONS * MESSAGES;
    const progress = async () => {
      const byStatus = await database.db.message.groupBy({ by: ["direction", "status"], _count: true });
      const jobs = await new BullTurnQueue(redis, redisPrefix.prefix, logger).queue.getJobCounts();
      return JSON.stringify({ byStatus: byStatus.map((g) => `${g.direction}/${g.status}=${g._count}`), jobs, turns: await database.db.turn.count() });
    };
    let last = "";
    await waitFor(
      async () => {
        last = await progress();
        return (await database.db.message.count({ where: { direction: "inbound", status: "answered" } })) === total;
      },
      150_000,
      () =>
        `${last}\n${workers
          .map((w) => w.output())
          .join("\n")
          .slice(-3000)}`,
    );
    await waitFor(async () => (await database.db.outboxEntry.count({ where: { status: { not: "sent" } } })) === 0, 30_000);

    const conversations = await database.db.conversation.findMany({
      include: {
        messages: { orderBy: { seq: "asc" }, include: { outbox: true } },
        turns: { orderBy: { startedAt: "asc" } },
      },
    });
    expect(conversations).toHaveLength(CONVERSATIONS);
    const workersUsed = new Set<string>();
    for (const conversation of conversations) {
      const inbound = conversation.messages.filter((m) => m.direction === "inbound");
      const replies = conversation.messages.filter((m) => m.direction === "outbound");
      expect(inbound).toHaveLength(MESSAGES);
      // Every message answered by exactly one stored and sent reply.
      expect(inbound.every((m) => m.status === "answered" && m.replyId)).toBe(true);
      expect(replies.every((r) => r.status === "sent" && r.outbox?.status === "sent")).toBe(true);
      expect(conversation.turns).toHaveLength(replies.length);
      // No reordering: a later message is never answered by an earlier reply.
      const replySeq = new Map(replies.map((r) => [r.id, r.seq]));
      const answeredBy = inbound.map((m) => replySeq.get(m.replyId!)!);
      expect(answeredBy).toEqual([...answeredBy].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      // Replies were sent in the order they were stored.
      const sentAt = replies.map((r) => r.outbox!.sentAt!.getTime());
      expect(sentAt).toEqual([...sentAt].sort((a, b) => a - b));
      // No overlap: each turn's generation ended before the next turn of the conversation started.
      for (let i = 1; i < conversation.turns.length; i++) {
        expect(conversation.turns[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(conversation.turns[i - 1]!.generationEndedAt.getTime());
      }
      for (const t of conversation.turns) workersUsed.add(t.worker);
    }
    expect(workersUsed.size).toBe(3);
  }, 200_000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, describe?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${describe ? `\n${describe()}` : ""}`);
}
