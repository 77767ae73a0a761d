import { randomBytes } from "node:crypto";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { freePort } from "../../src/dev/free-port.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { sealChannelCredentials } from "../../src/domain/secrets/channel-credentials.js";
import { parseSecretKey } from "../../src/domain/secrets/secret-box.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { createDb, type Db } from "../../src/adapters/storage/create-db.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { startApp } from "../app-process.js";
import { FakeGraphServer, type Fault, type RecordedRequest } from "../fake-graph-server.js";
import { PrivatePostgres } from "../private-postgres.js";
import { PrivateRedis } from "../private-redis.js";
import { PrivateRedisCluster } from "../private-redis-cluster.js";
import { clusterQueuePrefix } from "../../src/config/redis-url.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { ensureProductionBuild } from "../production-build.js";
import { readProductionShape } from "../production-commands.js";
import { templateDatabaseName } from "../test-env.js";
import { readAdminView } from "./admin-view.js";
import { chaosFigures, type ChaosFigures, type SentMessage } from "./chaos-figures.js";
import { ChaosProcesses } from "./chaos-processes.js";
import { cloudTextWebhook, deliverWebhook } from "./chaos-traffic.js";
import { DatabaseStalls } from "./database-stalls.js";
import { seededRandom } from "./seeded-random.js";
import { TEST_TIMINGS_VARIABLE } from "../../src/main/compose-options.js";

export interface ChaosOptions {
  /** Decides the texts, the fault schedule, the platform's and the database's fault draws: the same seed repeats a run. */
  readonly seed: number;
  readonly conversations: number;
  readonly messagesPerConversation: number;
  /** How long the traffic lasts: each customer writes at seeded moments within it, some close together; the faults are spread over it. */
  readonly trafficMs: number;
  readonly gateways: number;
  readonly workers: number;
  readonly workerKills: number;
  readonly gatewayKills: number;
  readonly redisRestarts: number;
  /**
   * Redis as a cluster (three primaries with a replica each); its fault is then a failover instead
   * of a restart: the primary serving the queue prefix's slot is SIGKILLed, its replica takes over,
   * and the killed node comes back as the new primary's replica (so the next failover has one).
   */
  readonly redisCluster?: boolean;
  readonly postgresRestarts: number;
  readonly postgresDownMs: number;
  /** Sends after which the reply's rows are locked past the transaction timeout, before the platform answers. */
  readonly lockStalls: number;
  /** Sends after which the workers' PostgreSQL sessions are terminated, before the platform answers. */
  readonly sessionKills: number;
  /** Chance that a send the platform took gets one of the stalls above (until their counts are reached). */
  readonly stallRate: number;
  /** Chance that a platform request (send or read receipt) meets a fault drawn from all kinds. */
  readonly platformFaultRate: number;
  /** Each kind of send fault also scripted this many times, for the first sends, so every kind happens. */
  readonly eachPlatformFault: number;
  /** Times the platform refuses connections for a while. */
  readonly platformRefusals: number;
  /** Webhooks delivered a second time. */
  readonly duplicates: number;
  readonly timeoutMs: number;
  readonly modelCacheDir: string;
  /** Where each process's output is written (one file per process); none: kept in memory only. */
  readonly logDir?: string;
  readonly log: (line: string) => void;
}

export interface ChaosEvents {
  workerKills: number;
  gatewayKills: number;
  redisRestarts: number;
  redisFailovers: number;
  /** Each failover: from the SIGKILL to the replica serving the slot (ms). */
  redisFailoverMs: number[];
  postgresRestarts: number;
  lockStalls: number;
  sessionKills: number;
  sessionsEnded: number;
  /** Stalls that could not be set up (PostgreSQL was down): tried again on a later send. */
  stallsFailed: number;
  platformRefusals: number;
  duplicateDeliveries: number;
}

export interface ChaosResult extends ChaosFigures {
  readonly seed: number;
  readonly events: ChaosEvents;
  /** How many platform requests met each fault. */
  readonly platformFaults: Readonly<Record<string, number>>;
  /** Webhook deliveries a gateway refused (by status) or could not take (connection), retried as Meta does. */
  readonly webhookRefusals: Readonly<Record<string, number>>;
  /** Processes that exited without being killed by the run. */
  readonly unexpectedExits: number;
  readonly durationMs: number;
  readonly quiescent: boolean;
}

