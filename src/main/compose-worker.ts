import os from "node:os";
import { WebchatAdapter } from "../adapters/channels/webchat/webchat-adapter.js";
import { linkBaseUrl, type Config } from "../config/index.js";
import type { ChannelKind } from "../domain/inbound-message.js";
import type { ChannelAdapter } from "../ports/channel-adapter.js";
import type { ChatModel } from "../ports/chat-model.js";
import type { Logger } from "../ports/logger.js";
import { BullOutboxQueue } from "../adapters/queue/outbox-queue.js";
import { closeWithin } from "../adapters/queue/close-within.js";
import { createRedis } from "../adapters/queue/redis-connection.js";
import { RedisConversationLock } from "../adapters/queue/redis-conversation-lock.js";
import { listenForErasedConversations } from "../adapters/queue/erased-conversations.js";
import { RedisConversationEvents } from "../adapters/queue/redis-conversation-events.js";
import { RedisReplyBus } from "../adapters/queue/redis-reply-bus.js";
import { RedisUnrecordedSends } from "../adapters/queue/redis-unrecorded-sends.js";
import { startWorkers, type DrainSummary } from "../adapters/queue/start-workers.js";
import { checkRedisPolicy } from "../adapters/queue/check-redis-policy.js";
import { startSingletonLoop } from "../adapters/queue/reconciler-loop.js";
import { inRounds, startMaintenance } from "../adapters/queue/maintenance-queue.js";
import { WebchatRetentionRepository } from "../adapters/storage/webchat-retention-repository.js";
import { BullTurnQueue } from "../adapters/queue/turn-queue.js";
import { BullOpeningQueue, startOpeningWorker } from "../adapters/queue/opening-queue.js";
import { OpeningRepository } from "../adapters/storage/turn/opening-repository.js";
import { ReconcileRepository } from "../adapters/storage/turn/reconcile-repository.js";
import { reconcile } from "../app/turn/reconcile.js";
import type { Db } from "../adapters/storage/create-db.js";
import { OutboxRepository } from "../adapters/storage/turn/outbox-repository.js";
import { TurnRepository } from "../adapters/storage/turn/turn-repository.js";
import { KnowledgeRepository } from "../adapters/storage/turn/knowledge-repository.js";
import { KnowledgeRetriever } from "../app/knowledge/knowledge-retriever.js";
import { deliverReply } from "../app/turn/deliver-reply.js";
import { handleTurn, type TurnOutcome } from "../app/turn/handle-turn.js";
import type { TurnJob } from "../ports/turn-queue.js";
import { abortableModel } from "./abortable-model.js";
import type { Agent } from "node:https";
import { turnAlerts } from "../app/alerts/turn-alerts.js";
import { AlertContextRepository } from "../adapters/storage/admin/alert-context-repository.js";
import { composeOwnerAlerts } from "./compose-alerts.js";
import { metaAdapters } from "./compose-meta-channels.js";
import { WORKER_TIMINGS, type WorkerTimings } from "./compose-options.js";

export interface WorkerStopSummary extends DrainSummary {
  /** Replies sent (or given up) during the stop, by turns finishing and by outbox jobs. */
  readonly sendsFinished: number;
}

export interface RunningWorker {
  /** Stops taking turns; running ones get SHUTDOWN_DEADLINE_MS to finish, then are handed back. */
  close(): Promise<WorkerStopSummary>;
}

const SEND_RETRY_DELAY_MS = 2000;
/** Each close after the drain; past it, disconnecting Redis ends what still waits (closeWithin). */
const CLOSE_STEP_MS = 5000;
const OPENING_BATCH = 200;
const OPENING_ROUNDS = 25;

