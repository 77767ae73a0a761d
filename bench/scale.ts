import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { issueApiKey } from "../src/app/admin/issue-api-key.js";
import type { Config } from "../src/config/index.js";
import { loadConfig } from "../src/config/index.js";
import { createLogger } from "../src/adapters/logging/create-logger.js";
import { composeGateway, type RunningGateway } from "../src/main/compose-gateway.js";
import type { PersonaTemplate } from "../src/domain/personas/persona-templates.js";
import { createAdminStore } from "../src/adapters/storage/admin/admin-store.js";
import { createDb, type Db } from "../src/adapters/storage/create-db.js";
import { loadTurnContext } from "../src/adapters/storage/turn/load-turn-query.js";
import { seedBusiness } from "../src/adapters/storage/seed-business.js";
import type { Deadline } from "./support/deadline.js";
import { seedHeavyContact, seedRecentTurns, seedScale, shapeFor, type ScaleShape } from "./support/scale-seed.js";
import { deleteRedisPrefix } from "./support/services.js";
import { round, summarize, type Summary } from "./support/stats.js";

export const SCALE_OPERATIONS = ["webchatIngest", "turnContext", "inboxList", "transcript", "metrics", "erase10k", "dataDeletion"] as const;
export type ScaleOperation = (typeof SCALE_OPERATIONS)[number];

export interface ScalePhase {
  readonly messagesInDatabase: number;
  readonly latencyMs: Record<ScaleOperation, Summary>;
}

export interface ScaleResult {
  readonly shape: ScaleShape;
  readonly seeded: { readonly messages: number; readonly contacts: number; readonly seconds: number };
  readonly empty: ScalePhase;
  readonly loaded: ScalePhase;
  /** loaded / empty, per operation, for p50 and p99. */
  readonly ratio: Record<ScaleOperation, { readonly p50: number; readonly p99: number }>;
  readonly truncated: boolean;
}

const APP_SECRET = "bench-scale-app-secret";
const METRICS_TOKEN = "bench-scale-metrics-token";
const UNLIMITED = "100000";

/**
 * Section 8. The operations anyone (or any business) can set off, timed on a database with only
 * their own fixtures, then again after `messages` messages of other businesses' traffic were seeded
 * around them (500 businesses and 50k contacts at 1M). The same gateway code as production
 * (composeGateway, through inject), the same queries; no worker, so no model time is in the figures.
 */
export async function runScale(
  base: Config,
  persona: PersonaTemplate,
  urls: { redisUrl: string; databaseUrl: string },
  options: { messages: number; samples: number; deadline: Deadline },
): Promise<ScaleResult> {
  const prefix = `bench-scale-${randomBytes(4).toString("hex")}`;
  const config = loadConfig("cli", {
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: "silent",
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: urls.redisUrl,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: "bench",
    METRICS_TOKEN,
    PSEUDONYM_KEY: randomBytes(32).toString("base64"),
    WEBCHAT_POSTS_PER_MINUTE_PER_IP: UNLIMITED,
    WEBCHAT_POSTS_PER_MINUTE_PER_CHANNEL: UNLIMITED,
    WEBCHAT_PENDING_PER_ADDRESS: UNLIMITED,
    BUSINESS_QUEUED_TURNS_MAX: UNLIMITED,
    MAX_MESSAGE_CHARS: String(base.limits.maxMessageChars),
  });
  const db = createDb(urls.databaseUrl, { maxConnections: 10 });
  const logger = createLogger("silent", "bench", new Writable({ write: (_c, _e, done) => done() }));
  // Every scrape is computed: the figure is the query's cost, not the cache's.
  const gateway = composeGateway({ config, db, redisUrl: urls.redisUrl, logger, timings: { metricsCacheMs: 0 } });
  await gateway.app.ready();
  try {
    const fixtures = await seedFixtures(db, persona, urls.databaseUrl);
    process.stderr.write(`[bench] section 8: fixtures seeded; timing on the empty database\n`);
    const empty = await measure(gateway, db, fixtures, urls.databaseUrl, options.samples);
    const shape = shapeFor(options.messages);
    process.stderr.write(
      `[bench] section 8: seeding ${options.messages.toLocaleString("en-US")} messages (${shape.businesses} businesses, ${shape.contactsPerChannel * 2 * shape.businesses} contacts)\n`,
    );
    const seeded = await seedScale(urls.databaseUrl, shape);
    process.stderr.write(
      `[bench] section 8: seeded ${seeded.messages.toLocaleString("en-US")} messages in ${Math.round(seeded.ms / 1000)} s; timing again\n`,
    );
    const truncated = options.deadline.passed();
    const loaded = await measure(gateway, db, fixtures, urls.databaseUrl, options.samples);
    const ratio = Object.fromEntries(
      SCALE_OPERATIONS.map((op) => [
        op,
        { p50: round(loaded.latencyMs[op].p50 / empty.latencyMs[op].p50, 2), p99: round(loaded.latencyMs[op].p99 / empty.latencyMs[op].p99, 2) },
      ]),
    ) as ScaleResult["ratio"];
    return {
      shape,
      seeded: { messages: seeded.messages, contacts: seeded.contacts, seconds: Math.round(seeded.ms / 1000) },
      empty,
      loaded,
      ratio,
      truncated,
    };
  } finally {
    await gateway.close();
    await db.$disconnect();
    await deleteRedisPrefix(urls.redisUrl, prefix);
  }
}

interface Fixtures {
  readonly businessId: string;
  readonly webchatKey: string;
  readonly webchatChannelId: string;
  readonly whatsappChannelId: string;
  readonly auth: string;
  /** Conversations of 20 messages each, for the turn context and the transcript. */
  readonly conversations: readonly string[];
}

