import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { ensureTinyModel } from "../../src/llm/tiny-model/build-tiny-model.js";
import { createLogger } from "../../src/logging/create-logger.js";
import { composeGateway } from "../../src/main/compose-gateway.js";
import { loadConfig } from "../../src/config/index.js";
import { loadPersonaTemplate } from "../../src/personas/persona-templates.js";
import { sealChannelCredentials } from "../../src/secrets/channel-credentials.js";
import { parseSecretKey } from "../../src/secrets/secret-box.js";
import type { Db } from "../../src/storage/create-db.js";
import { seedBusiness } from "../../src/storage/seed-business.js";
import { FakeGraphServer } from "../../test/support/fake-graph-server.js";
import { startWorkerProcess, type WorkerProcess } from "../../test/support/worker-process.js";
import { chaosFigures, type ChaosFigures } from "./chaos-figures.js";
import { cloudTextWebhook, deliverWebhook } from "./chaos-traffic.js";
import { PrivateRedis } from "../../test/support/private-redis.js";

export interface ChaosOptions {
  readonly db: Db;
  readonly databaseUrl: string;
  readonly conversations: number;
  readonly messagesPerConversation: number;
  readonly workers: number;
  readonly kills: number;
  readonly duplicates: number;
  readonly restartRedis: boolean;
  readonly timeoutMs: number;
  readonly modelCacheDir: string;
  readonly log: (line: string) => void;
}

export interface ChaosResult extends ChaosFigures {
  readonly kills: number;
  readonly redisRestarts: number;
  readonly duplicatesDelivered: number;
  readonly durationMs: number;
  readonly quiescent: boolean;
}

const PHONE_NUMBER_ID = "106540352242922";
const APP_SECRET = "chaos-app-secret";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The chaos scenario: a gateway, N worker processes and a fake WhatsApp (Graph API on loopback).
 * Signed webhooks arrive in rounds while workers are SIGKILLed and Redis restarts empty; some
 * deliveries are repeated. Then it waits for quiescence and counts from PostgreSQL and from what
 * the fake platform received.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const redis = await PrivateRedis.start();
  const graph = await FakeGraphServer.start();
  const secretsKey = randomBytes(32).toString("base64");
  const env = {
    NODE_ENV: "test",
    LOG_LEVEL: "error",
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: "chaos",
    META_GRAPH_BASE_URL: graph.baseUrl,
    CHANNEL_SECRETS_KEY: secretsKey,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: "chaos",
    TURN_DEBOUNCE_MS: "0",
    TURN_BUSY_RETRY_MS: "100",
    TURN_LOCK_MS: "3000",
    JOB_LOCK_MS: "2000",
    STALLED_CHECK_MS: "1000",
    RECONCILE_INTERVAL_MS: "1000",
    RECONCILE_AFTER_MS: "4000",
    MODEL_CACHE_DIR: o.modelCacheDir,
  };
  const config = loadConfig("test", env);
  const { businessId } = await seedBusiness(o.db, await loadPersonaTemplate("support-bakery"), "chaos");
  const channel = await o.db.channel.create({ data: { businessId, kind: "whatsapp_cloud", platformAccountId: PHONE_NUMBER_ID, name: "WhatsApp" } });
  const sealed = sealChannelCredentials({ accessToken: "chaos-token", appSecret: "", verifyToken: "" }, parseSecretKey(secretsKey), channel.id);
  const secret = await o.db.channelSecret.create({ data: { channelId: channel.id, ciphertext: Buffer.from(sealed.ciphertext), iv: Buffer.from(sealed.iv), tag: Buffer.from(sealed.tag) } });
  await o.db.channel.update({ where: { id: channel.id }, data: { credentialsRef: secret.id } });

  const gateway = composeGateway({ config, db: o.db, redisUrl: redis.url, logger: createLogger("silent", "chaos-gateway") });
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  const webhookUrl = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}/webhooks/whatsapp`;
  const modelPath = await ensureTinyModel(o.modelCacheDir);
  const workerEnv = { ...env, MODEL_PATH: modelPath, LLM_THREADS: "1", LLM_SEQUENCES: "2", LLM_TEMPERATURE: "0", REPLY_MAX_TOKENS: "8" };
  const workers: WorkerProcess[] = Array.from({ length: o.workers }, () => startWorkerProcess(workerEnv));

  const payloads: string[] = [];
  let kills = 0;
  let redisRestarts = 0;
  const rounds = o.messagesPerConversation;
  const killAtRound = new Set(Array.from({ length: o.kills }, (_, i) => Math.floor(((i + 1) * rounds) / (o.kills + 1))));
  try {
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        Array.from({ length: o.conversations }, async (_, c) => {
          await sleep(Math.random() * 150);
          const from = `1555${String(c).padStart(7, "0")}`;
          const body = cloudTextWebhook(PHONE_NUMBER_ID, from, `wamid.chaos.${c}.${round}`, `conversation ${c}, message ${round + 1}: do you have rye bread today?`);
          payloads.push(body);
          await deliverWebhook(webhookUrl, body, APP_SECRET);
        }),
      );
      if (killAtRound.has(round) || (round === rounds - 1 && kills < o.kills)) {
        for (let k = 0; k < (round === rounds - 1 ? o.kills - kills : 1); k++) {
          const victim = Math.floor(Math.random() * workers.length);
          await workers[victim]!.stop("SIGKILL");
          workers[victim] = startWorkerProcess(workerEnv);
          kills++;
          o.log(`killed worker ${victim} (SIGKILL), started a replacement`);
        }
      }
      if (o.restartRedis && redisRestarts === 0 && round === Math.floor(rounds / 2)) {
        await redis.restart();
        redisRestarts++;
        o.log("restarted Redis (its queued work is lost; PostgreSQL keeps the truth)");
      }
      await sleep(300);
    }
    const duplicates = Array.from({ length: o.duplicates }, () => payloads[Math.floor(Math.random() * payloads.length)]!);
    await Promise.all(duplicates.map((body) => deliverWebhook(webhookUrl, body, APP_SECRET)));
    o.log(`delivered ${duplicates.length} duplicate webhooks`);
    const quiescent = await waitForQuiescence(o.db, graph, o.timeoutMs - (Date.now() - started));
    const figures = await chaosFigures(o.db, graph.requests);
    return { ...figures, kills, redisRestarts, duplicatesDelivered: duplicates.length, durationMs: Date.now() - started, quiescent };
  } finally {
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await gateway.close();
    await graph.close();
    await redis.stop();
  }
}

async function waitForQuiescence(db: Db, graph: FakeGraphServer, budgetMs: number): Promise<boolean> {
  const deadline = Date.now() + budgetMs;
  let stableSince = Date.now();
  let lastSends = -1;
  while (Date.now() < deadline) {
    const open = await db.message.count({ where: { direction: "inbound", status: "received" } });
    const unsent = await db.outboxEntry.count({ where: { status: { in: ["pending", "sending"] } } });
    if (graph.requests.length !== lastSends) {
      lastSends = graph.requests.length;
      stableSince = Date.now();
    }
    if (open === 0 && unsent === 0 && Date.now() - stableSince > 2000) return true;
    await sleep(250);
  }
  return false;
}
