import { UnrecoverableError, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { BusinessFairness } from "../../src/adapters/queue/business-fairness.js";
import { TURN_QUEUE, turnJobId } from "../../src/adapters/queue/queue-names.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { BullTurnQueue } from "../../src/adapters/queue/turn-queue.js";
import type { TurnJob } from "../../src/ports/turn-queue.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";

// Reconcilers (and the opening job, and the console's hand-back) re-queue a turn whose job is
// finished or lost. Several of them, and a worker finishing the job, race on real Redis: a turn
// is re-queued once per finished run, never dropped, never run twice for one decision.
const logger = createLogger("silent", "test");
const redisPrefix = createTestPrefix();
const producer = createRedis(TEST_REDIS_URL, "producer");
const workerRedis = createRedis(TEST_REDIS_URL, "worker");
const BUSINESS = "b-race";
const runs = new Map<string, number>();
const failFirst = new Set<string>();
let gate: Promise<void> | undefined;
let queues: BullTurnQueue[];
let worker: Worker<TurnJob>;
let fairness: BusinessFairness;

beforeAll(async () => {
  // Two reconcilers: two producers of their own, as two worker processes would have.
  queues = [
    new BullTurnQueue(producer, redisPrefix.prefix, logger),
    new BullTurnQueue(createRedis(TEST_REDIS_URL, "producer"), redisPrefix.prefix, logger),
  ];
  fairness = new BusinessFairness(producer, redisPrefix.prefix);
  worker = new Worker<TurnJob>(
    TURN_QUEUE,
    async (job) => {
      const id = job.data.messageId;
      runs.set(id, (runs.get(id) ?? 0) + 1);
      await gate;
      await new Promise((r) => setTimeout(r, Math.random() * 15));
      if (failFirst.delete(id)) throw new UnrecoverableError("fails once");
    },
    { connection: workerRedis, prefix: redisPrefix.prefix, concurrency: 2 },
  );
  // As start-workers does: a finished turn gives back its fairness slot.
  worker.on("completed", (job) => void fairness.done(job.data.businessId));
  worker.on("failed", (job) => job && void fairness.done(job.data.businessId));
  await worker.waitUntilReady();
});

afterAll(async () => {
  await worker?.close();
  for (const queue of queues ?? []) await queue.close();
  await redisPrefix.cleanup();
  producer.disconnect();
  workerRedis.disconnect();
});

const turn = (messageId: string): TurnJob => ({ businessId: BUSINESS, conversationId: `c-${messageId}`, messageId });
const state = async (messageId: string) => (await queues[0]!.queue.getJob(turnJobId(messageId)))?.getState();
async function settled(messageId: string, runCount: number): Promise<void> {
  await expect.poll(() => runs.get(messageId) ?? 0, { timeout: 5000, interval: 10 }).toBe(runCount);
  await expect.poll(() => state(messageId), { timeout: 5000, interval: 10 }).toMatch(/^(completed|failed)$/);
}

describe("re-queueing a turn while others do the same", () => {
  it("two reconcilers re-queueing a finished turn at once queue it once; it runs once more", async () => {
    for (let round = 0; round < 25; round++) {
      const id = `done-${round}`;
      await queues[0]!.enqueueTurn(turn(id));
      await settled(id, 1);
      const requeued = await Promise.all(queues.map((queue) => queue.requeueTurn(turn(id))));
      expect(requeued.filter(Boolean), `round ${round}`).toHaveLength(1);
      await settled(id, 2);
      await new Promise((r) => setTimeout(r, 30));
      expect(runs.get(id), `round ${round}`).toBe(2);
    }
    await expect.poll(() => fairness.queued(BUSINESS), { timeout: 5000 }).toBe(0);
  }, 60_000);

  it("a reconciler racing the worker that is finishing the job: re-queued at most once, and never lost", async () => {
    for (let round = 0; round < 25; round++) {
      const id = `finishing-${round}`;
      await queues[0]!.enqueueTurn(turn(id));
      await expect.poll(() => runs.get(id) ?? 0, { timeout: 5000, interval: 2 }).toBe(1);
      // The worker is finishing it now (0-15 ms): the reconcilers ask meanwhile and right after.
      await new Promise((r) => setTimeout(r, Math.random() * 15));
      const requeued = await Promise.all(queues.map((queue) => queue.requeueTurn(turn(id))));
      const queuedAgain = requeued.filter(Boolean).length;
      expect(queuedAgain, `round ${round}`).toBeLessThanOrEqual(1);
      await settled(id, 1 + queuedAgain);
      await new Promise((r) => setTimeout(r, 30));
      expect(runs.get(id), `round ${round}`).toBe(1 + queuedAgain);
    }
    await expect.poll(() => fairness.queued(BUSINESS), { timeout: 5000 }).toBe(0);
  }, 60_000);

  it("leaves a running turn alone, and re-queues a failed one with its attempts back", async () => {
    let release!: () => void;
    gate = new Promise((r) => (release = r));
    await queues[0]!.enqueueTurn(turn("running"));
    await expect.poll(() => state("running"), { timeout: 5000, interval: 5 }).toBe("active");
    expect(await Promise.all(queues.map((queue) => queue.requeueTurn(turn("running"))))).toEqual([false, false]);
    release();
    gate = undefined;
    await settled("running", 1);

    failFirst.add("fails");
    await queues[0]!.enqueueTurn(turn("fails"));
    await settled("fails", 1);
    expect(await state("fails")).toBe("failed");
    expect((await Promise.all(queues.map((queue) => queue.requeueTurn(turn("fails"))))).filter(Boolean)).toHaveLength(1);
    await settled("fails", 2);
    const job = await queues[0]!.queue.getJob(turnJobId("fails"));
    expect(await job!.getState()).toBe("completed");
    expect(job!.attemptsMade).toBe(1);
  }, 30_000);

  it("queues a turn whose job is gone once, however many ask", async () => {
    const requeued = await Promise.all([...queues, ...queues].map((queue) => queue.requeueTurn(turn("lost"))));
    expect(requeued.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    await settled("lost", 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(runs.get("lost")).toBe(1);
  }, 30_000);
});
