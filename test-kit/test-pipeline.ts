import type { Agent } from "node:https";
import type { AddressInfo } from "node:net";
import type { Config } from "../src/config/index.js";
import { createDb } from "../src/adapters/storage/create-db.js";
import { LlamaChatModel } from "../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../src/dev/tiny-model/build-tiny-model.js";
import { createLogger } from "../src/adapters/logging/create-logger.js";
import { composeGateway, type RunningGateway } from "../src/main/compose-gateway.js";
import { composeWorker, type RunningWorker } from "../src/main/compose-worker.js";
import type { ChannelAdapter } from "../src/ports/channel-adapter.js";
import type { ChatModel } from "../src/ports/chat-model.js";
import type { Logger } from "../src/ports/logger.js";
import { loadPersonaTemplate } from "../src/domain/personas/persona-templates.js";
import { seedBusiness } from "../src/adapters/storage/seed-business.js";
import { readBusinessSettings, type BusinessSettings } from "../src/domain/business-settings.js";
import type { WorkerTimings } from "../src/main/compose-options.js";
import { RecordingChatModel } from "./recording-chat-model.js";
import { TEST_BUSINESS_SETTINGS, testConfig } from "./test-config.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "./test-env.js";
import { createTestPrefix } from "./test-redis.js";

export interface TestPipeline {
  readonly config: Config;
  /** What every seeded business runs with. */
  readonly settings: BusinessSettings;
  readonly database: TestDatabase;
  /** The real tiny model, recording every prompt it answers. */
  readonly model: RecordingChatModel;
  readonly gateway: RunningGateway;
  readonly worker: RunningWorker;
  /** The gateway listening on loopback. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * The whole system for one test file, all real: its own database (cloned from the migrated
 * template) seeded with businesses (slug -> prompts/ template), its own Redis prefix, the tiny
 * model, a worker and a gateway listening on 127.0.0.1.
 */
export async function startTestPipeline(options: {
  env?: Record<string, string>;
  businesses: Record<string, string>;
  /** Every seeded business's settings, over TEST_BUSINESS_SETTINGS. */
  settings?: Partial<BusinessSettings>;
  /** The worker's test timings (reconciler, stalled check, ...); default production's. */
  timings?: Partial<WorkerTimings>;
  logger?: Logger;
  /** Adapters the worker sends through besides web chat and Meta's (e.g. a WhatsappWebAdapter over a fake client). */
  workerAdapters?: readonly ChannelAdapter[];
  /** The URL the gateway and worker reach the database by, given the direct one (e.g. through a PgBouncer); the test's own `database` stays direct. */
  runtimeDatabaseUrl?: (directUrl: string) => string;
  /** Another Redis than the test one (e.g. a private cluster); its keys are not cleaned up. */
  redisUrl?: string;
  /** Another model than the embedded one (e.g. an OpenAiChatModel on a llama-server); the pipeline closes it. */
  loadModel?: (config: Config) => Promise<ChatModel>;
  /** Another model file than the tiny Llama-2-chat one (e.g. a tiny model with another chat template). */
  modelPath?: string;
  /** Wraps the real model (a DelegatingChatModel that observes or alters its real replies). */
  wrapModel?: (real: ChatModel) => ChatModel;
  /** The worker's clock for opening hours (a test moves it to an opening); default the system clock. */
  now?: () => Date;
  /** TLS agent the worker's Web Push sends use (trusting a FakePushService). */
  pushAgent?: Agent;
}): Promise<TestPipeline> {
  const prefix = createTestPrefix();
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const config = testConfig({ QUEUE_PREFIX: prefix.prefix, ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}), ...options.env });
  const logger = options.logger ?? createLogger("silent", "test");
  const database = await createTestDatabase();
  const settings = { ...TEST_BUSINESS_SETTINGS, ...options.settings };
  for (const [slug, template] of Object.entries(options.businesses))
    await seedBusiness(database.db, await loadPersonaTemplate(template), slug, settings);
  const real = options.loadModel
    ? await options.loadModel(config)
    : await LlamaChatModel.load({ modelPath: options.modelPath ?? (await ensureTinyModel(MODEL_CACHE_DIR)), ...config.model });
  const model = new RecordingChatModel(options.wrapModel ? options.wrapModel(real) : real);
  const runtimeDb = options.runtimeDatabaseUrl
    ? createDb(options.runtimeDatabaseUrl(database.url), { maxConnections: config.databasePoolMax })
    : database.db;
  const worker = composeWorker({
    config,
    db: runtimeDb,
    redisUrl,
    model,
    logger,
    ...(options.workerAdapters ? { extraAdapters: options.workerAdapters } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.pushAgent ? { pushAgent: options.pushAgent } : {}),
    ...(options.timings ? { timings: options.timings } : {}),
  });
  const gateway = composeGateway({ config, db: runtimeDb, redisUrl, logger });
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  return {
    config,
    settings: readBusinessSettings(settings),
    database,
    model,
    gateway,
    worker,
    baseUrl: `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`,
    async close() {
      await gateway.close();
      await worker.close();
      await model.close();
      if (runtimeDb !== database.db) await runtimeDb.$disconnect();
      await database.drop();
      await prefix.cleanup();
    },
  };
}
