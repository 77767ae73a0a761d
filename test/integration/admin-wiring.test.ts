import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { PromptFormat } from "../../src/adapters/llm/prompt-format.js";
import { ensureTinyChatModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { CHATML_FAMILY } from "../../src/dev/tiny-model/tiny-chat-families.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { personaTokenBudget } from "../../src/domain/personas/render-persona.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// The admin API as the gateway serves it (composeGateway), over the migrated schema.
const redisPrefix = createTestPrefix();
const config = testConfig({ QUEUE_PREFIX: redisPrefix.prefix });
let database: TestDatabase;
let gateway: Gateway;
let key: string;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "demo", TEST_BUSINESS_SETTINGS);
  const business = await database.db.business.findUniqueOrThrow({ where: { slug: "demo" } });
  key = (await issueApiKey(new ApiKeyRepository(database.db), { businessId: business.id, name: "test" })).key;
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger: createLogger("silent", "test") });
});

afterAll(async () => {
  await gateway?.close();
  await database?.drop();
  await redisPrefix.cleanup();
});

describe("admin API in the gateway", () => {
  it("serves the business's own data to its key and 401 without one", async () => {
    const mine = await gateway.app.inject({ url: "/api/admin/businesses", headers: { authorization: `Bearer ${key}` } });
    expect(mine.statusCode).toBe(200);
    expect(JSON.stringify(mine.json())).toContain("Sunrise Bakery");
    expect((await gateway.app.inject({ url: "/api/admin/businesses" })).statusCode).toBe(401);
    expect((await gateway.app.inject({ url: "/api/admin/openapi.json" })).statusCode).toBe(200);
  });

  it("shows a whatsapp-web channel's stored state and pairing QR", async () => {
    const business = await database.db.business.findUniqueOrThrow({ where: { slug: "demo" } });
    await database.db.channel.create({
      data: {
        businessId: business.id,
        kind: "whatsapp_web",
        platformAccountId: "34600111222",
        name: "Shop phone",
        connection: { state: "pairing", qrDataUrl: "data:image/png;base64,iVBORw0KGgo=", at: new Date().toISOString() },
      },
    });
    const res = await gateway.app.inject({ url: `/api/admin/businesses/${business.id}/channels`, headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(200);
    const channel = (res.json().channels ?? res.json().items ?? res.json()).find((c: { kind: string }) => c.kind === "whatsapp_web");
    expect(channel.connection).toMatchObject({ state: "pairing", qrDataUrl: "data:image/png;base64,iVBORw0KGgo=" });
  });

  it("a human reply through the admin API is sent through the outbox, and the agent does not answer too", async () => {
    const sessionId = randomUUID().replaceAll("-", "");
    const posted = await gateway.app.inject({
      method: "POST",
      url: "/api/webchat/demo/messages",
      payload: { sessionId, clientMessageId: randomUUID(), text: "Can a person help me?" },
    });
    const inbound = await database.db.message.findUniqueOrThrow({ where: { id: posted.json().messageId } });
    const base = `/api/admin/businesses/${inbound.businessId}/conversations/${inbound.conversationId}`;
    const headers = { authorization: `Bearer ${key}` };
    expect((await gateway.app.inject({ method: "POST", url: `${base}/pause`, headers })).statusCode).toBeLessThan(300);
    const human = await gateway.app.inject({
      method: "POST",
      url: `${base}/messages`,
      headers,
      payload: { text: "Hi, this is Ana from the bakery." },
    });
    expect(human.statusCode).toBeLessThan(300);
    const after = await database.db.message.findUniqueOrThrow({ where: { id: inbound.id } });
    expect(after.status).toBe("answered");
    const outbox = await database.db.outboxEntry.findMany({ where: { message: { conversationId: inbound.conversationId } } });
    expect(outbox).toHaveLength(1);
  });

  it("stores lone surrogates in web chat text as U+FFFD instead of failing the insert", async () => {
    const res = await gateway.app.inject({
      method: "POST",
      url: "/api/webchat/demo/messages",
      headers: { "content-type": "application/json" },
      payload: `{"sessionId":"${randomUUID().replaceAll("-", "")}","clientMessageId":"${randomUUID()}","text":"hi \\ud800 there"}`,
    });
    expect(res.statusCode).toBe(202);
    const row = await database.db.message.findUniqueOrThrow({ where: { id: res.json().messageId } });
    expect(row.text).toBe("hi \ufffd there");
  });

  it("a persona's tokens, as the console reads them, are counted as the worker's model counts them", async () => {
    const business = await database.db.business.findUniqueOrThrow({ where: { slug: "demo" } });
    const headers = { authorization: `Bearer ${key}` };
    const liveTokens = async (g: Gateway) => {
      const list = await g.app.inject({ url: `/api/admin/businesses/${business.id}/personas`, headers });
      const id = (list.json().personas ?? list.json().items ?? list.json())[0].id as string;
      const detail = (await g.app.inject({ url: `/api/admin/businesses/${business.id}/personas/${id}`, headers })).json();
      return { tokens: detail.activeVersion.tokens as number, systemPrompt: detail.activeVersion.systemPrompt as string };
    };
    // A gateway given the worker's model file (a ChatML model here) counts with its vocabulary and template.
    const modelPath = await ensureTinyChatModel(MODEL_CACHE_DIR, CHATML_FAMILY);
    const withModel = composeGateway({
      config: testConfig({ QUEUE_PREFIX: redisPrefix.prefix, MODEL_PATH: modelPath }),
      db: database.db,
      redisUrl: TEST_REDIS_URL,
      logger: createLogger("silent", "test"),
    });
    try {
      const counted = await liveTokens(withModel);
      const vocabulary = await PromptFormat.loadVocabulary(modelPath);
      try {
        expect(counted.tokens).toBe(vocabulary.format.countPrompt({ system: counted.systemPrompt, turns: [{ role: "user", text: "" }] }));
      } finally {
        await vocabulary.close();
      }
      // Without the file (this suite's gateway) it counts as Llama-2-chat does, which differs for this model.
      expect((await liveTokens(gateway)).tokens).not.toBe(counted.tokens);
    } finally {
      await withModel.close();
    }
  }, 60_000);

  it("a persona's budget is what its business's reply length leaves of the context", async () => {
    const business = await database.db.business.findUniqueOrThrow({ where: { slug: "demo" } });
    const headers = { authorization: `Bearer ${key}` };
    const limit = async () => {
      const list = (await gateway.app.inject({ url: `/api/admin/businesses/${business.id}/personas`, headers })).json();
      const id = (list.personas ?? list.items ?? list)[0].id as string;
      return (await gateway.app.inject({ url: `/api/admin/businesses/${business.id}/personas/${id}`, headers })).json().activeVersion.limit as number;
    };
    const settingsUrl = `/api/admin/businesses/${business.id}/settings`;
    const current = (await gateway.app.inject({ url: settingsUrl, headers })).json();
    expect(await limit()).toBe(personaTokenBudget(config.model.contextSize, current.replyMaxTokens));
    const { defaults: _defaults, ...settings } = current;
    const put = await gateway.app.inject({ method: "PUT", url: settingsUrl, headers, payload: { ...settings, replyMaxTokens: 1000 } });
    expect(put.statusCode).toBe(200);
    expect(await limit()).toBe(personaTokenBudget(config.model.contextSize, 1000));
    expect(await limit()).toBeLessThan(personaTokenBudget(config.model.contextSize, current.replyMaxTokens));
  });
});
