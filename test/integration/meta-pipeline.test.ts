import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { composeWorker, type RunningWorker } from "../../src/main/compose-worker.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { sealChannelCredentials } from "../../src/domain/secrets/channel-credentials.js";
import { parseSecretKey } from "../../src/domain/secrets/secret-box.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { FakeGraphServer } from "../../test-kit/fake-graph-server.js";
import { testConfig, TEST_BUSINESS_SETTINGS, updateBusinessSettings } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// Signed Meta webhooks through the whole pipeline to a fake Graph API on loopback:
// gateway -> PostgreSQL -> BullMQ -> worker -> node-llama-cpp -> Graph send.
const WA_PHONE_NUMBER_ID = "106540352242922";
const IG_ACCOUNT_ID = "17841405822304914";
const APP_SECRET = "test-app-secret";
const SECRETS_KEY = randomBytes(32).toString("base64");
const fixture = (name: string) => readFileSync(`test/fixtures/meta/${name}.json`, "utf8");
const sign = (body: string, secret = APP_SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

const redisPrefix = createTestPrefix();
// Everything the gateway and worker log, at debug level, to check what never appears in logs.
const logLines: string[] = [];
const logStream = new PassThrough();
logStream.on("data", (d: Buffer) => logLines.push(d.toString()));
const logger = createLogger("debug", "test", logStream);
let graph: FakeGraphServer;
let database: TestDatabase;
let model: LlamaChatModel;
let gateway: Gateway;
let worker: RunningWorker;

beforeAll(async () => {
  graph = await FakeGraphServer.start();
  const config = testConfig({
    QUEUE_PREFIX: redisPrefix.prefix,
    META_GRAPH_BASE_URL: graph.baseUrl,
    INSTAGRAM_GRAPH_BASE_URL: graph.baseUrl,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: "wa-verify",
    INSTAGRAM_APP_SECRET: APP_SECRET,
    INSTAGRAM_VERIFY_TOKEN: "ig-verify",
    CHANNEL_SECRETS_KEY: SECRETS_KEY,
  });
  database = await createTestDatabase();
  const { businessId } = await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "sunrise", {
    ...TEST_BUSINESS_SETTINGS,
    replyMaxTokens: 16,
  });
  for (const [kind, account] of [
    ["whatsapp_cloud", WA_PHONE_NUMBER_ID],
    ["instagram", IG_ACCOUNT_ID],
  ] as const) {
    const channel = await database.db.channel.create({ data: { businessId, kind, platformAccountId: account, name: kind } });
    const sealed = sealChannelCredentials(
      { accessToken: `token-${kind}`, appSecret: APP_SECRET, verifyToken: "x" },
      parseSecretKey(SECRETS_KEY),
      channel.id,
    );
    const secret = await database.db.channelSecret.create({
      data: {
        channelId: channel.id,
        ...sealed,
        ciphertext: Buffer.from(sealed.ciphertext),
        iv: Buffer.from(sealed.iv),
        tag: Buffer.from(sealed.tag),
      },
    });
    await database.db.channel.update({ where: { id: channel.id }, data: { credentialsRef: secret.id } });
  }
  model = await LlamaChatModel.load({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR), ...config.model });
  worker = composeWorker({ config, db: database.db, redisUrl: TEST_REDIS_URL, model, logger });
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
});

afterAll(async () => {
  await gateway?.close();
  await worker?.close();
  await model?.close();
  await graph?.close();
  await database?.drop();
  await redisPrefix.cleanup();
});

const post = (path: string, body: string, signature = sign(body)) =>
  gateway.app.inject({ method: "POST", url: path, headers: { "content-type": "application/json", "x-hub-signature-256": signature }, payload: body });

