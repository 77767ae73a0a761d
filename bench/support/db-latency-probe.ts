/**
 * Diagnostic for sections 4 and 5 (not part of `npm run bench`): latency of single calls, one at a
 * time, on the same services the bench uses (REDIS_URL/DATABASE_URL, else a private redis-server
 * and a scratch database): raw pg vs Prisma for the statements the ingest and the turn make.
 *   npx tsx bench/support/db-latency-probe.ts
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { loadConfig } from "../../src/config/index.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { BullTurnQueue } from "../../src/adapters/queue/turn-queue.js";
import { createDb } from "../../src/adapters/storage/create-db.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { deleteRedisPrefix, startPostgres, startRedis } from "./services.js";
import { percentile } from "./stats.js";

const config = loadConfig("cli");
const postgres = await startPostgres(config);
const redisService = await startRedis(config);
const db = createDb(postgres.url);
const raw = new pg.Client({ connectionString: postgres.url });
const redis = createRedis(redisService.url, "producer");
const prefix = `bench-${randomBytes(4).toString("hex")}-probe`;
const queue = new BullTurnQueue(redis, prefix, createLogger("silent", "bench"));
try {
  await raw.connect();
  await seedBusiness(db, await loadPersonaTemplate("support-bakery"), "bench");
  const channel = await db.channel.findFirstOrThrow({ where: { platformAccountId: "bench" } });
  let n = 0;
  const probes: Array<[string, () => Promise<unknown>]> = [
    ["pg: select 1", () => raw.query("select 1")],
    ["redis: ping", () => redis.ping()],
    ["prisma: $queryRaw select 1", () => db.$queryRaw`select 1`],
    [
      "prisma: channel.findUnique",
      () => db.channel.findUnique({ where: { kind_platformAccountId: { kind: "webchat", platformAccountId: "bench" } } }),
    ],
    [
      "prisma: contact.upsert (new row)",
      () =>
        db.contact.upsert({
          where: { channelId_platformUserId: { channelId: channel.id, platformUserId: `probe${++n}` } },
          create: { businessId: channel.businessId, channelId: channel.id, platformUserId: `probe${n}` },
          update: {},
          select: { id: true },
        }),
    ],
    [
      "bullmq: add (new job id)",
      () => queue.queue.add("turn", { conversationId: "c", messageId: `m${++n}`, businessId: "b" }, { jobId: `probe-${n}` }),
    ],
  ];
  process.stdout.write(`${"call".padEnd(36)}  p50 ms  p99 ms  (200 calls, one at a time)\n`);
  for (const [label, call] of probes) {
    for (let i = 0; i < 10; i++) await call();
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await call();
      samples.push(performance.now() - t);
    }
    process.stdout.write(
      `${label.padEnd(36)}  ${percentile(samples, 50).toFixed(2).padStart(6)}  ${percentile(samples, 99).toFixed(2).padStart(6)}\n`,
    );
  }
} finally {
  await queue.close();
  redis.disconnect();
  await raw.end();
  await db.$disconnect();
  if (redisService.kind === "REDIS_URL") await deleteRedisPrefix(redisService.url, prefix);
  await redisService.stop();
  await postgres.stop();
}