/** Wires a worker: BullMQ consumers, the model, PostgreSQL, and the adapters replies leave through. */
export function composeWorker(deps: {
  config: Config;
  db: Db;
  redisUrl: string;
  model: ChatModel;
  logger: Logger;
  extraAdapters?: readonly ChannelAdapter[];
  /** Told every turn's outcome (persona:check watches its scripted turns through this). */
  onTurn?: (job: TurnJob, outcome: TurnOutcome) => void;
  /** The clock opening hours are judged by (tests move it to an opening); default the system clock. */
  now?: () => Date;
  /** TLS agent for Web Push services (tests: trusts the fake push service). */
  pushAgent?: Agent;
  /** Tests and benchmarks shorten these; default WORKER_TIMINGS. */
  timings?: Partial<WorkerTimings>;
}): RunningWorker {
  const { config, db, model, logger } = deps;
  const timings = { ...WORKER_TIMINGS, ...deps.timings };
  const connection = createRedis(deps.redisUrl, "worker");
  connection.on("error", (error) => logger.warn({ err: error }, "redis (worker) error"));
  const bus = new RedisReplyBus(connection, null, config.queuePrefix);
  // An erased contact's conversations leave the model's memory (and its saved states) too.
  const subscriber = createRedis(deps.redisUrl, "subscriber");
  subscriber.on("error", (error) => logger.warn({ err: error }, "redis (worker subscriber) error"));
  const stopListening = listenForErasedConversations(subscriber, config.queuePrefix, (conversationId) => {
    void model
      .forget(conversationId)
      .catch((error: unknown) => logger.warn({ err: error, conversationId }, "could not drop an erased conversation's model state"));
  }).catch((error: unknown) => {
    logger.warn({ err: error }, "not listening for erased conversations: Redis refused the subscription");
    return undefined;
  });
  const webchat = new WebchatAdapter(bus, config.limits.maxMessageChars);
  const adapters = new Map<ChannelKind, ChannelAdapter>([["webchat", webchat]]);
  for (const adapter of [...metaAdapters(config, db, logger), ...(deps.extraAdapters ?? [])]) adapters.set(adapter.kind, adapter);
  const store = new TurnRepository(db);
  const knowledge = new KnowledgeRetriever(new KnowledgeRepository(db));
  const outboxQueue = new BullOutboxQueue(connection, config.queuePrefix, logger);
  const events = new RedisConversationEvents(connection, null, config.queuePrefix);
  // Where a repeated send is invisible to the customer (the page dedups by message id).
  const idempotentSendKinds = new Set(["webchat"]);
  const unrecorded = new RedisUnrecordedSends(connection, config.queuePrefix);
  const delivery = { outbox: new OutboxRepository(db), adapters, logger, maxAttempts: 8, events, idempotentSendKinds, unrecorded };
  const lock = new RedisConversationLock(connection, config.queuePrefix, config.turnLockMs);

  // Owners' devices hear of handoffs and of customers waiting in paused conversations.
  const alerts = turnAlerts({
    alerts: composeOwnerAlerts(config, db, logger, deps.pushAgent),
    context: new AlertContextRepository(db),
    firstTime: async (key) => (await connection.set(`${config.queuePrefix}:alerted:${key}`, "1", "EX", 86_400, "NX")) === "OK",
    logger,
  });

  const workerName = `${os.hostname()}:${process.pid}`;
  // Set while stopping: counts the sends that finish during the drain; aborts generations at its deadline.
  let stopping: { sendsFinished: number } | undefined;
  const handBack = new AbortController();
  const turnModel = abortableModel(model, handBack.signal);
  const deliver = async (outboxId: string) => {
    try {
      return await deliverReply(delivery, outboxId);
    } finally {
      if (stopping) stopping.sendsFinished += 1;
    }
  };
  const deliverOrSchedule = async (outboxId: string) => {
    const result = await deliver(outboxId);
    if (result.outcome === "retry" || result.outcome === "waiting")
      await outboxQueue.scheduleRetry(outboxId, result.retryInMs ?? SEND_RETRY_DELAY_MS);
    return result;
  };
  const openings = new BullOpeningQueue(connection, config.queuePrefix, logger, deps.now);
  const workers = startWorkers(
    {
      handleTurn: async (job) => {
        let typing = false;
        const typingOff = () => typing && void webchat.typing(job.conversationId, false).catch(() => undefined);
        const outcome = await handleTurn(
          {
            store,
            model: turnModel,
            lock,
            logger: logger.child({ component: "turn" }),
            chunkTokens: config.model.historyChunkTokens,
            knowledge,
            fansPerAddress: config.webchat.fansPerAddress,
            lockRenewMs: Math.floor(config.turnLockMs / 3),
            workerName,
            interrupt: config.turns.interrupt,
            interruptPollMs: timings.interruptPollMs,
            maxRestarts: config.turns.maxRestarts,
            deliver: deliverOrSchedule,
            publicBaseUrl: linkBaseUrl(config.http),
            onAnswering: (conversationId, kind) => {
              if (kind !== "webchat") return;
              typing = true;
              void webchat.typing(conversationId, true).catch(() => undefined);
            },
            scheduleOpening: (businessId, opensAt) => openings.schedule(businessId, opensAt),
            ...(deps.now ? { now: deps.now } : {}),
          },
          job,
        ).finally(typingOff);
        if (outcome.kind === "answered" || outcome.kind === "away" || outcome.kind === "skipped" || outcome.kind === "waiting") events.publish(job);
        if (outcome.kind === "answered" && outcome.handoffId) alerts.handoff(job);
        // Paused until a person resumes it (not the owner's quiet time): the customer waits for a person.
        if (outcome.kind === "paused" && outcome.resumeInMs === undefined) alerts.waiting(job);
        // Closed, the away message already sent: the message waits for the owner (or the opening).
        if (outcome.kind === "waiting") alerts.waiting(job);
        deps.onTurn?.(job, outcome);
        return outcome;
      },
      deliver,
      abortRunning: () => handBack.abort(),
      onTurnFailed: async (job, error) => {
        await store.markInboundFailed([job.messageId], error.message);
        events.publish(job);
      },
    },
    {
      connection,
      prefix: config.queuePrefix,
      concurrency: config.model.sequences,
      busyDelayMs: timings.busyRetryMs,
      jobLockMs: config.reliability.jobLockMs,
      stalledCheckMs: timings.stalledCheckMs,
      logger,
    },
  );
  const turnQueue = new BullTurnQueue(connection, config.queuePrefix, logger);
  const openingStore = new OpeningRepository(db);
  const openingWorker = startOpeningWorker({
    connection,
    prefix: config.queuePrefix,
    logger: logger.child({ component: "opening" }),
    // Bounded rounds; whatever is left past them is the reconciler's once the opening has passed.
    answer: async ({ businessId, opensAt }) => {
      let queued = 0;
      for (let round = 0; round < OPENING_ROUNDS; round++) {
        const { taken, turns } = await openingStore.takeWaiting(businessId, new Date(opensAt), OPENING_BATCH);
        for (const turn of turns) if (await turnQueue.requeueTurn(turn)) queued++;
        if (taken < OPENING_BATCH) break;
      }
      return queued;
    },
  });
  const reconciler = startSingletonLoop({
    redis: connection,
    key: `${config.queuePrefix}:lock:reconciler`,
    intervalMs: timings.reconcileIntervalMs,
    logger,
    task: () =>
      reconcile({
        store: new ReconcileRepository(db),
        requeueTurn: (job) => turnQueue.requeueTurn(job),
        scheduleDelivery: (outboxId) => outboxQueue.scheduleRetry(outboxId, 0),
        idempotentSendKinds,
        unrecorded,
        afterMs: timings.reconcileAfterMs,
        logger: logger.child({ component: "reconciler" }),
      }),
  });
  // Abandoned web chat sessions (never answered, idle for WEBCHAT_ABANDONED_DAYS) go, in bounded batches.
  const retention = new WebchatRetentionRepository(db);
  const maintenance = startMaintenance(
    {
      connection,
      prefix: config.queuePrefix,
      logger: logger.child({ component: "maintenance" }),
      retentionIntervalMs: config.webchat.retentionIntervalMs,
    },
    {
      webchatRetention: () => inRounds((limit) => retention.deleteAbandoned(new Date(Date.now() - config.webchat.abandonedAfterMs), limit), 500, 20),
    },
  ).catch((error: unknown) => {
    logger.warn({ err: error }, "maintenance jobs not scheduled: Redis refused");
    return undefined;
  });
  void checkRedisPolicy(connection, logger);
  return {
    async close() {
      stopping = { sendsFinished: 0 };
      reconciler.stop();
      const m = await maintenance;
      if (m) await closeWithin(CLOSE_STEP_MS, "maintenance", () => m.close(), logger);
      await closeWithin(CLOSE_STEP_MS, "opening worker", () => openingWorker.close(), logger);
      const drained = await workers.close(config.reliability.shutdownDeadlineMs);
      await closeWithin(CLOSE_STEP_MS, "queues", () => Promise.all([turnQueue.close(), openings.close(), outboxQueue.close()]), logger);
      const stop = await stopListening;
      if (stop) await closeWithin(CLOSE_STEP_MS, "erasure subscription", stop, logger);
      subscriber.disconnect();
      connection.disconnect();
      return { ...drained, sendsFinished: stopping.sendsFinished };
    },
  };
}