async function seedFixtures(db: Db, persona: PersonaTemplate, databaseUrl: string): Promise<Fixtures> {
  const seeded = await seedBusiness(db, persona, `fixture-${randomBytes(3).toString("hex")}`);
  const webchat = await db.channel.findFirstOrThrow({
    where: { businessId: seeded.businessId, kind: "webchat" },
    select: { id: true, platformAccountId: true },
  });
  const whatsapp = await db.channel.create({
    data: { businessId: seeded.businessId, kind: "whatsapp_cloud", platformAccountId: `pn-${seeded.businessId}`, name: "WhatsApp" },
  });
  const key = await issueApiKey(createAdminStore(db).apiKeys, { businessId: seeded.businessId, name: "bench" });
  // The last five minutes' traffic as /metrics sees it: 1,000 turns, the same in both phases.
  await seedRecentTurns(databaseUrl, webchat.id, 1000);
  const conversations: string[] = [];
  for (let i = 0; i < 10; i++) {
    const contactId = await seedHeavyContact(databaseUrl, webchat.id, 20);
    conversations.push((await db.conversation.findFirstOrThrow({ where: { contactId }, select: { id: true } })).id);
  }
  return {
    businessId: seeded.businessId,
    webchatKey: webchat.platformAccountId,
    webchatChannelId: webchat.id,
    whatsappChannelId: whatsapp.id,
    auth: `Bearer ${key.key}`,
    conversations,
  };
}

async function measure(gateway: RunningGateway, db: Db, f: Fixtures, databaseUrl: string, samples: number): Promise<ScalePhase> {
  const app = gateway.app;
  const time = async (run: () => Promise<void>): Promise<number> => {
    const t0 = performance.now();
    await run();
    return performance.now() - t0;
  };
  const expectStatus = (what: string, status: number, body: string, expected: number) => {
    if (status !== expected) throw new Error(`${what}: HTTP ${status} ${body.slice(0, 200)}`);
  };
  const times = async (n: number, run: (i: number) => Promise<void>, prepare?: (i: number) => Promise<void>, warmup = 5) => {
    for (let i = 0; i < warmup; i++) {
      await prepare?.(n + i);
      await run(n + i);
    }
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      await prepare?.(i);
      out.push(await time(() => run(i)));
    }
    return summarize(out.map((ms) => round(ms, 3)));
  };
  const admin = { authorization: f.auth };

  const webchatIngest = await times(samples, async (i) => {
    const res = await app.inject({
      method: "POST",
      url: `/api/webchat/${f.webchatKey}/messages`,
      payload: { sessionId: randomUUID().replaceAll("-", ""), clientMessageId: randomUUID(), text: `Do you deliver on Sundays? ${i}` },
    });
    expectStatus("ingest", res.statusCode, res.body, 202);
  });
  const turnContext = await times(samples, async (i) => {
    if (!(await loadTurnContext(db, f.conversations[i % f.conversations.length]!))) throw new Error("turn context: no conversation");
  });
  const inboxList = await times(samples, async () => {
    const res = await app.inject({ url: `/api/admin/businesses/${f.businessId}/conversations?limit=50`, headers: admin });
    expectStatus("inbox", res.statusCode, res.body, 200);
  });
  const transcript = await times(samples, async (i) => {
    const res = await app.inject({
      url: `/api/admin/businesses/${f.businessId}/conversations/${f.conversations[i % f.conversations.length]}/messages`,
      headers: admin,
    });
    expectStatus("transcript", res.statusCode, res.body, 200);
  });
  const metrics = await times(Math.max(10, Math.floor(samples / 4)), async () => {
    const res = await app.inject({ url: "/metrics", headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expectStatus("metrics", res.statusCode, res.body, 200);
  });
  let heavy = "";
  const erase10k = await times(
    3,
    async () => {
      const res = await app.inject({ method: "POST", url: `/api/admin/businesses/${f.businessId}/contacts/${heavy}/erase`, headers: admin });
      expectStatus("erase", res.statusCode, res.body, 200);
    },
    async () => {
      heavy = await seedHeavyContact(databaseUrl, f.webchatChannelId, 10_000);
    },
    1,
  );
  let userId = "";
  const dataDeletion = await times(
    Math.max(10, Math.floor(samples / 4)),
    async () => {
      const payload = Buffer.from(JSON.stringify({ algorithm: "HMAC-SHA256", issued_at: Math.floor(Date.now() / 1000), user_id: userId })).toString(
        "base64url",
      );
      const signed = `${createHmac("sha256", APP_SECRET).update(payload).digest("base64url")}.${payload}`;
      const res = await app.inject({
        method: "POST",
        url: "/meta/data-deletion",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ signed_request: signed }).toString(),
      });
      expectStatus("data deletion", res.statusCode, res.body, 200);
    },
    async () => {
      userId = `dd${randomBytes(6).toString("hex")}`;
      const contact = await db.contact.create({ data: { businessId: f.businessId, channelId: f.whatsappChannelId, platformUserId: userId } });
      const conversation = await db.conversation.create({
        data: { businessId: f.businessId, channelId: f.whatsappChannelId, contactId: contact.id },
      });
      await db.message.create({
        data: {
          businessId: f.businessId,
          channelId: f.whatsappChannelId,
          conversationId: conversation.id,
          direction: "inbound",
          text: "forget me",
          status: "answered",
          platformMessageId: randomUUID(),
        },
      });
    },
  );
  const messagesInDatabase = await db.message.count();
  return { messagesInDatabase, latencyMs: { webchatIngest, turnContext, inboxList, transcript, metrics, erase10k, dataDeletion } };
}
