import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { WebchatAdapter } from "../src/adapters/channels/webchat/webchat-adapter.js";
import type { Config } from "../src/config/index.js";
import { createLogger } from "../src/adapters/logging/create-logger.js";
import { composeGateway } from "../src/main/compose-gateway.js";
import { composeWorker } from "../src/main/compose-worker.js";
import type { PersonaTemplate } from "../src/domain/personas/persona-templates.js";
import { createRedis } from "../src/adapters/queue/redis-connection.js";
import { RedisReplyBus } from "../src/adapters/queue/redis-reply-bus.js";
import { createDb } from "../src/adapters/storage/create-db.js";
import { seedBusiness } from "../src/adapters/storage/seed-business.js";
import { bakeryMessage } from "./support/bakery-script.js";
import { loadBenchModel, type ModelChoice } from "./support/bench-model.js";
import type { Deadline } from "./support/deadline.js";
import { HttpClient } from "./support/http-client.js";
import { deleteRedisPrefix } from "./support/services.js";
import { type PrismaCall, timedDb } from "./support/prisma-timings.js";
import { mean, percentile, round, sum, summarize, type Summary } from "./support/stats.js";
import { TimedChatModel } from "./support/timed-chat-model.js";
import { TimedWebchatAdapter } from "./support/timed-webchat-adapter.js";

export interface OverheadResult {
  readonly messages: number;
  readonly warmup: number;
  readonly transport: string;
  readonly replyMaxTokens: number;
  /** The business's turnDebounceMs in force: a turn waits until the newest message is this old (0 = pure overhead). */
  readonly debounceMs: number;
  /** HTTP 202 received by the client -> ChatModel.generate() called. */
  readonly acceptToGeneration: Summary;
  /** ChatModel.generate() returned -> webchat adapter send() called. */
  readonly generationToSend: Summary;
  /** For context: the POST round trip itself (request written -> 202 read). */
  readonly postRoundTrip: Summary;
  /** The Prisma calls that started inside each part (timed through a client extension). */
  readonly prismaCalls: { readonly acceptToGeneration: CallBreakdown; readonly generationToSend: CallBreakdown };
  readonly truncated: boolean;
}

export interface CallBreakdown {
  readonly callsPerMessage: number;
  /** Sum of the calls' own durations per message (p50); calls in parallel count twice. */
  readonly callMsPerMessageP50: number;
  readonly operations: Record<string, { readonly perMessage: number; readonly meanMs: number }>;
}

interface Marks {
  accepted?: number;
  generationStart?: number;
  generationEnd?: number;
  generationKey?: string | undefined;
  send?: number;
  sendConversation?: string;
}

/**
 * Section 4. The real gateway and worker (composeGateway/composeWorker) in this process over real
 * Redis and PostgreSQL, the real model wrapped to timestamp generate(), and a wrapping web chat
 * adapter (extraAdapters) to timestamp send(). One message at a time, each from a new session
 * (a new conversation, so the busy-conversation delay never applies), each waiting until its reply
 * is stored as sent and the worker is idle again before the next is posted. Real HTTP on loopback.
 */
