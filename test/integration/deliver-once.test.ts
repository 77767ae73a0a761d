import { createHmac, randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import pg from "pg";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GraphClient } from "../../src/adapters/channels/meta/graph-client.js";
import { WhatsappCloudAdapter } from "../../src/adapters/channels/whatsapp-cloud/whatsapp-cloud-adapter.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { channelCredentials } from "../../src/main/compose-meta-channels.js";
import { composeWorker, type RunningWorker } from "../../src/main/compose-worker.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { RedisUnrecordedSends } from "../../src/adapters/queue/redis-unrecorded-sends.js";
import { sealChannelCredentials } from "../../src/domain/secrets/channel-credentials.js";
import { parseSecretKey } from "../../src/domain/secrets/secret-box.js";
import { createAdminStore } from "../../src/adapters/storage/admin/admin-store.js";
import { createDb, type Db } from "../../src/adapters/storage/create-db.js";
import { OutboxRepository } from "../../src/adapters/storage/turn/outbox-repository.js";
import { ReconcileRepository } from "../../src/adapters/storage/turn/reconcile-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { deliverReply } from "../../src/app/turn/deliver-reply.js";
import { reconcile } from "../../src/app/turn/reconcile.js";
import { cloudStatusWebhook, cloudTextWebhook } from "../../test-kit/cloud-webhooks.js";
import { FakeGraphServer, type RecordedRequest } from "../../test-kit/fake-graph-server.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { MODEL_CACHE_DIR, TEST_PG_ADMIN_URL, TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// Every reply reaches the customer's phone exactly once, even when recording the send fails, and a
// send whose outcome is unknown is never repeated on WhatsApp: the real gateway, worker, PostgreSQL,
// Redis and tiny model against a fake Graph API with faults. Counted at the fake platform (what the
// phones received), not in our database.
const PHONE_NUMBER_ID = "106540352242922";
const APP_SECRET = "deliver-once-secret";
const SECRETS_KEY = randomBytes(32).toString("base64");
const WORKER_APP = "parlor-deliver-once-worker";

const redisPrefix = createTestPrefix();
// What the worker warns about, to see when it gave up writing an outcome.
const logLines: string[] = [];
const logStream = new PassThrough();
logStream.on("data", (d: Buffer) => logLines.push(d.toString()));
const logger = createLogger("warn", "test", logStream);
let graph: FakeGraphServer;
let database: TestDatabase;
let workerDb: Db;
let model: LlamaChatModel;
let gateway: Gateway;
let worker: RunningWorker;
let businessId: string;
let channelId: string;
let customers = 0;

beforeAll(async () => {
  graph = await FakeGraphServer.start();
  const config = testConfig({
    QUEUE_PREFIX: redisPrefix.prefix,
    META_GRAPH_BASE_URL: graph.baseUrl,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: "verify",
    CHANNEL_SECRETS_KEY: SECRETS_KEY,
  });
  database = await createTestDatabase();
  ({ businessId } = await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "deliver-once", {
    ...TEST_BUSINESS_SETTINGS,
    replyMaxTokens: 8,
  }));
  const channel = await database.db.channel.create({
    data: { businessId, kind: "whatsapp_cloud", platformAccountId: PHONE_NUMBER_ID, name: "WhatsApp" },
  });
  channelId = channel.id;
  const sealed = sealChannelCredentials(
    { accessToken: "token", appSecret: APP_SECRET, verifyToken: "verify" },
    parseSecretKey(SECRETS_KEY),
    channel.id,
  );
  const secret = await database.db.channelSecret.create({
    data: { channelId: channel.id, ciphertext: Buffer.from(sealed.ciphertext), iv: Buffer.from(sealed.iv), tag: Buffer.from(sealed.tag) },
  });
  await database.db.channel.update({ where: { id: channel.id }, data: { credentialsRef: secret.id } });

  model = await LlamaChatModel.load({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR), ...config.model });
  // The worker's own pool, named, so a test can kill exactly its connections.
  const url = new URL(database.url);
  url.searchParams.set("application_name", WORKER_APP);
  workerDb = createDb(url.toString(), { maxConnections: 5 });
  // The production WhatsApp adapter, with a short client timeout so "slower than the timeout" is quick.
  const whatsapp = new WhatsappCloudAdapter({
    graph: new GraphClient({ baseUrl: graph.baseUrl, version: config.channels.graphVersion, timeoutMs: 1000, baseDelayMs: 50, maxDelayMs: 1500 }),
    credentials: channelCredentials(config, workerDb),
    maxMessageChars: config.limits.maxMessageChars,
    logger,
  });
  worker = composeWorker({
    config,
    db: workerDb,
    redisUrl: TEST_REDIS_URL,
    model,
    logger,
    extraAdapters: [whatsapp],
    timings: { reconcileIntervalMs: 500 },
  });
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
});

