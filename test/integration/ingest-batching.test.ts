import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboundMessage } from "../../src/domain/inbound-message.js";
import { freePort } from "../../src/dev/free-port.js";
import { acceptInbound } from "../../src/app/ingest/accept-inbound.js";
import { createBatchedAccept } from "../../src/app/ingest/batched-accept.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import type { TurnJob } from "../../src/ports/turn-queue.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { turnJobId } from "../../src/adapters/queue/queue-names.js";
import { BullTurnQueue } from "../../src/adapters/queue/turn-queue.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { storeInboundBatch } from "../../src/adapters/storage/ingest/store-inbound-batch.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// Concurrent messages are stored with one statement and queued with one addBulk; each caller
// still gets its own answer. Real PostgreSQL and Redis; the batch functions are the real ones,
// wrapped only to count how many statements and bulk adds were made.
const redisPrefix = createTestPrefix();
const config = testConfig({ QUEUE_PREFIX: redisPrefix.prefix });
const logger = createLogger("silent", "test");
const redis = createRedis(TEST_REDIS_URL, "producer");
let database: TestDatabase;
let queue: BullTurnQueue;
let gateway: Gateway;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "demo", TEST_BUSINESS_SETTINGS);
  queue = new BullTurnQueue(redis, redisPrefix.prefix, logger);
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
});

afterAll(async () => {
  await gateway?.close();
  await queue?.close();
  redis.disconnect();
  await database?.drop();
  await redisPrefix.cleanup();
});

const sessionId = () => randomUUID().replaceAll("-", "");
const message = (senderId: string, text: string, platformMessageId: string = randomUUID(), platformAccountId = "demo"): InboundMessage => ({
  channelKind: "webchat",
  platformAccountId,
  platformMessageId,
  senderId,
  text,
  kind: "text",
  sentAt: new Date(),
});

function countingAccept() {
  const store = new InboundRepository(database.db);
  const calls = { statements: [] as number[], bulkAdds: [] as number[], single: 0 };
  const accept = createBatchedAccept(
    {
      storeBatch: (messages) => {
        calls.statements.push(messages.length);
        return storeInboundBatch(database.db, messages);
      },
      enqueueTurns: (jobs: readonly TurnJob[]) => {
        calls.bulkAdds.push(jobs.length);
        return queue.enqueueTurns(jobs);
      },
      acceptOne: (m) => {
        calls.single++;
        return acceptInbound({ store, queue }, m);
      },
    },
    { maxBatch: 128, maxInFlight: 1 },
  );
  return { accept, calls };
}

describe("batched ingest", () => {
  it("stores a burst with one statement, in order, with duplicates inside the batch answered as duplicates", async () => {
    const { accept, calls } = countingAccept();
    const sessions = [sessionId(), sessionId(), sessionId()];
    const messages = sessions.flatMap((s) => [1, 2, 3, 4].map((n) => message(s, `message ${n} from ${s.slice(0, 4)}`)));
    const repeatOf = messages[5] as InboundMessage;
    const all = [...messages, { ...repeatOf, text: "a retry carries the same id" }];
    const results = await Promise.all(all.map((m) => accept(m)));

    expect(calls.statements).toEqual([messages.length]);
    expect(calls.bulkAdds).toEqual([messages.length]);
    expect(calls.single).toBe(0);
    expect(results.slice(0, -1).every((r) => !r.duplicate && !r.answered)).toBe(true);
    expect(results.at(-1)).toMatchObject({ duplicate: true, messageId: results[5]?.messageId });
    expect(new Set(results.map((r) => r.messageId)).size).toBe(messages.length);

    for (const s of sessions) {
      const rows = await database.db.message.findMany({
        where: { conversation: { contact: { platformUserId: s } } },
        orderBy: { seq: "asc" },
        select: { text: true, conversationId: true },
      });
      expect(rows.map((r) => r.text)).toEqual([1, 2, 3, 4].map((n) => `message ${n} from ${s.slice(0, 4)}`));
      expect(new Set(rows.map((r) => r.conversationId)).size).toBe(1);
      expect(await database.db.contact.count({ where: { platformUserId: s } })).toBe(1);
    }
    const jobs = await Promise.all(results.map((r) => queue.queue.getJob(turnJobId(r.messageId))));
    expect(jobs.every((j) => j?.data.messageId !== undefined)).toBe(true);
    expect(new Set(jobs.map((j) => j?.id)).size).toBe(messages.length);
  });

  it("answers messages already stored as duplicates, without a second row or job", async () => {
    const { accept } = countingAccept();
    const s = sessionId();
    const first = await accept(message(s, "first", `pm-1-${s}`));
    const again = await Promise.all([accept(message(s, "first", `pm-1-${s}`)), accept(message(s, "second", `pm-2-${s}`))]);
    expect(again[0]).toMatchObject({ duplicate: true, messageId: first.messageId, conversationId: first.conversationId });
    expect(again[1]).toMatchObject({ duplicate: false, conversationId: first.conversationId });
    expect(await database.db.message.count({ where: { platformMessageId: `pm-1-${s}` } })).toBe(1);
  });

  it("an unknown channel fails only its own message (404)", async () => {
    const { accept } = countingAccept();
    const s = sessionId();
    const results = await Promise.allSettled([
      accept(message(s, "ok")),
      accept(message(s, "nowhere", undefined, "no-such-channel")),
      accept(message(s, "ok too")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: "UNKNOWN_CHANNEL", status: 404 });
  });

  it("a batch PostgreSQL refuses is retried one by one: only the bad message fails", async () => {
    const { accept, calls } = countingAccept();
    const s = sessionId();
    // PostgreSQL text cannot hold NUL: the whole statement fails.
    const results = await Promise.allSettled([accept(message(s, "fine")), accept(message(s, "bad \u0000 byte")), accept(message(s, "also fine"))]);
    expect(calls.statements).toEqual([3]);
    expect(calls.single).toBe(3);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const rows = await database.db.message.findMany({
      where: { conversation: { contact: { platformUserId: s } } },
      orderBy: { seq: "asc" },
      select: { text: true },
    });
    expect(rows.map((r) => r.text)).toEqual(["fine", "also fine"]);
  });
});

describe("batched ingest over HTTP when Redis is unreachable", () => {
  it("answers 503 to every message of the batch; the retries queue each once and store nothing twice", async () => {
    const down = composeGateway({ config, db: database.db, redisUrl: `redis://127.0.0.1:${await freePort()}`, logger });
    const s = sessionId();
    const bodies = [1, 2, 3, 4, 5].map((n) => ({ sessionId: s, clientMessageId: randomUUID(), text: `hello ${n}` }));
    const post = (app: Gateway["app"], body: object) => app.inject({ method: "POST", url: "/api/webchat/demo/messages", payload: body });
    try {
      const failed = await Promise.all(bodies.map((b) => post(down.app, b)));
      expect(failed.map((r) => r.statusCode)).toEqual([503, 503, 503, 503, 503]);
      expect(failed.every((r) => r.json().error.code === "QUEUE_UNAVAILABLE")).toBe(true);
    } finally {
      await down.close();
    }
    const retried = await Promise.all(bodies.map((b) => post(gateway.app, b)));
    expect(retried.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const rows = await database.db.message.findMany({
      where: { conversation: { contact: { platformUserId: s } } },
      orderBy: { seq: "asc" },
      select: { id: true, text: true },
    });
    expect(rows.map((r) => r.text)).toEqual(bodies.map((b) => b.text));
    for (const row of rows) expect(await queue.queue.getJob(turnJobId(row.id))).toBeDefined();
  });
});
