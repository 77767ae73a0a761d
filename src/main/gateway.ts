import { loadConfig } from "../config/index.js";
import { createLogger } from "../adapters/logging/create-logger.js";
import { createDb } from "../adapters/storage/create-db.js";
import { composeGateway } from "./compose-gateway.js";
import { TEST_TIMINGS_VARIABLE, testTimingsFrom } from "./compose-options.js";
import { runMain, STOP_MARGIN_MS } from "./run-main.js";

runMain(async (onShutdown, controls) => {
  const config = loadConfig("gateway");
  const timings = testTimingsFrom();
  const logger = createLogger(config.logLevel, "gateway");
  if (timings) logger.warn({ timings }, `${TEST_TIMINGS_VARIABLE} is set: test timings, not production's`);
  controls.useLogger(logger);
  controls.setDeadline(config.reliability.shutdownDeadlineMs + STOP_MARGIN_MS);
  const db = createDb(config.databaseUrl!, { maxConnections: config.databasePoolMax });
  onShutdown(() => db.$disconnect());
  const gateway = composeGateway({ config, db, redisUrl: config.redisUrl!, logger, ...(timings ? { timings } : {}) });
  onShutdown(() => gateway.close());
  const address = await gateway.app.listen({ host: config.http.host, port: config.http.port });
  logger.info({ address }, "gateway listening");
  if (gateway.metricsApp && config.metrics.port !== undefined) {
    const metricsAddress = await gateway.metricsApp.listen({ host: config.metrics.host, port: config.metrics.port });
    logger.info({ address: metricsAddress }, "metrics listening");
  } else if (!config.metrics.token) {
    logger.info({}, "GET /metrics answers 401: set METRICS_TOKEN, or METRICS_PORT for a listener of its own");
  }
});