afterAll(async () => {
  await gateway?.close();
  await worker?.close();
  await workerDb?.$disconnect();
  await model?.close();
  await graph?.close();
  await database?.drop();
  await redisPrefix.cleanup();
});

beforeEach(() => graph.reset());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A new customer writes one WhatsApp message (a signed webhook to the gateway); returns their number. */
async function customerWrites(text = "Do you have rye bread today?"): Promise<string> {
  const from = `1555${String(++customers).padStart(7, "0")}`;
  await writeAs(from, `wamid.in.${from}`, text);
  return from;
}

/** One WhatsApp message from `from`. */
async function writeAs(from: string, wamid: string, text: string): Promise<void> {
  await postWebhook(cloudTextWebhook(PHONE_NUMBER_ID, from, wamid, text, "Customer"));
}

async function postWebhook(body: string): Promise<void> {
  const signature = `sha256=${createHmac("sha256", APP_SECRET).update(body).digest("hex")}`;
  const res = await gateway.app.inject({
    method: "POST",
    url: "/webhooks/whatsapp",
    headers: { "content-type": "application/json", "x-hub-signature-256": signature },
    payload: body,
  });
  expect(res.statusCode).toBe(200);
}

const textTo = (r: RecordedRequest) => (r.body as { to?: string }).to;
/** What this customer's phone received. */
const receivedBy = (customer: string) => graph.received().filter((r) => textTo(r) === customer);
/** Read receipts for this customer's message. */
const readsOf = (customer: string) => graph.readReceipts().filter((r) => (r.body as { message_id?: string }).message_id === `wamid.in.${customer}`);

function replyOf(customer: string) {
  return database.db.message.findFirst({
    where: { direction: "outbound", conversation: { contact: { platformUserId: customer } } },
    include: { outbox: true },
  });
}

/** Waits until the customer's reply is settled (sent or failed), then a while longer for any repeat to show. */
async function settled(customer: string, timeoutMs = 60_000, quietMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await replyOf(customer);
    if (reply?.outbox && (reply.outbox.status === "sent" || reply.outbox.status === "failed")) break;
    if (Date.now() > deadline) throw new Error(`reply to ${customer} not settled: ${JSON.stringify(reply?.outbox ?? null)}`);
    await sleep(100);
  }
  await sleep(quietMs);
  return (await replyOf(customer))!;
}

/** Takes row locks on a reply and its outbox entry from another connection; `released` resolves `ms` later, when they are let go. */
async function lockReply(messageId: string, ms: number): Promise<{ released: Promise<void> }> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query("begin");
  await client.query(`select 1 from "Message" where id = $1::uuid for update`, [messageId]);
  await client.query(`select 1 from "OutboxEntry" where "messageId" = $1::uuid for update`, [messageId]);
  const released = sleep(ms).then(async () => {
    await client.query("commit");
    await client.end();
  });
  return { released };
}

/** Terminates the worker's PostgreSQL sessions again and again for `ms`; resolves with how many it ended. */
async function killWorkerConnections(ms: number): Promise<number> {
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  let killed = 0;
  try {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(10)) {
      const result = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [WORKER_APP]);
      killed += result.rowCount ?? 0;
    }
  } finally {
    await admin.end();
  }
  return killed;
}

