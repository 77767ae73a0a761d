import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/index.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeGateway, type Gateway } from "../../src/main/compose-gateway.js";
import { composeWorker, type RunningWorker } from "../../src/main/compose-worker.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import type { ChatPrompt } from "../../src/domain/chat-prompt.js";
import type { GenerateOptions } from "../../src/ports/chat-model.js";
import type { BusinessSettings } from "../../src/domain/business-settings.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { RecordingChatModel } from "../../test-kit/recording-chat-model.js";
import { TEST_BUSINESS_SETTINGS, testConfig, updateBusinessSettings } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// Bursts and interruptions, counted through the real pipeline (not timed).
const logger = createLogger("silent", "test");
let database: TestDatabase;
let real: LlamaChatModel;
let running: { gateway: Gateway; worker: RunningWorker; cleanup: () => Promise<void> } | undefined;

/** A model that lets the test act the moment a generation starts. */
class HookedModel extends RecordingChatModel {
  onStart: (() => Promise<void>) | undefined;
  /** Caps generations after the first, so a long first reply can be interrupted and the test stays quick. */
  laterMaxTokens: number | undefined;
  override async generate(prompt: ChatPrompt, options: GenerateOptions) {
    const hook = this.onStart;
    this.onStart = undefined;
    const capped = this.prompts.length > 0 && this.laterMaxTokens ? { ...options, maxTokens: this.laterMaxTokens } : options;
    const generation = super.generate(prompt, capped);
    await hook?.();
    return generation;
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "demo", TEST_BUSINESS_SETTINGS);
  real = await LlamaChatModel.load({
    modelPath: await ensureTinyModel(MODEL_CACHE_DIR),
    threads: 2,
    contextSize: 4096,
    sequences: 2,
    temperature: 0,
  });
});
afterEach(async () => {
  await running?.cleanup();
  running = undefined;
});
afterAll(async () => {
  await real?.close();
  await database?.drop();
});

async function start(overrides: Record<string, string>, settings: Partial<BusinessSettings> = {}, interruptPollMs?: number) {
  const prefix = createTestPrefix();
  const config: Config = testConfig({ QUEUE_PREFIX: prefix.prefix, ...overrides });
  await updateBusinessSettings(database.db, "demo", { ...TEST_BUSINESS_SETTINGS, ...settings });
  const model = new HookedModel(real);
  const worker = composeWorker({
    config,
    db: database.db,
    redisUrl: TEST_REDIS_URL,
    model,
    logger,
    ...(interruptPollMs ? { timings: { interruptPollMs } } : {}),
  });
  const gateway = composeGateway({ config, db: database.db, redisUrl: TEST_REDIS_URL, logger });
  running = {
    gateway,
    worker,
    cleanup: async () => {
      await gateway.close();
      await worker.close();
      await prefix.cleanup();
    },
  };
  const sessionId = randomUUID().replaceAll("-", "");
  const send = async (text: string) => {
    const res = await gateway.app.inject({
      method: "POST",
      url: "/api/webchat/demo/messages",
      payload: { sessionId, clientMessageId: randomUUID(), text },
    });
    expect(res.statusCode).toBe(202);
    return res.json().messageId as string;
  };
  return { model, send };
}

async function waitForAnswered(ids: string[]) {
  for (let i = 0; i < 400; i++) {
    const rows = await database.db.message.findMany({ where: { id: { in: ids } } });
    if (rows.every((r) => r.status === "answered")) {
      const replies = await database.db.message.findMany({ where: { id: { in: rows.map((r) => r.replyId!) } } });
      if (replies.every((r) => r.status === "sent")) return rows;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("messages not answered in time");
}

describe("burst merging", () => {
  it("answers three quick messages with one reply when they fall in the debounce window", async () => {
    const { model, send } = await start({}, { turnDebounceMs: 600 });
    const ids = [await send("hi"), await send("do you open sunday?"), await send("and how much is the cake?")];
    const rows = await waitForAnswered(ids);
    expect(new Set(rows.map((r) => r.replyId)).size).toBe(1);
    expect(model.prompts).toHaveLength(1);
    expect(model.prompts[0]!.turns.at(-1)!.text).toBe("hi\ndo you open sunday?\nand how much is the cake?");
  });

  it("wait mode: a message arriving mid-generation gets the next turn, after the first reply", async () => {
    const { model, send } = await start({ TURN_INTERRUPT: "wait" }, { replyMaxTokens: 64 });
    model.laterMaxTokens = 8;
    let second = "";
    let sentSecond!: () => void;
    const secondSent = new Promise<void>((resolve) => (sentSecond = resolve));
    model.onStart = async () => {
      second = await send("one more thing: a baguette too");
      sentSecond();
    };
    const first = await send("I'd like to order a lemon cake");
    await secondSent;
    const rows = await waitForAnswered([first, second]);
    const [a, b] = rows.sort((x, y) => (x.seq < y.seq ? -1 : 1));
    expect(a!.replyId).not.toBe(b!.replyId);
    const replies = await database.db.message.findMany({ where: { id: { in: [a!.replyId!, b!.replyId!] } } });
    const seqOf = new Map(replies.map((r) => [r.id, r.seq]));
    expect(seqOf.get(a!.replyId!)! < seqOf.get(b!.replyId!)!).toBe(true);
    // The second turn saw the first exchange, then the new message.
    expect(model.prompts.at(-1)!.turns.map((t) => t.role)).toEqual(["user", "assistant", "user"]);
  });

  it("restart mode: a message arriving mid-generation cancels it and one reply answers both", async () => {
    const { model, send } = await start({ TURN_INTERRUPT: "restart" }, { replyMaxTokens: 2000 }, 20);
    model.laterMaxTokens = 8;
    let second = "";
    let sentSecond!: () => void;
    const secondSent = new Promise<void>((resolve) => (sentSecond = resolve));
    model.onStart = async () => {
      second = await send("actually, make it chocolate");
      sentSecond();
    };
    const first = await send("I'd like to order a lemon cake");
    await secondSent;
    const rows = await waitForAnswered([first, second]);
    expect(new Set(rows.map((r) => r.replyId)).size).toBe(1);
    // The first generation was cut short (or had just finished) when the new message was seen.
    expect(model.prompts).toHaveLength(2);
    expect(model.prompts[1]!.turns.at(-1)!.text).toBe("I'd like to order a lemon cake\nactually, make it chocolate");
    expect(await database.db.turn.count({ where: { replyId: rows[0]!.replyId! } })).toBe(1);
  });
});
