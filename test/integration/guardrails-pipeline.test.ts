import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaChatModel } from "../../src/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/llm/tiny-model/build-tiny-model.js";
import { createLogger } from "../../src/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { composeWorker, type RunningWorker } from "../../src/main/compose-worker.js";
import { loadPersonaTemplate } from "../../src/personas/load-persona-template.js";
import { seedBusiness } from "../../src/storage/seed-business.js";
import { RecordingChatModel } from "../support/recording-chat-model.js";
import { testConfig } from "../support/test-config.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "../support/test-env.js";
import { createTestPrefix } from "../support/test-redis.js";

// The code-enforced rules of the two products, through the real pipeline (the tiny model's
// replies are noise: whatever it says, these rules must hold).
const redisPrefix = createTestPrefix();
const config = testConfig({ QUEUE_PREFIX: redisPrefix.prefix, REPLY_MAX_TOKENS: "16" });
const logger = createLogger("silent", "test");
let database: TestDatabase;
let model: RecordingChatModel;
let gateway: Gateway;
let worker: RunningWorker;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedBusiness(database.db, await loadPersonaTemplate("fan-creator"), "mia");
  await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "sunrise");
  model = new RecordingChatModel(await LlamaChatModel.load({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR), ...config.model }));
  worker = composeWorker({ config, db: database.db, redisUrl: TEST_REDIS_URL, model, logger });
  gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
});

afterAll(async () => {
  await gateway?.close();
  await worker?.close();
  await model?.close();
  await database?.drop();
  await redisPrefix.cleanup();
});

/** Sends one message as a fresh (or given) web chat visitor and waits for the turn to finish. */
async function say(channel: string, text: string, sessionId = randomUUID().replaceAll("-", "")) {
  const res = await gateway.app.inject({ method: "POST", url: `/api/webchat/${channel}/messages`, payload: { sessionId, clientMessageId: randomUUID(), text } });
  expect(res.statusCode).toBe(202);
  const id = res.json().messageId as string;
  for (let i = 0; i < 300; i++) {
    const row = await database.db.message.findUniqueOrThrow({ where: { id }, include: { reply: { include: { turn: true } }, conversation: true } });
    if (row.status !== "received") return { sessionId, row };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no turn");
}

describe("fan agent", () => {
  it("discloses that it is an AI on the first reply and whenever asked", async () => {
    const first = await say("mia", "Hi Mia! I love your cookie videos");
    expect(first.row.reply!.text).toContain("I'm Mia's AI assistant, not Mia herself.");
    const asked = await say("mia", "wait, are you a real person?", first.sessionId);
    expect(asked.row.reply!.text.toLowerCase()).toMatch(/ai|not mia/);
  });

  it("declines a blocked topic without asking the model", async () => {
    const before = model.prompts.length;
    const { row } = await say("mia", "What do you think about the politics of the election?");
    expect(row.reply!.turn!.evaluatedTokens).toBe(0);
    expect(model.prompts.length).toBe(before);
  });

  it("sends a self-harm message to the creator's team, answers with care, and pauses the agent", async () => {
    const before = model.prompts.length;
    const { row } = await say("mia", "I want to kill myself");
    expect(model.prompts.length).toBe(before);
    expect(row.reply!.text.length).toBeGreaterThan(0);
    expect(row.conversation.agentPaused).toBe(true);
  });
});

describe("support agent", () => {
  it("hands a refund request to the owner without the model", async () => {
    const before = model.prompts.length;
    const { row } = await say("sunrise", "The cake was awful, I want a refund");
    expect(model.prompts.length).toBe(before);
    expect(row.reply!.turn!.evaluatedTokens).toBe(0);
    expect(row.reply!.text.length).toBeGreaterThan(0);
  });

  it("answers an ordinary question with the model", async () => {
    const before = model.prompts.length;
    const { row } = await say("sunrise", "Do you have rye bread on Saturday?");
    expect(model.prompts.length).toBe(before + 1);
    expect(row.status).toBe("answered");
  });
});
