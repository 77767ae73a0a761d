import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import type { Config } from "../src/config/index.js";
import { createLogger } from "../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../src/main/compose-gateway.js";
import type { PersonaTemplate } from "../src/domain/personas/persona-templates.js";
import { createRedis } from "../src/adapters/queue/redis-connection.js";
import { BullTurnQueue } from "../src/adapters/queue/turn-queue.js";
import { createDb } from "../src/adapters/storage/create-db.js";
import { seedBusiness } from "../src/adapters/storage/seed-business.js";
import { bakeryMessage } from "./support/bakery-script.js";
import type { Deadline } from "./support/deadline.js";
import { HttpClient } from "./support/http-client.js";
import { cpuBetween, postgresBackendCpu } from "./support/backend-cpu.js";
import { composeNaiveGateway } from "./support/naive-gateway.js";
import { composeOneStatementGateway } from "./support/one-statement-gateway.js";
import { deleteRedisPrefix } from "./support/services.js";
import { mean, round, summarize, type Summary } from "./support/stats.js";

export type IngestMode = "ours" | "naive" | "oneStatement";
export const INGEST_MODES: readonly IngestMode[] = ["ours", "naive", "oneStatement"];

export interface IngestRun {
  readonly mode: IngestMode;
  readonly posted: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly errors: number;
  /** The first non-2xx answer, to say what failed. */
  readonly firstError: string | null;
  readonly jobsQueued: number;
  readonly wallMs: number;
  readonly perSec: number;
  /** CPU time of this process (gateway + load generator) per posted message: robust to other load on the machine. */
  readonly cpuMsPerMessage: number;
  /** CPU time of the PostgreSQL backends serving this database per posted message (null when not readable). */
  readonly postgresCpuMsPerMessage: number | null;
  readonly latencyMs: Summary;
}

export interface IngestResult {
  readonly count: number;
  readonly inflight: number;
  readonly messagesPerSession: number;
  readonly redeliveryEvery: number;
  readonly dbPoolSize: number;
  readonly runs: IngestRun[];
  readonly perSec: { readonly ours: number; readonly naive: number };
  /** The prototype of the suggested change (support/one-statement-gateway.ts). */
  readonly oneStatementPerSec: number;
  readonly truncated: boolean;
}

const MESSAGES_PER_SESSION = 5;
/** Every n-th post of a client repeats its previous message (same client message id): a retry to dedupe. */
const REDELIVERY_EVERY = 20;
/** What `npm run gateway` uses (createDb's default pool). */
const DB_POOL = 10;

/**
 * Section 5. The gateway alone (no worker: the queue just fills), listening on loopback; `inflight`
 * clients post concurrently over keep-alive HTTP, each as a series of web chat sessions of
 * MESSAGES_PER_SESSION messages, for `count` posts in all. OURS is composeGateway (acceptInbound:
 * idempotent statements, no transaction, BullMQ add keyed by message id); NAIVE is the same app
 * with a per-message interactive transaction and a plain add (support/naive-gateway.ts);
 * ONESTATEMENT is a prototype of a suggested change (support/one-statement-gateway.ts). Runs
 * alternate the modes `rounds` times; a mode's figure is the mean of its rounds.
 */
export async function runIngest(
  config: Config,
  persona: PersonaTemplate,
  services: { readonly redisUrl: string; readonly databaseUrl: string; readonly ownRedis: boolean },
  options: { readonly count: number; readonly inflight: number; readonly rounds: number; readonly deadline: Deadline },
): Promise<IngestResult> {
  // Errors the gateway logs (500s) are kept, so a failed post can say why.
  const logged: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (logged.length < 20) logged.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger("error", "bench", sink);
  const db = createDb(services.databaseUrl, { maxConnections: DB_POOL });
  const seeded = await seedBusiness(db, persona, "bench");
  const tag = randomBytes(4).toString("hex");
  const runs: IngestRun[] = [];
  let truncated = false;
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const mode of INGEST_MODES) {
        if (options.deadline.passed()) {
          truncated = true;
          break;
        }
        const prefix = `bench-${tag}-ingest-${mode}-${round}`;
        const cfg: Config = { ...config, queuePrefix: prefix };
        const compose = mode === "ours" ? composeGateway : mode === "naive" ? composeNaiveGateway : composeOneStatementGateway;
        const gateway = compose({ config: cfg, db, redisUrl: services.redisUrl, logger });
        try {
          logged.length = 0;
          const run = await load(gateway, mode, `${tag}${mode.slice(0, 2)}${round}`, seeded.channelKey, options, {
            countJobs: () => queuedJobs(services.redisUrl, prefix),
            postgresCpu: () => postgresBackendCpu(services.databaseUrl),
          });
          runs.push(run.errors > 0 && logged[0] ? { ...run, firstError: `${run.firstError} | logged: ${errorMessage(logged[0])}` } : run);
        } finally {
          await gateway.close();
          if (!services.ownRedis) await deleteRedisPrefix(services.redisUrl, prefix);
        }
      }
    }
  } finally {
    await db.$disconnect();
  }
  const perSec = (mode: IngestMode) => round(mean(runs.filter((r) => r.mode === mode).map((r) => r.perSec)), 0);
  return {
    count: options.count,
    inflight: options.inflight,
    messagesPerSession: MESSAGES_PER_SESSION,
    redeliveryEvery: REDELIVERY_EVERY,
    dbPoolSize: DB_POOL,
    runs,
    perSec: { ours: perSec("ours"), naive: perSec("naive") },
    oneStatementPerSec: perSec("oneStatement"),
    truncated,
  };
}

