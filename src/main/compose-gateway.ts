import { registerMetaWebhookRoutes } from "../adapters/channels/meta/meta-webhook-routes.js";
import type { FastifyInstance } from "fastify";
import { WebchatAdapter } from "../adapters/channels/webchat/webchat-adapter.js";
import type { Config } from "../config/index.js";
import { buildApp, createServer, type HttpServerSettings } from "../adapters/http/build-app.js";
import { MetricsScrape } from "../adapters/http/metrics/metrics-scrape.js";
import { registerMetricsListenerRoutes } from "../adapters/http/metrics/metrics-routes.js";
import { ConversationStreams, type StreamStats } from "../adapters/http/webchat/conversation-streams.js";
import type { WebchatRouteDeps } from "../adapters/http/webchat/webchat-routes.js";
import { installErrorHandler } from "../adapters/http/error-handler.js";
import { RedisAnswerMemory } from "../adapters/queue/redis-answer-memory.js";
import { Pseudonyms } from "../domain/secrets/pseudonyms.js";
import type { ConversationReader } from "../ports/conversation-reader.js";
import type { InboundStore, StoredInbound } from "../ports/inbound-store.js";
import type { ReplyBus } from "../ports/reply-bus.js";
import { closeWithin } from "../adapters/queue/close-within.js";
import type { RedisClient } from "../adapters/queue/redis-connection.js";
import type { InboundMessage } from "../domain/inbound-message.js";
import { acceptInbound } from "../app/ingest/accept-inbound.js";
import { announceStored } from "../app/ingest/announce-stored.js";
import { createBatchedAccept } from "../app/ingest/batched-accept.js";
import { isDatabaseUnreachable, withDatabase } from "../adapters/storage/db-unavailable.js";
import { storeInboundBatch } from "../adapters/storage/ingest/store-inbound-batch.js";
import type { Logger } from "../ports/logger.js";
import { createRedis } from "../adapters/queue/redis-connection.js";
import { registerAdminApi } from "../adapters/http/admin/register-admin-api.js";
import { createPersonaTokenCounter } from "../adapters/llm/persona-token-counter.js";
import { personaTokenBudget } from "../domain/personas/render-persona.js";
import { BullOutboxQueue } from "../adapters/queue/outbox-queue.js";
import { checkRedisPolicy } from "../adapters/queue/check-redis-policy.js";
import { parseSecretKey } from "../domain/secrets/secret-box.js";
import { createAdminStore } from "../adapters/storage/admin/admin-store.js";
import { RedisConversationEvents } from "../adapters/queue/redis-conversation-events.js";
import { RedisReplyBus } from "../adapters/queue/redis-reply-bus.js";
import { ChatProfileRepository } from "../adapters/storage/admin/chat-profile-repository.js";
import { CachedChatProfiles } from "../adapters/http/webchat/cached-chat-profiles.js";
import type { ChatProfileReader } from "../ports/chat-profile-reader.js";
import { BullTurnQueue } from "../adapters/queue/turn-queue.js";
import { ConversationRepository } from "../adapters/storage/turn/conversation-repository.js";
import type { Db } from "../adapters/storage/create-db.js";
import { channelVerifier, metaDataDeletionDeps, metaWebhookDeps } from "./compose-meta-channels.js";
import { BullQueuedWork } from "../adapters/queue/bull-queued-work.js";
import { InboundRepository } from "../adapters/storage/ingest/inbound-repository.js";
import { MetricsRepository } from "../adapters/storage/admin/metrics-repository.js";
import { Queue } from "bullmq";
import { ApiKeyAuthenticator } from "../app/admin/authenticate-api-key.js";
import { ConsoleSessions } from "../app/admin/console-sessions.js";
import { AdminAuth } from "../adapters/http/admin/admin-auth.js";
import { registerQueueDashboard } from "../adapters/http/queues/register-queue-dashboard.js";
import { OUTBOX_QUEUE, TURN_QUEUE } from "../adapters/queue/queue-names.js";
import { OPENING_QUEUE } from "../adapters/queue/opening-queue.js";
import { drainableHttp, type HttpStopSummary } from "./http-drain.js";
import { composeOwnerAlerts } from "./compose-alerts.js";
import { GATEWAY_TIMINGS, type GatewayTimings } from "./compose-options.js";

export interface Gateway {
  readonly app: FastifyInstance;
  close(): Promise<unknown>;
}