export async function runOverhead(
  config: Config,
  choice: ModelChoice,
  persona: PersonaTemplate,
  services: { readonly redisUrl: string; readonly databaseUrl: string; readonly ownRedis: boolean },
  options: {
    readonly messages: number;
    readonly warmup: number;
    readonly replyMaxTokens: number;
    readonly debounceMs: number;
    readonly deadline: Deadline;
  },
): Promise<OverheadResult> {
  const prefix = `bench-${randomBytes(4).toString("hex")}-overhead`;
  const cfg: Config = {
    ...config,
    queuePrefix: prefix,
  };
  const logger = createLogger("silent", "bench");
  const rawDb = createDb(services.databaseUrl, { maxConnections: 8 });
  const seeded = await seedBusiness(rawDb, persona, "bench", { replyMaxTokens: options.replyMaxTokens, turnDebounceMs: options.debounceMs });
  const calls: PrismaCall[] = [];
  const db = timedDb(rawDb, calls);
  const windows = { accept: [] as PrismaCall[][], send: [] as PrismaCall[][] };
  let marks: Marks = {};
  let onSend: () => void = () => undefined;
  const inner = await loadBenchModel(cfg, choice, { sequences: cfg.model.sequences });
  const model = new TimedChatModel(
    inner,
    (key, at) => Object.assign(marks, { generationStart: at, generationKey: key }),
    (t) => (marks.generationEnd = t.endedAt),
  );
  const publisher = createRedis(services.redisUrl, "producer");
  const adapter = new TimedWebchatAdapter(
    new WebchatAdapter(new RedisReplyBus(publisher, null, prefix), cfg.limits.maxMessageChars),
    (conversationId, at) => {
      Object.assign(marks, { send: at, sendConversation: conversationId });
      onSend();
    },
  );
  const worker = composeWorker({ config: cfg, db, redisUrl: services.redisUrl, model, logger, extraAdapters: [adapter] });
  const gateway = composeGateway({ config: cfg, db, redisUrl: services.redisUrl, logger });
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  const client = new HttpClient(`http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`, 4);
  const api = `/api/webchat/${seeded.channelKey}`;
  const samples = { accept: [] as number[], send: [] as number[], post: [] as number[] };
  let truncated = false;
  try {
    for (let i = 0; i < options.warmup + options.messages; i++) {
      if (options.deadline.passed()) {
        truncated = true;
        break;
      }
      marks = {};
      calls.length = 0;
      const sent = new Promise<void>((resolve) => (onSend = resolve));
      const sessionId = randomBytes(16).toString("hex");
      const posted = performance.now();
      const res = await client.post(`${api}/messages`, { sessionId, clientMessageId: `${prefix}-${i}`, text: bakeryMessage(i) });
      marks.accepted = performance.now();
      if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${JSON.stringify(res.body)}`);
      await withTimeout(sent, 300_000, "the reply was not sent");
      await waitUntilSent(client, `${api}/sessions/${sessionId}/messages`);
      await sleep(20); // the worker finishes the job (BullMQ completion) and is idle again
      const m = marks as Required<Marks>;
      if (m.generationStart === undefined) throw new Error("a reply was sent without calling the model (did a guardrail answer?)");
      if (m.generationKey !== m.sendConversation) throw new Error("timestamps of two conversations got mixed up");
      if (i < options.warmup) continue;
      samples.accept.push(m.generationStart - m.accepted);
      samples.send.push(m.send - m.generationEnd);
      samples.post.push(m.accepted - posted);
      windows.accept.push(calls.filter((c) => c.startedAt >= m.accepted && c.startedAt < m.generationStart));
      windows.send.push(calls.filter((c) => c.startedAt >= m.generationEnd && c.startedAt < m.send));
    }
  } finally {
    client.close();
    await gateway.close();
    await worker.close();
    publisher.disconnect();
    await model.close();
    await rawDb.$disconnect();
    if (!services.ownRedis) await deleteRedisPrefix(services.redisUrl, prefix);
  }
  return {
    messages: samples.accept.length,
    warmup: options.warmup,
    transport: "real HTTP (node:http keep-alive) to the gateway listening on 127.0.0.1",
    replyMaxTokens: options.replyMaxTokens,
    debounceMs: options.debounceMs,
    acceptToGeneration: summarize(samples.accept),
    generationToSend: summarize(samples.send),
    postRoundTrip: summarize(samples.post),
    prismaCalls: { acceptToGeneration: breakdown(windows.accept), generationToSend: breakdown(windows.send) },
    truncated,
  };
}

function breakdown(perMessage: readonly PrismaCall[][]): CallBreakdown {
  const n = Math.max(1, perMessage.length);
  const all = perMessage.flat();
  const operations: Record<string, { perMessage: number; meanMs: number }> = {};
  for (const name of [...new Set(all.map((c) => c.operation))].sort()) {
    const mine = all.filter((c) => c.operation === name);
    operations[name] = { perMessage: round(mine.length / n, 2), meanMs: round(mean(mine.map((c) => c.ms)), 2) };
  }
  return {
    callsPerMessage: round(all.length / n, 2),
    callMsPerMessageP50: round(
      percentile(
        perMessage.map((calls) => sum(calls.map((c) => c.ms))),
        50,
      ),
      2,
    ),
    operations,
  };
}

/** Polls the conversation as the chat page does until the reply shows up as sent (markSent done). */
async function waitUntilSent(client: HttpClient, path: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await client.get(path);
    const messages = (res.body as { messages?: Array<{ direction: string; status: string }> }).messages ?? [];
    if (messages.some((m) => m.direction === "outbound" && m.status === "sent")) return;
    await sleep(5);
  }
  throw new Error("the reply never showed up as sent");
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