async function load(
  gateway: Gateway,
  mode: IngestMode,
  runTag: string,
  channelKey: string,
  options: { readonly count: number; readonly inflight: number },
  probes: { readonly countJobs: () => Promise<number>; readonly postgresCpu: () => Promise<Map<number, number> | null> },
): Promise<IngestRun> {
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  const client = new HttpClient(`http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`, options.inflight);
  const path = `/api/webchat/${channelKey}/messages`;
  const latencies: number[] = [];
  const tally = { accepted: 0, duplicates: 0, errors: 0 };
  let firstError: string | null = null;
  let next = 0;
  const clientLoop = async (slot: number) => {
    let previous: { sessionId: string; clientMessageId: string; text: string } | null = null;
    for (let local = 0; next < options.count; local++) {
      next++;
      const body: { sessionId: string; clientMessageId: string; text: string } =
        previous && local % REDELIVERY_EVERY === REDELIVERY_EVERY - 1
          ? previous
          : {
              sessionId: `bench${runTag}s${slot}n${Math.floor(local / MESSAGES_PER_SESSION)}x`,
              clientMessageId: `${runTag}-${slot}-${local}`,
              text: bakeryMessage(local),
            };
      const started = performance.now();
      const res = await client.post(path, body).catch((error: unknown) => ({ status: 0, body: String(error) }));
      latencies.push(performance.now() - started);
      if (res.status === 202) tally.accepted++;
      else if (res.status === 200) tally.duplicates++;
      else {
        tally.errors++;
        firstError ??= `${res.status} ${JSON.stringify(res.body)}`.slice(0, 300);
      }
      previous = body;
    }
  };
  // Warm the pool so its backends exist (and are measured) from the start.
  await Promise.all(Array.from({ length: options.inflight }, () => client.get("/readyz").catch(() => undefined)));
  const pgBefore = await probes.postgresCpu();
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    await Promise.all(Array.from({ length: options.inflight }, (_, slot) => clientLoop(slot)));
  } finally {
    client.close();
  }
  const wallMs = performance.now() - started;
  const cpuUsed = process.cpuUsage(cpu);
  const pgMs = cpuBetween(pgBefore, await probes.postgresCpu());
  const posted = tally.accepted + tally.duplicates + tally.errors;
  return {
    mode,
    posted,
    ...tally,
    firstError,
    jobsQueued: await probes.countJobs(),
    wallMs: round(wallMs, 1),
    perSec: round(posted / (wallMs / 1000), 0),
    cpuMsPerMessage: round((cpuUsed.user + cpuUsed.system) / 1000 / posted, 3),
    postgresCpuMsPerMessage: pgMs === null ? null : round(pgMs / posted, 3),
    latencyMs: summarize(latencies),
  };
}

function errorMessage(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return `${entry.msg ?? ""}: ${entry.err?.message ?? ""}`.replace(/\s+/g, " ").slice(0, 300);
  } catch {
    return line.slice(0, 300);
  }
}

/** Counts the turn jobs waiting under a prefix (no worker runs, so every queued turn is still there). */
async function queuedJobs(redisUrl: string, prefix: string): Promise<number> {
  const redis = createRedis(redisUrl, "producer");
  const queue = new BullTurnQueue(redis, prefix, createLogger("silent", "bench"));
  try {
    const counts = await queue.queue.getJobCounts("waiting", "prioritized", "delayed", "active");
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