export interface RunningGateway extends Gateway {
  /** The metrics listener (METRICS_PORT), built but not listening: main/ (or a test) listens on config.metrics. */
  readonly metricsApp: FastifyInstance | undefined;
  /** What the web chat's event streams hold on this gateway (tests, operators). */
  streamStats(): StreamStats;
  /** Stops taking requests, answers the ones in flight (cut off after SHUTDOWN_DEADLINE_MS), ends event streams, closes Redis. */
  close(): Promise<HttpStopSummary>;
}

/** The HTTP server limits from config (also for the bench's gateways). */
export function httpSettings(config: Config): HttpServerSettings {
  return config.http;
}

/** The web chat routes' dependencies other than storage: limits, pseudonyms, event streams. */
export function webchatRouteDeps(
  config: Config,
  deps: {
    bus: ReplyBus;
    accept: (message: InboundMessage) => Promise<StoredInbound>;
    channels: Pick<InboundStore, "findChannel">;
    reader: ConversationReader;
    logger: Logger;
    redis?: RedisClient;
    queuedTurns?: (businessId: string) => Promise<number>;
    profiles?: ChatProfileReader;
  },
): WebchatRouteDeps {
  return {
    adapter: new WebchatAdapter(deps.bus, config.limits.maxMessageChars),
    accept: deps.accept,
    channels: deps.channels,
    reader: deps.reader,
    streams: new ConversationStreams({ reader: deps.reader, bus: deps.bus, logger: deps.logger }),
    limits: { ...config.webchat, businessQueuedTurnsMax: config.businessQueuedTurnsMax },
    ...(deps.redis ? { rateLimitStore: { redis: deps.redis, prefix: config.queuePrefix } } : {}),
    queuedTurns: deps.queuedTurns ?? (async () => 0),
    pseudonyms: Pseudonyms.fromKey(config.pseudonymKey),
    ...(deps.profiles ? { profiles: deps.profiles } : {}),
  };
}

