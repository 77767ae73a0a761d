import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eraseContacts, type ErasureDeps } from "../../src/app/admin/erase-contacts.js";
import type { ChatPrompt } from "../../src/domain/chat-prompt.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { composeWorker, type RunningWorker } from "../../src/main/compose-worker.js";
import type { GenerateOptions, Generation } from "../../src/ports/chat-model.js";
import type { ChannelRef } from "../../src/ports/inbound-store.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { turnJobId } from "../../src/adapters/queue/queue-names.js";
import { conversationLockKey } from "../../src/adapters/queue/redis-conversation-lock.js";
import { ErasureRepository } from "../../src/adapters/storage/admin/erasure-repository.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { TurnRepository } from "../../src/adapters/storage/turn/turn-repository.js";
import { DelegatingChatModel } from "../../src/adapters/llm/delegating-chat-model.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestQueues, type TestQueues } from "../../test-kit/test-queued-work.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// A contact erased while a worker is in the middle of their turn: the turn stores nothing, does not
// fail or retry, and nothing of the contact comes back.

/** The real model, held at the start of generate() until the test opens the gate. */
class GatedChatModel extends DelegatingChatModel {
  calls = 0;
  /** Conversations the worker was told to forget (an erasure reached it through Redis). */
  readonly forgotten: string[] = [];
  private onStart: () => void = () => undefined;
  private open: () => void = () => undefined;
  readonly started = new Promise<void>((resolve) => (this.onStart = resolve));
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  release(): void {
    this.open();
  }

  override forget(conversationKey: string): Promise<void> {
    this.forgotten.push(conversationKey);
    return super.forget(conversationKey);
  }

  override async generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
    this.calls++;
    this.onStart();
    await this.gate;
    return super.generate(prompt, options);
  }
}

const logger = createLogger("silent", "test");
const prefix = createTestPrefix();
const config = testConfig({ QUEUE_PREFIX: prefix.prefix });
let database: TestDatabase;
let queues: TestQueues;
let model: GatedChatModel;
let worker: RunningWorker;
let channel: ChannelRef;
let erasure: ErasureDeps;

async function newPerson(text: string) {
  const stored = await new InboundRepository(database.db).storeInbound(channel, {
    channelKind: "webchat",
    platformAccountId: channel.platformAccountId,
    platformMessageId: randomUUID(),
    senderId: randomBytes(12).toString("hex"),
    kind: "text",
    text,
    sentAt: new Date(),
  });
  const { contactId } = await database.db.conversation.findUniqueOrThrow({ where: { id: stored.conversationId } });
  return { ...stored, contactId };
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  const seeded = await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "race", TEST_BUSINESS_SETTINGS);
  channel = (await new InboundRepository(database.db).findChannel("webchat", seeded.channelKey))!;
  queues = createTestQueues(logger, prefix);
  erasure = { store: new ErasureRepository(database.db), work: queues.work, logger };
  model = new GatedChatModel(await LlamaChatModel.load({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR), ...config.model }));
  worker = composeWorker({ config, db: database.db, redisUrl: TEST_REDIS_URL, model, logger, timings: { busyRetryMs: 50 } });
}, 120_000);

afterAll(async () => {
  model?.release();
  await worker?.close();
  await model?.close();
  await queues?.close();
  await database?.drop();
});

describe("erasure during a turn", () => {
  it("a worker generating a reply when its conversation is erased stores nothing and completes without retrying", async () => {
    const person = await newPerson("Could you tell me what the weather is like on your side of town this week?");
    await queues.turns.enqueueTurn({ conversationId: person.conversationId, messageId: person.messageId, businessId: person.businessId });
    await Promise.race([model.started, new Promise((_, reject) => setTimeout(() => reject(new Error("the turn never reached the model")), 60_000))]);

    // The worker holds the conversation's lock and its job is running: erase now.
    expect(await queues.redis.exists(conversationLockKey(queues.prefix, person.conversationId))).toBe(1);
    const erased = await eraseContacts(erasure, { source: "admin", subjectHash: "test", contactIds: [person.contactId] });
    expect(erased).toMatchObject({ status: "completed", erasedMessages: 1 });
    expect(await queues.redis.exists(conversationLockKey(queues.prefix, person.conversationId))).toBe(0);

    model.release();
    // The state first, then the job: a job read while still active keeps returnvalue null.
    const job = await waitFor(async () => {
      const state = await queues.turns.queue.getJobState(turnJobId(person.messageId));
      return state === "completed" || state === "failed" ? queues.turns.queue.getJob(turnJobId(person.messageId)) : undefined;
    }, 60_000);
    expect(await job.getState()).toBe("completed");
    expect(job.returnvalue).toBe("fenced");
    expect(job.failedReason ?? null).toBeNull();
    expect(model.calls).toBe(1);
    // Nothing came back: no reply, no outbox entry, no turn record, no conversation.
    expect(await database.db.message.count({ where: { conversationId: person.conversationId } })).toBe(0);
    expect(await database.db.conversation.count({ where: { id: person.conversationId } })).toBe(0);
    expect(await database.db.contact.count({ where: { id: person.contactId } })).toBe(0);
    expect(await database.db.turn.count({ where: { conversationId: person.conversationId } })).toBe(0);
    expect(await database.db.outboxEntry.count()).toBe(0);
    // The worker that served the conversation was told to drop its model state (KV cache, saved state).
    expect(model.forgotten).toContain(person.conversationId);
    // The job that was running keeps ids only, as every job does, until BullMQ trims finished jobs.
    expect(Object.keys(job.data).sort()).toEqual(["businessId", "conversationId", "messageId"]);
  }, 150_000);

  it("a reply saved at the same moment as the erasure is either erased with it (and counted) or not stored at all", { timeout: 60_000 }, async () => {
    const turns = new TurnRepository(database.db);
    for (let round = 0; round < 12; round++) {
      const person = await newPerson(`Round ${round}`);
      // The erasure does a few round trips before its transaction: spread the save over that time.
      const saveDelay = round % 4 === 0 ? 0 : Math.floor(Math.random() * 30);
      const jitter = (ms: number) => new Promise((r) => setTimeout(r, ms));
      const [saved, erased] = await Promise.all([
        jitter(saveDelay).then(() =>
          turns.saveReply({
            conversationId: person.conversationId,
            businessId: person.businessId,
            channelId: channel.id,
            answeredIds: [person.messageId],
            text: "Here you go.",
            historyStartSeq: 0n,
            stats: {
              worker: "race",
              promptTokens: 1,
              evaluatedTokens: 1,
              generatedTokens: 1,
              startedAt: new Date(),
              generationStartedAt: new Date(),
              generationEndedAt: new Date(),
            },
          }),
        ),
        jitter(0).then(() => eraseContacts(erasure, { source: "admin", subjectHash: "test", contactIds: [person.contactId] })),
      ]);
      expect(erased.erasedMessages, `round ${round}: saved=${saved !== null}`).toBe(saved ? 2 : 1);
      expect(await database.db.message.count({ where: { conversationId: person.conversationId } })).toBe(0);
      if (saved) expect(await database.db.outboxEntry.count({ where: { id: saved.outboxId } })).toBe(0);
    }
  });
});
