import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { composeWorker } from "../../src/main/compose-worker.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// One business floods the queue; another business's message is not stuck behind the flood.
const redisPrefix = createTestPrefix();
const config = testConfig({ QUEUE_PREFIX: redisPrefix.prefix, LLM_SEQUENCES: "1" });
const logger = createLogger("silent", "test");
let database: TestDatabase;
let gateway: Gateway;
let model: LlamaChatModel;

beforeAll(async () => {
  database = await createTestDatabase();
  const persona = await loadPersonaTemplate("support-bakery");
  await seedBusiness(database.db, persona, "flooding-shop", { ...TEST_BUSINESS_SETTINGS, replyMaxTokens: 8 });
  await seedBusiness(database.db, persona, "quiet-shop", { ...TEST_BUSINESS_SETTINGS, replyMaxTokens: 8 });
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
  model = await LlamaChatModel.load({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR), ...config.model });
});

afterAll(async () => {
  await gateway?.close();
  await model?.close();
  await database?.drop();
  await redisPrefix.cleanup();
});

const post = (channel: string, text: string) =>
  gateway.app.inject({
    method: "POST",
    url: `/api/webchat/${channel}/messages`,
    payload: { sessionId: randomUUID().replaceAll("-", ""), clientMessageId: randomUUID(), text },
  });

describe("fair scheduling across businesses", () => {
  it("answers a quiet business's message right after the flood's first turns", async () => {
    for (let i = 0; i < 30; i++) expect((await post("flooding-shop", `flood ${i}`)).statusCode).toBe(202);
    expect((await post("quiet-shop", "just one question")).statusCode).toBe(202);

    const worker = composeWorker({ config, db: database.db, redisUrl: TEST_REDIS_URL, model, logger });
    const quietTurn = () => database.db.turn.findFirst({ where: { conversation: { channel: { platformAccountId: "quiet-shop" } } } });
    try {
      for (let i = 0; i < 1800 && !(await quietTurn()); i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await worker.close();
    }
    const quiet = await quietTurn();
    expect(quiet).not.toBeNull();
    // First-in-first-out would answer it after all 30 of the flood.
    expect(await database.db.turn.count({ where: { startedAt: { lt: quiet!.startedAt } } })).toBeLessThanOrEqual(2);
  }, 240_000);
});