/** Wires the gateway: HTTP in, PostgreSQL for storage, Redis for the turn queue and reply events. */
export function composeGateway(deps: {
  config: Config;
  db: Db;
  redisUrl: string;
  logger: Logger;
  /** Benchmarks shorten these; default GATEWAY_TIMINGS. */
  timings?: Partial<GatewayTimings>;
}): RunningGateway {
  const { config, db, logger } = deps;
  const timings = { ...GATEWAY_TIMINGS, ...deps.timings };
  const producer = createRedis(deps.redisUrl, "producer");
  const subscriber = createRedis(deps.redisUrl, "subscriber");
  producer.on("error", (error) => logger.warn({ err: error }, "redis (producer) error"));
  subscriber.on("error", (error) => logger.warn({ err: error }, "redis (subscriber) error"));
  const queue = new BullTurnQueue(producer, config.queuePrefix, logger);
  const store = new InboundRepository(db);
  const bus = new RedisReplyBus(producer, subscriber, config.queuePrefix);
  const metricsRepository = new MetricsRepository(db);
  const events = new RedisConversationEvents(producer, subscriber, config.queuePrefix);
  const batched = createBatchedAccept(
    {
      storeBatch: (messages) => withDatabase(() => storeInboundBatch(db, messages)),
      enqueueTurns: (jobs) => queue.enqueueTurns(jobs),
      acceptOne: (message: InboundMessage) => acceptInbound({ store, queue }, message),
    },
    { maxBatch: config.ingest.batchMax, maxInFlight: config.ingest.batchesInFlight },
  );
  const accept = announceStored(batched, events);
  const outboxQueue = new BullOutboxQueue(producer, config.queuePrefix, logger);
  const adminStore = createAdminStore(db);
  const queuedWork = new BullQueuedWork(producer, config.queuePrefix, queue, outboxQueue);
  const pseudonyms = Pseudonyms.fromKey(config.pseudonymKey);
  if (!pseudonyms.persistent)
    logger.warn(
      {},
      "PSEUDONYM_KEY is not set: web chat limits per address do not hold across gateways and restarts, and erasure records keep no subject hash",
    );
  const scrape = new MetricsScrape(
    {
      queueDepth: () => queue.queue.getJobCounts("waiting", "prioritized", "delayed", "active", "failed"),
      repliesByChannel: () => metricsRepository.repliesByChannel(),
      recentTurns: (windowMs) => metricsRepository.recentTurns(windowMs),
    },
    timings.metricsCacheMs,
  );
  const chatProfiles = new CachedChatProfiles(new ChatProfileRepository(db));
  const webchat = webchatRouteDeps(config, {
    profiles: chatProfiles,
    bus,
    accept,
    channels: store,
    reader: new ConversationRepository(db),
    logger,
    redis: producer,
    queuedTurns: (businessId) => queue.queuedFor(businessId),
  });
  const app = buildApp({
    logger,
    maxMessageChars: config.limits.maxMessageChars,
    http: httpSettings(config),
    webchat: { ...webchat, pseudonyms },
    chatPageFrameAncestors: config.webchat.frameAncestors,
    chatProfiles,
    channelRoutes: [(app) => registerMetaWebhookRoutes(app, metaWebhookDeps(config, { db, store, accept, logger }))],
    metaDataDeletion: metaDataDeletionDeps(
      config,
      { store: adminStore.erasures, work: queuedWork, logger },
      { answered: new RedisAnswerMemory(producer, config.queuePrefix), pseudonyms },
    ),
    // On the public listener only with its token; with METRICS_PORT, only on that listener.
    ...(config.metrics.port === undefined ? { metrics: { scrape, token: config.metrics.token } } : {}),
    readiness: {
      database: async () => {
        await db.$queryRaw`select 1`;
      },
      redis: async () => {
        await producer.ping();
      },
    },
  });
  // One console sign-in for the admin API, its event stream and the queue dashboard.
  const sessions = new ConsoleSessions(adminStore.consoleSessions, config.console.sessionTtlMs);
  // The console's persona budget, counted as the worker's model will count it.
  const { engine } = config.model;
  const personaTokens = createPersonaTokenCounter(
    config.model.path,
    engine.kind === "openai" ? { baseUrl: engine.baseUrl, apiKey: engine.apiKey, model: engine.model, timeoutMs: engine.timeoutMs } : undefined,
  );
  const publicBaseUrl = config.http.publicBaseUrl;
  registerAdminApi(app, {
    isStoreUnavailable: isDatabaseUnreachable,
    sessions,
    alerts: composeOwnerAlerts(config, db, logger),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    store: adminStore,
    queuedWork,
    requeueTurn: (job) => queue.requeueTurn(job),
    events,
    logger,
    countTokens: (systemPrompt) => personaTokens.count(systemPrompt),
    personaBudget: (replyMaxTokens) => personaTokenBudget(config.model.contextSize, replyMaxTokens),
    channelSecretsKey: config.channels.secretsKey ? parseSecretKey(config.channels.secretsKey) : undefined,
    // A human's reply goes out through the same outbox and channel adapters as the agent's.
    deliver: (outboxId) => outboxQueue.scheduleRetry(outboxId, 0),
    maxMessageChars: config.limits.maxMessageChars,
    pseudonyms,
    channelVerifier: channelVerifier(config),
    channelsPerBusinessMax: config.channelsPerBusinessMax,
  });
  // The dashboard's own Queue objects: it only reads and manages jobs, never adds them.
  const dashboardQueues = [TURN_QUEUE, OUTBOX_QUEUE, OPENING_QUEUE].map((name) => {
    const q = new Queue(name, { connection: producer, prefix: config.queuePrefix, skipWaitingForReady: true });
    q.on("error", (error) => logger.warn({ err: error, queue: name }, "queue dashboard connection error"));
    return q;
  });
  registerQueueDashboard(app, {
    queues: dashboardQueues,
    auth: new AdminAuth(new ApiKeyAuthenticator(adminStore.apiKeys), { sessions, ...(publicBaseUrl ? { publicBaseUrl } : {}) }),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
  });
  const http = drainableHttp(app);
  let metricsApp: FastifyInstance | undefined;
  if (config.metrics.port !== undefined) {
    metricsApp = createServer(httpSettings(config));
    installErrorHandler(metricsApp, logger);
    registerMetricsListenerRoutes(metricsApp, scrape, config.metrics.token);
  }
  void checkRedisPolicy(producer, logger);
  return {
    app,
    metricsApp,
    streamStats: () => webchat.streams.stats(),
    async close() {
      const drained = await http.close(config.reliability.shutdownDeadlineMs);
      await metricsApp?.close();
      // Bounded: after a Redis Cluster failover a close can wait for a reply that never comes.
      await closeWithin(5000, "queues", () => Promise.all([...dashboardQueues.map((q) => q.close()), queue.close(), outboxQueue.close()]), logger);
      producer.disconnect();
      subscriber.disconnect();
      await personaTokens.close();
      return drained;
    },
  };
}
