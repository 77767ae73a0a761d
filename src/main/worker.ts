import { loadConfig } from "../config/index.js";
import { loadChatModel } from "./load-chat-model.js";
import { createLogger } from "../adapters/logging/create-logger.js";
import { createDb } from "../adapters/storage/create-db.js";
import { composeWorker } from "./compose-worker.js";
import { TEST_TIMINGS_VARIABLE, testTimingsFrom } from "./compose-options.js";
import { hostWhatsappWebChannels } from "./host-whatsapp-web.js";
import { runMain, STOP_MARGIN_MS } from "./run-main.js";

runMain(async (onShutdown, controls) => {
  const config = loadConfig("worker");
  const timings = testTimingsFrom();
  const logger = createLogger(config.logLevel, "worker");
  if (timings) logger.warn({ timings }, `${TEST_TIMINGS_VARIABLE} is set: test timings, not production's`);
  controls.useLogger(logger);
  controls.setDeadline(config.reliability.shutdownDeadlineMs + STOP_MARGIN_MS);
  // Load the model first: a missing or corrupt file stops start-up before anything is consumed.
  const model = await loadChatModel(config);
  onShutdown(() => model.close());
  const db = createDb(config.databaseUrl!, { maxConnections: config.databasePoolMax });
  onShutdown(() => db.$disconnect());
  const whatsappWeb = config.channels.whatsappWeb.enabled
    ? await hostWhatsappWebChannels({ config, db, redisUrl: config.redisUrl!, logger, print: (text) => process.stdout.write(text) })
    : undefined;
  if (whatsappWeb) onShutdown(() => whatsappWeb.stop());
  const worker = composeWorker({
    config,
    db,
    redisUrl: config.redisUrl!,
    model,
    logger,
    extraAdapters: whatsappWeb ? [whatsappWeb.adapter] : [],
    ...(timings ? { timings } : {}),
  });
  onShutdown(() => worker.close());
  logger.info({ model: model.description }, "worker started");
});