async function waitForSends(path: string, count: number) {
  for (let i = 0; i < 300; i++) {
    // Text sends only (WhatsApp also posts a "mark as read" to the same path).
    const sends = graph.requests.filter(
      (r) => r.path === path && ((r.body as { type?: string }).type === "text" || (r.body as { message?: unknown }).message !== undefined),
    );
    if (sends.length >= count) return sends;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${count} sends to ${path}; got ${JSON.stringify(graph.requests.map((r) => r.path))}`);
}

describe("Meta channels through the pipeline", () => {
  it("answers the verification handshake", async () => {
    const ok = await gateway.app.inject({ url: "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wa-verify&hub.challenge=1158201444" });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe("1158201444");
    const wrong = await gateway.app.inject({ url: "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1" });
    expect(wrong.statusCode).toBe(403);
  });

  it("WhatsApp Cloud API: a text webhook becomes one reply sent through the Graph API, even when redelivered", async () => {
    const path = `/v23.0/${WA_PHONE_NUMBER_ID}/messages`;
    const body = fixture("whatsapp-text");
    expect((await post("/webhooks/whatsapp", body)).statusCode).toBe(200);
    const [send] = await waitForSends(path, 1);
    expect(send!.headers.authorization).toBe("Bearer token-whatsapp_cloud");
    expect(send!.body).toMatchObject({ messaging_product: "whatsapp", to: "16505551234", type: "text" });
    // Meta redelivers the same event: stored once, answered once.
    expect((await post("/webhooks/whatsapp", body)).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    expect(graph.requests.filter((r) => r.path === path && (r.body as { type?: string }).type === "text")).toHaveLength(1);
    expect(await database.db.message.count({ where: { channel: { kind: "whatsapp_cloud" }, direction: "inbound" } })).toBe(1);
    const reply = await database.db.message.findFirstOrThrow({ where: { channel: { kind: "whatsapp_cloud" }, direction: "outbound" } });
    expect(reply.status).toBe("sent");
    expect(reply.platformMessageId).toMatch(/^wamid\./);
  });

  it("Instagram Direct: a text webhook becomes one reply through the Send API, even when redelivered", async () => {
    const path = `/v23.0/${IG_ACCOUNT_ID}/messages`;
    const body = fixture("instagram-text");
    expect((await post("/webhooks/instagram", body)).statusCode).toBe(200);
    const [send] = await waitForSends(path, 1);
    expect(send!.headers.authorization).toBe("Bearer token-instagram");
    expect(send!.body).toMatchObject({ recipient: { id: "6578843942192093" } });
    expect((await post("/webhooks/instagram", body)).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    expect(graph.requests.filter((r) => r.path === path)).toHaveLength(1);
    expect(await database.db.message.count({ where: { channel: { kind: "instagram" }, direction: "inbound" } })).toBe(1);
  });

  it("answers a photo-only message with the configured polite reply, without the model", async () => {
    const path = `/v23.0/${WA_PHONE_NUMBER_ID}/messages`;
    const payload = JSON.parse(fixture("whatsapp-non-text"));
    const value = payload.entry[0].changes[0].value;
    value.messages = value.messages.filter((m: { type: string }) => m.type === "image");
    const before = graph.requests.length;
    expect((await post("/webhooks/whatsapp", JSON.stringify(payload))).statusCode).toBe(200);
    for (let i = 0; i < 100 && !graph.requests.slice(before).some((r) => r.path === path && (r.body as { type?: string }).type === "text"); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const send = graph.requests.slice(before).find((r) => r.path === path && (r.body as { type?: string }).type === "text");
    expect(send).toBeDefined();
    expect((send!.body as { text: { body: string } }).text.body).toBe(
      "Thanks! I can only read text messages for now. Could you write your question in a message?",
    );
    const photo = await database.db.message.findFirstOrThrow({ where: { kind: "image" }, include: { reply: { include: { turn: true } } } });
    expect(photo.text).toBe("[photo] This one");
    expect(photo.status).toBe("answered");
    expect(photo.reply?.turn?.evaluatedTokens).toBe(0);
  });

  it("answers the next photo with the business's own non-text reply once it changes it", async () => {
    const path = `/v23.0/${WA_PHONE_NUMBER_ID}/messages`;
    await updateBusinessSettings(database.db, "sunrise", { nonTextReply: "We only read text here. What would you like to know?" });
    const payload = JSON.parse(fixture("whatsapp-non-text"));
    const value = payload.entry[0].changes[0].value;
    value.messages = value.messages.filter((m: { type: string }) => m.type === "image").map((m: { id: string }) => ({ ...m, id: `${m.id}.second` }));
    const before = graph.requests.length;
    expect((await post("/webhooks/whatsapp", JSON.stringify(payload))).statusCode).toBe(200);
    const sent = () => graph.requests.slice(before).find((r) => r.path === path && (r.body as { type?: string }).type === "text");
    await expect.poll(sent, { timeout: 10_000 }).toBeDefined();
    expect((sent()!.body as { text: { body: string } }).text.body).toBe("We only read text here. What would you like to know?");
  });

  it("keeps message text and phone numbers out of logs, and job payloads carry ids only", async () => {
    const logs = logLines.join("");
    expect(logs).toContain("turn answered");
    for (const secret of [
      "Does it come in another color?",
      "Is the lemon cake available today?",
      "16505551234",
      "6578843942192093",
      "token-whatsapp_cloud",
    ]) {
      expect(logs).not.toContain(secret);
    }
    const { Queue } = await import("bullmq");
    const { Redis } = await import("ioredis");
    const connection = new Redis(TEST_REDIS_URL);
    const queue = new Queue("turns", { connection, prefix: redisPrefix.prefix });
    try {
      const jobs = await queue.getJobs(["completed", "waiting", "delayed", "active", "prioritized"]);
      expect(jobs.length).toBeGreaterThan(0);
      for (const job of jobs) expect(Object.keys(job.data).sort()).toEqual(["businessId", "conversationId", "messageId"]);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it("a wrong signature gets 401 and nothing is stored", async () => {
    const before = await database.db.message.count();
    const body = fixture("whatsapp-text").replace("Does it come in another color?", "forged");
    const res = await post("/webhooks/whatsapp", body, sign(body, "not-the-secret"));
    expect(res.statusCode).toBe(401);
    const unsigned = await gateway.app.inject({
      method: "POST",
      url: "/webhooks/instagram",
      headers: { "content-type": "application/json" },
      payload: fixture("instagram-text"),
    });
    expect(unsigned.statusCode).toBe(401);
    expect(await database.db.message.count()).toBe(before);
  });
});
