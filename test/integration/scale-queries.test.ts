import { randomBytes, randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { inRounds, MAINTENANCE_QUEUE, startMaintenance } from "../../src/adapters/queue/maintenance-queue.js";
import { MetricsRepository } from "../../src/adapters/storage/admin/metrics-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { businessSearchQuery } from "../../src/adapters/storage/search-words.js";
import { WebchatRetentionRepository } from "../../src/adapters/storage/webchat-retention-repository.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// The reply counts the triggers keep, the indexes the hot lookups need, and the retention job.
let database: TestDatabase;
let channelId: string;
let businessId: string;
const prefix = createTestPrefix();
const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });

beforeAll(async () => {
  database = await createTestDatabase();
  const seeded = await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "scale-shop");
  businessId = seeded.businessId;
  channelId = (await database.db.channel.findFirstOrThrow({ where: { businessId }, select: { id: true } })).id;
});

afterAll(async () => {
  redis.disconnect();
  await database?.drop();
  await prefix.cleanup();
});

/** A web chat session with `inbound` messages and `replies` replies, its last message `ageDays` ago. */
async function session(ageDays: number, replies: Array<"pending" | "sent" | "delivered" | "failed">, inbound = 2) {
  const at = new Date(Date.now() - ageDays * 86_400_000);
  const contact = await database.db.contact.create({
    data: { businessId, channelId, platformUserId: randomBytes(12).toString("hex"), createdAt: at },
  });
  const conversation = await database.db.conversation.create({
    data: { businessId, channelId, contactId: contact.id, lastMessageAt: at, createdAt: at },
  });
  const common = { businessId, channelId, conversationId: conversation.id, createdAt: at };
  await database.db.message.createMany({
    data: Array.from({ length: inbound }, (_, i) => ({
      ...common,
      direction: "inbound" as const,
      text: `m${i}`,
      status: "received" as const,
      platformMessageId: randomUUID(),
    })),
  });
  await database.db.message.createMany({ data: replies.map((status) => ({ ...common, direction: "outbound" as const, text: "r", status })) });
  return contact.id;
}

async function countsByQuery() {
  const rows = await database.db.message.groupBy({ by: ["status"], where: { direction: "outbound" }, _count: true });
  return Object.fromEntries(rows.map((r) => [r.status, r._count]));
}
async function countsByMetrics() {
  const rows = await new MetricsRepository(database.db).repliesByChannel();
  return Object.fromEntries(rows.map((r) => [r.status, r.count]));
}

describe("reply counts kept by triggers", () => {
  it("follow replies as they are stored, change status and are deleted, in bulk and one by one", async () => {
    await session(0, ["pending", "sent", "sent", "failed"]);
    await session(0, ["sent"]);
    expect(await countsByMetrics()).toEqual(await countsByQuery());
    await database.db.message.updateMany({ where: { direction: "outbound", status: "pending" }, data: { status: "sent" } });
    const one = await database.db.message.findFirstOrThrow({ where: { direction: "outbound", status: "sent" } });
    await database.db.message.update({ where: { id: one.id }, data: { status: "read" } });
    expect(await countsByMetrics()).toEqual(await countsByQuery());
    // Deleted by cascade from the contact (an erasure).
    const gone = await session(0, ["sent", "delivered"]);
    await database.db.contact.delete({ where: { id: gone } });
    expect(await countsByMetrics()).toEqual(await countsByQuery());
  });
});

describe("indexes for the lookups anyone can trigger", () => {
  it("plans index scans for replyId, recent turns and contacts by platform user id", async () => {
    const plan = async (sql: string) =>
      (await database.db.$queryRawUnsafe<Array<{ "QUERY PLAN": string }>>(`explain ${sql}`)).map((r) => r["QUERY PLAN"]).join("\n");
    await database.db.$executeRawUnsafe(`set enable_seqscan = off`);
    try {
      expect(await plan(`select id from "Message" where "replyId" = '${randomUUID()}'`)).toContain("Message_replyId_idx");
      expect(await plan(`select id from "Turn" where "createdAt" > now() - interval '5 minutes'`)).toContain("Turn_createdAt_idx");
      expect(await plan(`select id from "Contact" where "platformUserId" = 'x'`)).toContain("Contact_platformUserId_idx");
      // Inbox search: the business is a word of the index, so the index scan itself keeps to it.
      const search = await plan(
        `select "conversationId" from "Message" where "businessId" = '${businessId}' and (to_tsvector('simple', text) || to_tsvector('simple', 'b' || replace("businessId"::text, '-', ''))) @@ to_tsquery('simple', '${businessSearchQuery(businessId, "croiss")}') limit 1000`,
      );
      expect(search).toMatch(/Index Cond:.*@@ '''b[0-9a-f]{32}'' & ''croiss'':\*'/);
      expect(search).toContain("Message_words_idx");
    } finally {
      await database.db.$executeRawUnsafe(`set enable_seqscan = on`);
    }
  });
});

describe("abandoned web chat sessions", () => {
  it("are deleted by the scheduled maintenance job: never answered and idle for the set days; others stay", async () => {
    const abandoned = await session(10, []);
    const abandonedFailedReply = await session(10, ["failed"]);
    const answered = await session(10, ["sent"]);
    const recent = await session(1, []);
    const retention = new WebchatRetentionRepository(database.db);
    const maintenance = await startMaintenance(
      { connection: redis, prefix: prefix.prefix, logger: createLogger("silent", "test"), retentionIntervalMs: 300 },
      { webchatRetention: () => inRounds((limit) => retention.deleteAbandoned(new Date(Date.now() - 7 * 86_400_000), limit), 1, 10) },
    );
    try {
      // A job scheduler in Redis, not a timer in this process.
      const queue = new Queue(MAINTENANCE_QUEUE, { connection: redis, prefix: prefix.prefix });
      expect((await queue.getJobSchedulers()).map((s) => s.key)).toContain("webchat-retention");
      await queue.close();
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        if ((await database.db.contact.count({ where: { id: { in: [abandoned, abandonedFailedReply] } } })) === 0) break;
      }
      const left = (
        await database.db.contact.findMany({ where: { id: { in: [abandoned, abandonedFailedReply, answered, recent] } }, select: { id: true } })
      ).map((c) => c.id);
      expect(left.sort()).toEqual([answered, recent].sort());
    } finally {
      await maintenance.close();
    }
  }, 30_000);
});