const replyIdOf = (r: RecordedRequest) => (r.body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data;

describe("the platform took the reply, then recording it failed", () => {
  it("a row lock held longer than the transaction timeout: received once, recorded as sent once the lock is gone", async () => {
    let lock: { released: Promise<void> } | undefined;
    graph.beforeAnswer = async (r) => {
      const replyId = replyIdOf(r);
      if (replyId && !lock) lock = await lockReply(replyId, 8000);
    };
    const customer = await customerWrites();
    const reply = await settled(customer, 60_000, 4000);
    await lock?.released;
    expect(lock).toBeDefined();
    expect(receivedBy(customer)).toHaveLength(1);
    expect(reply.status).toBe("sent");
    expect(reply.outbox).toMatchObject({ status: "sent", attempts: 1 });
    expect(reply.platformMessageId).toBe(receivedBy(customer)[0]!.responseId);
    expect(readsOf(customer)).toHaveLength(1);
  }, 90_000);

  it("the worker's database connections killed right after the send: received once, recorded as sent", async () => {
    let killing: Promise<number> | undefined;
    graph.beforeAnswer = (r) => {
      // From just before the answer, for half a second: the worker records the send meanwhile.
      if (replyIdOf(r) && !killing) killing = killWorkerConnections(500);
    };
    const customer = await customerWrites();
    const reply = await settled(customer);
    expect(await killing).toBeGreaterThan(0);
    expect(receivedBy(customer)).toHaveLength(1);
    expect(reply.outbox).toMatchObject({ status: "sent", attempts: 1 });
    expect(reply.status).toBe("sent");
  }, 90_000);

  it("a platform that answers every send with the same message id: each customer receives their reply once, all recorded as sent", async () => {
    graph.repeatIds("wamid.HBgLSAMEIDFORALL");
    const five = [];
    for (let i = 0; i < 5; i++) five.push(await customerWrites(`Is the shop open on day ${i}?`));
    const replies = [];
    for (const customer of five) replies.push(await settled(customer, 60_000, 0));
    await sleep(3000);
    for (const customer of five) expect(receivedBy(customer)).toHaveLength(1);
    for (const reply of replies) {
      expect(reply.outbox).toMatchObject({ status: "sent", attempts: 1, platformMessageIds: ["wamid.HBgLSAMEIDFORALL"] });
      expect(reply.status).toBe("sent");
    }
    // One message can hold the id (it is unique per channel); the others keep it on their outbox entry.
    expect(replies.filter((r) => r.platformMessageId === "wamid.HBgLSAMEIDFORALL")).toHaveLength(1);
    // A receipt for that id reaches every reply that got it.
    await postWebhook(cloudStatusWebhook(PHONE_NUMBER_ID, "wamid.HBgLSAMEIDFORALL", "delivered"));
    const after = await database.db.message.findMany({ where: { id: { in: replies.map((r) => r.id) } } });
    expect(after.map((m) => m.status)).toEqual(["delivered", "delivered", "delivered", "delivered", "delivered"]);
  }, 120_000);
});

describe("a send is repeated only where the platform provably did not take it", () => {
  it("429 then success: sent again no sooner than Meta's Retry-After, received once, marked read once", async () => {
    // The worker does not wait it out: the outbox job waits in the delayed set, then sends.
    graph.failNext(1, { status: 429, retryAfter: "3" }, "send");
    const customer = await customerWrites();
    const reply = await settled(customer);
    expect(receivedBy(customer)).toHaveLength(1);
    expect(reply.outbox).toMatchObject({ status: "sent", attempts: 2 });
    expect(readsOf(customer)).toHaveLength(1);
    const sends = graph.requests.filter((r) => textTo(r) === customer);
    expect(sends.map((r) => Boolean(r.fault))).toEqual([true, false]);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(3000);
  }, 90_000);

  it("connection refused: retried later, received once, marked read once", async () => {
    await graph.refuseConnections();
    const customer = await customerWrites();
    for (let i = 0; i < 300; i++) {
      const reply = await replyOf(customer);
      if (reply?.outbox && reply.outbox.attempts >= 1 && reply.outbox.status === "pending") break;
      await sleep(100);
    }
    await graph.acceptConnections();
    const reply = await settled(customer);
    expect(receivedBy(customer)).toHaveLength(1);
    expect(reply.outbox?.status).toBe("sent");
    expect(reply.outbox?.attempts).toBeGreaterThanOrEqual(2);
    expect(readsOf(customer)).toHaveLength(1);
  }, 90_000);

  it.each([
    ["a 500 after the platform sent it", { status: 500, processed: true }, 1],
    ["a 503 before the platform sent it", { status: 503 }, 0],
    ["an answer slower than the client's timeout", { delayMs: 2500 }, 1],
    ["the connection dropped after the request was read", { drop: true as const, processed: true }, 1],
  ])(
    "%s: never sent again; failed as UNKNOWN_OUTCOME, visible to the admin",
    async (_, fault, expected) => {
      graph.failNext(1, fault, "send");
      const customer = await customerWrites();
      const reply = await settled(customer, 60_000, 4000);
      expect(receivedBy(customer)).toHaveLength(expected);
      expect(graph.requests.filter((r) => textTo(r) === customer)).toHaveLength(1);
      expect(reply.outbox).toMatchObject({ status: "failed", attempts: 1 });
      const transcript = await createAdminStore(database.db).conversations.transcript(businessId, reply.conversationId, 0, 50);
      const shown = transcript!.find((m) => m.id === reply.id)!;
      expect(shown.status).toBe("failed");
      expect(shown.error).toMatch(/^UNKNOWN_OUTCOME/);
      expect(readsOf(customer)).toHaveLength(1);
    },
    90_000,
  );
});

describe("replies reach the phone in the order of the messages they answer", () => {
  it("a reply put back for a retry (429) is not overtaken by the reply to the customer's next message", async () => {
    // The first reply meets a 429 twice: put back each time, sent again after Meta's Retry-After.
    graph.failNext(2, { status: 429, retryAfter: "2" }, "send");
    const customer = await customerWrites("Do you have rye bread today?");
    for (let i = 0; i < 300 && !graph.requests.some((r) => textTo(r) === customer && r.fault); i++) await sleep(100);
    await writeAs(customer, `wamid.in.${customer}.2`, "And croissants?");
    const replies = () =>
      database.db.message.findMany({
        where: { direction: "outbound", conversation: { contact: { platformUserId: customer } } },
        orderBy: { seq: "asc" },
        include: { outbox: true },
      });
    for (let i = 0; i < 600; i++) {
      const now = await replies();
      if (now.length === 2 && now.every((r) => r.outbox?.status === "sent" || r.outbox?.status === "failed")) break;
      await sleep(100);
    }
    await sleep(1000);
    const settledReplies = await replies();
    expect(settledReplies.map((r) => r.outbox?.status)).toEqual(["sent", "sent"]);
    expect(settledReplies[0]!.outbox!.attempts).toBe(3);
    expect(receivedBy(customer).map(replyIdOf)).toEqual(settledReplies.map((r) => r.id));
  }, 90_000);

  it("replies that waited for an earlier one each mark their own message read, once", async () => {
    graph.failNext(2, { status: 429, retryAfter: "2" }, "send");
    const customer = await customerWrites("Do you have rye bread today?");
    const replies = () =>
      database.db.message.findMany({
        where: { direction: "outbound", conversation: { contact: { platformUserId: customer } } },
        orderBy: { seq: "asc" },
        include: { outbox: true },
      });
    for (let i = 0; i < 300 && !graph.requests.some((r) => textTo(r) === customer && r.fault); i++) await sleep(100);
    // The second reply is stored (and waits for the first) before the third message arrives.
    await writeAs(customer, `wamid.in.${customer}.2`, "And croissants?");
    for (let i = 0; i < 300 && (await replies()).length < 2; i++) await sleep(100);
    await writeAs(customer, `wamid.in.${customer}.3`, "And cinnamon rolls?");
    for (let i = 0; i < 600; i++) {
      const now = await replies();
      if (now.length === 3 && now.every((r) => r.outbox?.status === "sent" || r.outbox?.status === "failed")) break;
      await sleep(100);
    }
    await sleep(1000);
    expect((await replies()).map((r) => r.outbox?.status)).toEqual(["sent", "sent", "sent"]);
    const marked = graph
      .readReceipts()
      .map((r) => (r.body as { message_id?: string }).message_id)
      .filter((id) => id?.startsWith(`wamid.in.${customer}`));
    expect(marked.sort()).toEqual([`wamid.in.${customer}`, `wamid.in.${customer}.2`, `wamid.in.${customer}.3`]);
  }, 90_000);
});

describe("the database refuses writes for longer than the worker's retries", () => {
  it("through the worker: received once; the reconciler records it as sent once writes are back", async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const held = () => redis.hlen(`${redisPrefix.prefix}:outbox:unrecorded`);
    graph.beforeAnswer = async (r) => {
      if (replyIdOf(r)) await setReadOnly(true, WORKER_APP);
    };
    try {
      const customer = await customerWrites();
      // The worker gives up writing (~16 s of retries), the send kept in Redis.
      const gaveUp = () => logLines.some((l) => l.includes("the reconciler records it once the database is back"));
      for (let i = 0; i < 600 && !gaveUp(); i++) await sleep(100);
      expect(gaveUp()).toBe(true);
      expect(await held()).toBe(1);
      expect((await replyOf(customer))?.outbox).toMatchObject({ status: "sending", attempts: 1 });
      await setReadOnly(false, WORKER_APP);
      const reply = await settled(customer, 30_000, 2000);
      expect(receivedBy(customer)).toHaveLength(1);
      expect(reply.outbox).toMatchObject({ status: "sent", attempts: 1 });
      expect(reply.platformMessageId).toBe(receivedBy(customer)[0]!.responseId);
      expect(await held()).toBe(0);
    } finally {
      await setReadOnly(false, WORKER_APP);
      redis.disconnect();
    }
  }, 120_000);

  it("keeps the send aside in Redis, never resends it, and the reconciler records it as sent once the database is back", async () => {
    const reply = await storedReply("Fresh rye bread until noon.");
    const redis = new Redis(TEST_REDIS_URL);
    // Apart from the running worker's, whose reconciler would otherwise record it first.
    const unrecorded = new RedisUnrecordedSends(redis, `${redisPrefix.prefix}:direct`);
    const url = new URL(database.url);
    url.searchParams.set("application_name", DIRECT_APP);
    const db = createDb(url.toString(), { maxConnections: 3 });
    const adapter = new WhatsappCloudAdapter({
      graph: new GraphClient({ baseUrl: graph.baseUrl, version: "v23.0", timeoutMs: 1000 }),
      credentials: channelCredentials(testConfig({ CHANNEL_SECRETS_KEY: SECRETS_KEY }), db),
      maxMessageChars: 4000,
      logger,
    });
    const deps = {
      outbox: new OutboxRepository(db),
      adapters: new Map([["whatsapp_cloud" as const, adapter]]),
      logger,
      maxAttempts: 8,
      unrecorded,
      recordRetryDelaysMs: [100, 200, 400],
    };
    // Right after the platform took the reply, the database turns read-only (a failover to a replica).
    graph.beforeAnswer = async (r) => {
      if (replyIdOf(r)) await setReadOnly(true);
    };
    try {
      expect(await deliverReply(deps, reply.outboxId)).toEqual({ outcome: "unrecorded" });
      expect(await unrecorded.list(10)).toEqual([{ outboxId: reply.outboxId, platformMessageIds: [graph.received()[0]!.responseId] }]);
      await setReadOnly(false);
      // The outbox's retry finds nothing to send: the entry was never released.
      expect(await deliverReply(deps, reply.outboxId)).toEqual({ outcome: "not-pending" });
      // Even where it would fail an interrupted send (claimed long ago), it records this one as sent.
      const report = await reconcile({
        store: new ReconcileRepository(db),
        requeueTurn: async () => false,
        scheduleDelivery: async () => undefined,
        idempotentSendKinds: new Set(["webchat"]),
        unrecorded,
        afterMs: 0,
        logger,
      });
      expect(report).toMatchObject({ recordedSends: 1, unknownOutcomes: 0 });
      expect(graph.received()).toHaveLength(1);
      const entry = await database.db.outboxEntry.findUniqueOrThrow({ where: { id: reply.outboxId }, include: { message: true } });
      expect(entry).toMatchObject({ status: "sent", attempts: 1, message: { status: "sent", platformMessageId: graph.received()[0]!.responseId } });
      expect(await unrecorded.list(10)).toEqual([]);
    } finally {
      await setReadOnly(false);
      await db.$disconnect();
      redis.disconnect();
    }
  }, 60_000);
});

