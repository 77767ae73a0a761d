import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Config } from "../../config/index.js";
import { ModelCallLog } from "../../adapters/llm/model-call-log.js";
import type { ChatModel } from "../../ports/chat-model.js";
import type { PersonaTemplate } from "../../domain/personas/persona-templates.js";
import type { Logger } from "../../ports/logger.js";
import { createRedis } from "../../adapters/queue/redis-connection.js";
import { RedisReplyBus } from "../../adapters/queue/redis-reply-bus.js";
import { createDb, type Db } from "../../adapters/storage/create-db.js";
import { migrateDatabase } from "../../adapters/storage/migrate-database.js";
import { seedBusiness, type SeededBusiness } from "../../adapters/storage/seed-business.js";
import type { TurnOutcome } from "../../app/turn/handle-turn.js";
import { composeGateway } from "../compose-gateway.js";
import { composeWorker } from "../compose-worker.js";
import { CheckConversation, type ObservedOutcome } from "./check-conversation.js";

/** A step on a slow machine with a real 7B model can take a while; a stuck one must not hang CI. */
const STEP_TIMEOUT_MS = 300_000;

const UNLIMITED = 1_000_000;

/** The check business's turn debounce: long enough to merge a scripted burst, short enough not to wait per step. */
export const PERSONA_CHECK_DEBOUNCE_MS = 250;

export interface CheckPipelineOptions {
  readonly config: Config;
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly model: ChatModel;
  readonly persona: PersonaTemplate;
  readonly replyMaxTokens: number;
  /** The check business's sampling temperature; default the businesses' default. */
  readonly temperature?: number;
  /** Default PERSONA_CHECK_DEBOUNCE_MS. */
  readonly debounceMs?: number;
  readonly logger: Logger;
  /**
   * Pool size; 1 for embedded PGlite: its socket server runs one session, and statements from
   * several connections can interleave there (electric-sql/pglite#1046).
   */
  readonly databaseConnections: number;
  /** Leave the throwaway business (and its messages) in the database afterwards. */
  readonly keep?: boolean;
}

export interface CheckPipeline {
  readonly business: SeededBusiness;
  readonly db: Db;
  /** The gateway on loopback. */
  readonly baseUrl: string;
  /** The Redis key prefix this run's queues use. */
  readonly queuePrefix: string;
  /** A new web chat session: one scripted conversation. */
  openConversation(): CheckConversation;
  close(): Promise<void>;
}

/**
 * The whole system for one persona:check run: a throwaway business whose persona's first version is
 * the file under check, with a web chat channel; a gateway on loopback and a worker with the real
 * queue, lock, debounce, history trimming, guardrails and model, on their own Redis key prefix.
 */
export async function startCheckPipeline(options: CheckPipelineOptions): Promise<CheckPipeline> {
  const run = randomBytes(4).toString("hex");
  const base = options.config;
  const config: Config = {
    ...base,
    queuePrefix: `${base.queuePrefix}:persona-check-${run}`,
    turns: { ...base.turns, interrupt: "wait" },
    // A private gateway on loopback where each scripted conversation stands for another person,
    // all from this machine's address: the web chat's limits per address would count them as one.
    webchat: {
      ...base.webchat,
      postsPerMinutePerIp: UNLIMITED,
      postsPerMinutePerChannel: UNLIMITED,
      streamOpensPerMinutePerIp: UNLIMITED,
      streamOpensPerMinutePerChannel: UNLIMITED,
      readsPerMinutePerIp: UNLIMITED,
      streamsPerIp: UNLIMITED,
      fansPerAddress: UNLIMITED,
      pendingPerAddress: UNLIMITED,
    },
    businessQueuedTurnsMax: UNLIMITED,
  };
  await migrateDatabase(options.databaseUrl);
  const db = createDb(options.databaseUrl, { maxConnections: options.databaseConnections });
  const business = await seedBusiness(db, options.persona, `persona-check-${options.persona.template}-${run}`, {
    replyMaxTokens: options.replyMaxTokens,
    turnDebounceMs: options.debounceMs ?? PERSONA_CHECK_DEBOUNCE_MS,
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
  });

  const model = new ModelCallLog(options.model);
  const outcomes = new Map<string, ObservedOutcome[]>();
  const onTurn = (job: { conversationId: string }, outcome: TurnOutcome) => {
    const observed = { outcome, promptsSoFar: model.promptsFor(job.conversationId).length };
    outcomes.set(job.conversationId, [...(outcomes.get(job.conversationId) ?? []), observed]);
  };
  const worker = composeWorker({ config, db, redisUrl: options.redisUrl, model, logger: options.logger.child({ role: "worker" }), onTurn });
  const gateway = composeGateway({ config, db, redisUrl: options.redisUrl, logger: options.logger.child({ role: "gateway" }) });
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  const baseUrl = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
  // What the web chat adapter announces on the reply bus, as the gateway's event streams hear it.
  const subscriber = createRedis(options.redisUrl, "subscriber");
  const publisher = createRedis(options.redisUrl, "producer");
  const bus = new RedisReplyBus(publisher, subscriber, config.queuePrefix);

  return {
    business,
    db,
    baseUrl,
    queuePrefix: config.queuePrefix,
    openConversation: () =>
      new CheckConversation({
        baseUrl,
        db,
        bus,
        business,
        model,
        outcomesOf: (conversationId) => outcomes.get(conversationId) ?? [],
        stepTimeoutMs: STEP_TIMEOUT_MS,
      }),
    async close() {
      await gateway.close();
      await worker.close();
      subscriber.disconnect();
      await deleteKeys(publisher, config.queuePrefix);
      publisher.disconnect();
      if (!options.keep) await db.business.delete({ where: { id: business.businessId } });
      await db.$disconnect();
    },
  };
}

async function deleteKeys(redis: ReturnType<typeof createRedis>, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}