const PHONE_NUMBER_ID = "106540352242922";
const APP_SECRET = "chaos-app-secret";
const QUEUE_PREFIX = "chaos";
const WORKER_APP = "parlor-chaos-worker";
// Prisma's interactive transactions give up after 5 s: a stall longer than that fails the write.
const STALL_MS = 7000;
const SESSION_KILL_MS = 600;
const GRAPH_TIMEOUT_MS = 1500;
const GATEWAY_DOWN_MS = 1500;
const REFUSAL_MS = 3000;
const QUIET_MS = 3000;

/** What the platform does instead of taking a send, by name. */
export const SEND_FAULTS: Readonly<Record<string, Fault>> = {
  "429 (retried within the call)": { status: 429, retryAfter: "1" },
  "429 (retried later by the outbox)": { status: 429, retryAfter: "60" },
  "500 after sending": { status: 500, processed: true },
  "503 before sending": { status: 503 },
  "slower than the client timeout": { delayMs: GRAPH_TIMEOUT_MS + 1500 },
  "connection dropped after sending": { drop: true, processed: true },
  "connection dropped before sending": { drop: true },
  "repeated message id": { repeatId: "wamid.HBgLCHAOSREPEATEDID" },
};

const QUESTIONS = [
  "do you have rye bread today?",
  "what time do you open on Sunday?",
  "how much is a baguette?",
  "can I order a lemon cake for Friday?",
  "are the cinnamon rolls fresh this morning?",
  "where is the shop exactly?",
  "do you bake croissants every day?",
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const replyIdOf = (r: RecordedRequest) => (r.body as { biz_opaque_callback_data?: string } | undefined)?.biz_opaque_callback_data;

/**
 * The chaos scenario, every part a real process where production has one: gateways and workers as
 * `node dist/main/*.js`, a private PostgreSQL cluster and redis-server, and a fake WhatsApp (the
 * Graph API on loopback). Customers write at seeded moments, some in quick succession, as signed
 * webhooks spread over the gateways, while workers and a gateway are SIGKILLed, Redis restarts
 * empty, PostgreSQL restarts and is stalled between a send and its record, and the platform
 * answers 429, 5xx, too late, drops or refuses connections; some webhooks are delivered twice. Then the faults stop, the run waits for
 * quiescence and counts at the phone (what the fake platform took) and at the admin API.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const say = (line: string) => o.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${line}`);
  const rng = {
    traffic: seededRandom(o.seed, 0),
    schedule: seededRandom(o.seed, 1),
    platform: seededRandom(o.seed, 2),
    stalls: seededRandom(o.seed, 3),
    routing: seededRandom(o.seed, 4),
  };
  await ensureProductionBuild();
  const modelPath = await ensureTinyModel(o.modelCacheDir);
  const postgres = await PrivatePostgres.start({ key: `chaos-${templateDatabaseName()}`, database: "chaos", prepare: migrate });
  const cleanup: Array<() => Promise<unknown>> = [() => postgres.destroy()];
  say("build, model and a migrated PostgreSQL cluster ready");
  const events: ChaosEvents = {
    workerKills: 0,
    gatewayKills: 0,
    redisRestarts: 0,
    redisFailovers: 0,
    redisFailoverMs: [],
    postgresRestarts: 0,
    lockStalls: 0,
    sessionKills: 0,
    sessionsEnded: 0,
    stallsFailed: 0,
    platformRefusals: 0,
    duplicateDeliveries: 0,
  };
  try {
    const redis = o.redisCluster ? await PrivateRedisCluster.start() : await PrivateRedis.start();
    cleanup.push(() => redis.stop());
    const queuePrefix = o.redisCluster ? clusterQueuePrefix(QUEUE_PREFIX) : QUEUE_PREFIX;
    const graph = await FakeGraphServer.start();
    cleanup.push(() => graph.close());
    const databaseUrl = postgres.url("chaos");
    const db = createDb(databaseUrl, { maxConnections: 3 });
    cleanup.push(() => db.$disconnect());
    const secretsKey = randomBytes(32).toString("base64");
    const { businessId, apiKey } = await seed(db, secretsKey);

    const common = {
      LOG_LEVEL: "info",
      HOST: "127.0.0.1",
      REDIS_URL: redis.url,
      QUEUE_PREFIX,
      META_GRAPH_BASE_URL: graph.baseUrl,
      META_GRAPH_TIMEOUT_MS: String(GRAPH_TIMEOUT_MS),
      CHANNEL_SECRETS_KEY: secretsKey,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: "chaos",
      TURN_LOCK_MS: "3000",
      JOB_LOCK_MS: "2000",
      [TEST_TIMINGS_VARIABLE]: JSON.stringify({ busyRetryMs: 100, stalledCheckMs: 1000, reconcileIntervalMs: 1000, reconcileAfterMs: 4000 }),
    };
    const processes = new ChaosProcesses(
      {
        gateway: { ...common, DATABASE_URL: `${databaseUrl}?application_name=parlor-chaos-gateway` },
        worker: {
          ...common,
          DATABASE_URL: `${databaseUrl}?application_name=${WORKER_APP}`,
          MODEL_PATH: modelPath,
          MODEL_CACHE_DIR: o.modelCacheDir,
          LLM_THREADS: "1",
          LLM_SEQUENCES: "2",
        },
      },
      o.logDir,
    );
    cleanup.push(() => processes.stopAll());
    const ports = await Promise.all(Array.from({ length: o.gateways }, () => freePort()));
    await Promise.all([...ports.map((port) => processes.startGateway(port)), ...Array.from({ length: o.workers }, () => processes.startWorker())]);
    say(
      `seed ${o.seed}: started ${o.gateways} gateways, ${o.workers} workers, PostgreSQL on port ${postgres.port}, Redis ${redis instanceof PrivateRedisCluster ? redis.url : `on ${redis.port}`}, platform at ${graph.baseUrl}`,
    );

    // The platform's faults: every kind scripted for the first sends, then drawn at random.
    const faultNames = new Map<Fault, string>(Object.entries(SEND_FAULTS).map(([name, fault]) => [fault, name]));
    for (let i = 0; i < o.eachPlatformFault; i++) for (const fault of Object.values(SEND_FAULTS)) graph.failNext(1, fault, "send");
    graph.setFaultPlan({ rate: o.platformFaultRate, faults: Object.values(SEND_FAULTS), target: "any", random: rng.platform });
    // The database stalls at the moment between a send and its record.
    const stalls = new DatabaseStalls(databaseUrl, WORKER_APP);
    let stalling = true;
    graph.beforeAnswer = async (r) => {
      const replyId = replyIdOf(r);
      if (!stalling || !r.processed || !replyId) return;
      if (stalls.locks < o.lockStalls && rng.stalls() < o.stallRate) await stalls.lockReply(replyId, STALL_MS);
      else if (stalls.terminations < o.sessionKills && rng.stalls() < o.stallRate) stalls.terminateWorkerSessions(SESSION_KILL_MS);
    };

    // The fault schedule: the traffic's time split evenly among the events of each kind, each at a
    // seeded moment of its share; events of one kind one after another.
    const windowMs = o.trafficMs;
    const chains = new Map<string, Promise<void>>();
    const at = (kind: string, count: number, action: (pick: number) => Promise<void>) => {
      for (let i = 0; i < count; i++) {
        const delay = (windowMs * (i + 0.1 + 0.8 * rng.schedule())) / count;
        const pick = rng.schedule();
        const previous = chains.get(kind) ?? Promise.resolve();
        chains.set(
          kind,
          Promise.all([previous, sleep(delay)]).then(() => action(pick)),
        );
      }
    };
    at("worker", o.workerKills, async (pick) => {
      const victim = Math.floor(pick * processes.workers.length);
      await processes.replaceWorker(victim);
      events.workerKills++;
      say(`killed worker ${victim} (SIGKILL), started a replacement`);
    });
    at("gateway", o.gatewayKills, async (pick) => {
      const victim = Math.floor(pick * processes.gateways.length);
      await processes.replaceGateway(victim, GATEWAY_DOWN_MS);
      events.gatewayKills++;
      say(`killed gateway ${victim} (SIGKILL), started a replacement after ${GATEWAY_DOWN_MS} ms`);
    });
    at("redis", o.redisRestarts, async () => {
      if (redis instanceof PrivateRedisCluster) {
        const slotKey = `${queuePrefix}:x`;
        const primary = await redis.primaryFor(slotKey);
        const killedAt = Date.now();
        await redis.kill(primary);
        const now = await redis.waitForNewPrimary(slotKey, primary);
        events.redisFailovers++;
        events.redisFailoverMs.push(Date.now() - killedAt);
        say(`killed the slot's Redis primary ${primary} (SIGKILL); replica ${now} took over after ${Date.now() - killedAt} ms`);
        await redis.restart(primary);
        await redis.waitForReplicas();
        say(`node ${primary} is back as a replica`);
        return;
      }
      await redis.restart();
      events.redisRestarts++;
      say("restarted Redis empty (its queued work is lost; PostgreSQL keeps the truth)");
    });
    at("postgres", o.postgresRestarts, async () => {
      await postgres.stop();
      await sleep(o.postgresDownMs);
      await postgres.start();
      events.postgresRestarts++;
      say(`restarted PostgreSQL (stop -m fast, down ${o.postgresDownMs} ms)`);
    });
    at("platform", o.platformRefusals, async () => {
      await graph.refuseConnections();
      await sleep(REFUSAL_MS);
      await graph.acceptConnections();
      events.platformRefusals++;
      say(`the platform refused connections for ${REFUSAL_MS} ms`);
    });

    // The traffic: each customer writes their messages at seeded moments of the window, in order
    // (the next one once the previous was accepted), each webhook to a gateway at random.
    const sent: SentMessage[] = [];
    const payloads = new Map<string, string>();
    const refusals: Record<string, number> = {};
    const pickUrl = () => `${rng.routing.pick(processes.gateways).url}/webhooks/whatsapp`;
    const post = async (body: string, message?: SentMessage) => {
      const delivery = await deliverWebhook(pickUrl, body, APP_SECRET);
      for (const r of delivery.refusals) refusals[String(r)] = (refusals[String(r)] ?? 0) + 1;
      if (message && delivery.accepted) message.accepted = true;
    };
    const trafficStarted = Date.now();
    const deliveries = Array.from({ length: o.conversations }, async (_, c) => {
      const customer = `1555${String(c).padStart(7, "0")}`;
      const moments = Array.from({ length: o.messagesPerConversation }, () => rng.traffic() * windowMs).sort((a, b) => a - b);
      const texts = moments.map((_, k) => `conversation ${c}, message ${k + 1}: ${rng.traffic.pick(QUESTIONS)}`);
      for (let k = 0; k < moments.length; k++) {
        await sleep(trafficStarted + moments[k]! - Date.now());
        const wamid = `wamid.chaos.${o.seed}.${c}.${k}`;
        const message: SentMessage = { wamid, customer, text: texts[k]!, firstPostedAt: Date.now(), accepted: false };
        const body = cloudTextWebhook(PHONE_NUMBER_ID, customer, wamid, message.text);
        sent.push(message);
        payloads.set(wamid, body);
        await post(body, message);
      }
    });
    await Promise.all(deliveries);
    const duplicates = Array.from(
      { length: o.duplicates },
      () => payloads.get(`wamid.chaos.${o.seed}.${rng.traffic.int(o.conversations)}.${rng.traffic.int(o.messagesPerConversation)}`)!,
    );
    await Promise.all(duplicates.map((body) => post(body)));
    events.duplicateDeliveries = duplicates.length;
    say(`delivered ${sent.length} messages and ${duplicates.length} duplicate webhooks`);
    await Promise.all(chains.values());

    // The faults stop; what was broken must now settle by itself.
    graph.setFaultPlan(null);
    stalling = false;
    await graph.acceptConnections();
    await postgres.start();
    await stalls.settled();
    events.lockStalls = stalls.locks;
    events.sessionKills = stalls.terminations;
    events.sessionsEnded = stalls.sessionsEnded;
    events.stallsFailed = stalls.failed;
    const quiescent = await waitForQuiescence(db, redis.url, queuePrefix, graph, o.timeoutMs - (Date.now() - started));
    say(quiescent ? "quiescent" : "NOT quiescent within the time limit");

    const admin = await readAdminView(processes.gateways[0]!.url, apiKey, businessId);
    const links = await db.message.findMany({ where: { direction: "inbound", replyId: { not: null } }, select: { id: true, replyId: true } });
    const unknown = await db.outboxEntry.findMany({
      where: { status: "failed", lastError: { startsWith: "UNKNOWN_OUTCOME" } },
      select: { messageId: true },
    });
    const figures = chaosFigures({
      sent,
      phone: graph.received(),
      reads: graph.readReceipts(),
      admin,
      replyOf: new Map(links.map((l) => [l.id, l.replyId!])),
      unknownInDatabase: new Set(unknown.map((u) => u.messageId)),
    });
    const platformFaults: Record<string, number> = {};
    for (const r of graph.requests) {
      if (!r.fault) continue;
      const name = `${faultNames.get(r.fault) ?? JSON.stringify(r.fault)}${replyIdOf(r) ? "" : " (read receipt)"}`;
      platformFaults[name] = (platformFaults[name] ?? 0) + 1;
    }
    const exits = processes.unexpectedExits();
    for (const exit of exits) say(`process exited by itself: ${exit.name} (code ${exit.code}, signal ${exit.signal})\n${exit.tail}`);
    return {
      ...figures,
      seed: o.seed,
      events,
      platformFaults,
      webhookRefusals: refusals,
      unexpectedExits: exits.length,
      durationMs: Date.now() - started,
      quiescent,
    };
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => say(`cleanup: ${(error as Error).message}`));
  }
}

/** The production migration command (`node dist/main/migrate.js`) against `url`. */
async function migrate(url: string): Promise<void> {
  const shape = readProductionShape();
  const migration = startApp(shape.commands.migrate!, { ...shape.imageEnv, DATABASE_URL: url });
  const exit = await migration.exited;
  if (exit.code !== 0) throw new Error(`migration failed (${exit.code ?? exit.signal}):\n${migration.output()}`);
}

/** The business, its WhatsApp channel with sealed credentials, and an admin API key of its own. */
async function seed(db: Db, secretsKey: string): Promise<{ businessId: string; apiKey: string }> {
  const { businessId } = await seedBusiness(db, await loadPersonaTemplate("support-bakery"), "chaos", {
    turnDebounceMs: 0,
    temperature: 0,
    replyMaxTokens: 8,
  });
  const channel = await db.channel.create({ data: { businessId, kind: "whatsapp_cloud", platformAccountId: PHONE_NUMBER_ID, name: "WhatsApp" } });
  const sealed = sealChannelCredentials({ accessToken: "chaos-token", appSecret: "", verifyToken: "" }, parseSecretKey(secretsKey), channel.id);
  const secret = await db.channelSecret.create({
    data: { channelId: channel.id, ciphertext: Buffer.from(sealed.ciphertext), iv: Buffer.from(sealed.iv), tag: Buffer.from(sealed.tag) },
  });
  await db.channel.update({ where: { id: channel.id }, data: { credentialsRef: secret.id } });
  const { key } = await issueApiKey(new ApiKeyRepository(db), { businessId, name: "chaos" });
  return { businessId, apiKey: key };
}

/** Nothing left to do: no unanswered message where the agent answers, nothing to send or record, no send for a while. */
async function waitForQuiescence(db: Db, redisUrl: string, queuePrefix: string, graph: FakeGraphServer, budgetMs: number): Promise<boolean> {
  const redis = createRedis(redisUrl, "producer");
  redis.on("error", () => undefined);
  const deadline = Date.now() + budgetMs;
  let quietSince = Date.now();
  let lastRequests = -1;
  try {
    while (Date.now() < deadline) {
      if (graph.requests.length !== lastRequests) {
        lastRequests = graph.requests.length;
        quietSince = Date.now();
      }
      try {
        const open = await db.message.count({ where: { direction: "inbound", status: "received", conversation: { agentPaused: false } } });
        const unsent = await db.outboxEntry.count({ where: { status: { in: ["pending", "sending"] } } });
        const unrecorded = await redis.hlen(`${queuePrefix}:outbox:unrecorded`);
        if (open === 0 && unsent === 0 && unrecorded === 0 && Date.now() - quietSince > QUIET_MS) return true;
      } catch {
        // the database or Redis is still coming back
      }
      await sleep(250);
    }
    return false;
  } finally {
    redis.disconnect();
  }
}