const DIRECT_APP = "parlor-deliver-once-direct";

/**
 * New sessions of the test database become read-only, and the open ones of `app` are closed (so
 * it reconnects into read-only ones); or writable again, closing every session opened meanwhile.
 */
async function setReadOnly(on: boolean, app = DIRECT_APP): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    const name = new URL(database.url).pathname.slice(1);
    await admin.query(`alter database "${name}" ${on ? "set default_transaction_read_only = on" : "reset default_transaction_read_only"}`);
    if (on) await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [app]);
    else await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [name]);
  } finally {
    await admin.end();
  }
  // Let the pools see their closed idle connections before the next query.
  await sleep(300);
}

/** A stored, unsent reply (and its pending outbox entry) to a new customer's message. */
async function storedReply(text: string): Promise<{ messageId: string; outboxId: string }> {
  const from = `1555${String(++customers).padStart(7, "0")}`;
  const contact = await database.db.contact.create({ data: { businessId, channelId, platformUserId: from } });
  const conversation = await database.db.conversation.create({ data: { businessId, channelId, contactId: contact.id } });
  await database.db.message.create({
    data: {
      businessId,
      conversationId: conversation.id,
      channelId,
      direction: "inbound",
      text: "rye?",
      status: "answered",
      platformMessageId: `wamid.in.${from}`,
    },
  });
  const reply = await database.db.message.create({
    data: { businessId, conversationId: conversation.id, channelId, direction: "outbound", text, status: "pending" },
  });
  const entry = await database.db.outboxEntry.create({ data: { messageId: reply.id } });
  return { messageId: reply.id, outboxId: entry.id };
}
