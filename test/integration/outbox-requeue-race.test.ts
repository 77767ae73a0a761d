import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { BullOutboxQueue } from "../../src/adapters/queue/outbox-queue.js";
import { outboxJobId } from "../../src/adapters/queue/queue-names.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { startWorkers } from "../../src/adapters/queue/start-workers.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";

// The worker rescheduling a throttled send and the reconciler scheduling the same stale entry race
// on real Redis, through the real outbox worker: one job, one more send, a delay kept.
const logger = createLogger("silent", "test");
const redisPrefix = createTestPrefix();
const workerRedis = createRedis(TEST_REDIS_URL, "worker");
const sends = new Map<string, number[]>();
let outboxes: BullOutboxQueue[];
let workers: ReturnType<typeof startWorkers>;

beforeAll(async () => {
  // The worker's queue and the reconciler's, each on a connection of its own.
  outboxes = [
    new BullOutboxQueue(createRedis(TEST_REDIS_URL, "producer"), redisPrefix.prefix, logger),
    new BullOutboxQueue(createRedis(TEST_REDIS_URL, "producer"), redisPrefix.prefix, logger),
  ];
  workers = startWorkers(
    {
      handleTurn: async () => ({ kind: "nothing-pending" }),
      deliver: async (outboxId) => {
        sends.set(outboxId, [...(sends.get(outboxId) ?? []), Date.now()]);
        await new Promise((r) => setTimeout(r, Math.random() * 15));
        return { outcome: "sent" };
      },
      onTurnFailed: async () => undefined,
    },
    { connection: workerRedis, prefix: redisPrefix.prefix, concurrency: 2, busyDelayMs: 100, jobLockMs: 30_000, stalledCheckMs: 30_000, logger },
  );
});

afterAll(async () => {
  await workers?.close();
  for (const outbox of outboxes ?? []) await outbox.close();
  await redisPrefix.cleanup();
  workerRedis.disconnect();
});

const state = async (outboxId: string) => (await outboxes[0]!.queue.getJob(outboxJobId(outboxId)))?.getState();
async function sent(outboxId: string, times: number): Promise<void> {
  await expect.poll(() => sends.get(outboxId)?.length ?? 0, { timeout: 5000, interval: 10 }).toBe(times);
  await expect.poll(() => state(outboxId), { timeout: 5000, interval: 10 }).toBe("completed");
}

describe("scheduling a send while others do the same", () => {
  it("the worker and the reconciler scheduling a finished send at once: sent once more", async () => {
    for (let round = 0; round < 20; round++) {
      const id = `o-${round}`;
      await outboxes[0]!.scheduleRetry(id, 0);
      await sent(id, 1);
      await Promise.all([outboxes[0]!.scheduleRetry(id, 0), outboxes[1]!.scheduleRetry(id, 0)]);
      await sent(id, 2);
      await new Promise((r) => setTimeout(r, 40));
      expect(sends.get(id), `round ${round}`).toHaveLength(2);
    }
  }, 60_000);

  it("a finished send scheduled again with a delay waits for it, without spending an attempt; a live one is left as it is", async () => {
    await outboxes[0]!.scheduleRetry("later", 0);
    await sent("later", 1);
    const scheduled = Date.now();
    await outboxes[0]!.scheduleRetry("later", 800);
    await sent("later", 2);
    expect(sends.get("later")![1]! - scheduled).toBeGreaterThanOrEqual(750);
    expect((await outboxes[0]!.queue.getJob(outboxJobId("later")))!.attemptsMade).toBe(1);

    await outboxes[0]!.scheduleRetry("live", 60_000);
    await outboxes[1]!.scheduleRetry("live", 0);
    expect(await state("live")).toBe("delayed");
    await new Promise((r) => setTimeout(r, 100));
    expect(sends.get("live")).toBeUndefined();
  }, 30_000);

  it("a reconciler that saw the send finished just before the worker rescheduled it does not take the worker's job", async () => {
    // The reconciler's reads are slowed so that the worker's reschedule lands between its look and its act.
    const reconciler = outboxes[1]!.queue;
    const getJob = reconciler.getJob.bind(reconciler);
    reconciler.getJob = async (id) => {
      const job = await getJob(id);
      if (job) {
        const getState = job.getState.bind(job);
        job.getState = async () => {
          const seen = await getState();
          await new Promise((r) => setTimeout(r, 50));
          return seen;
        };
      }
      return job;
    };
    try {
      for (let round = 0; round < 5; round++) {
        const id = `throttled-${round}`;
        await outboxes[0]!.scheduleRetry(id, 0);
        await sent(id, 1);
        const scheduled = Date.now();
        await Promise.all([outboxes[1]!.scheduleRetry(id, 0), new Promise((r) => setTimeout(r, 10)).then(() => outboxes[0]!.scheduleRetry(id, 600))]);
        await sent(id, 2);
        // Sent once more, after the platform's wait: not at once by a job the reconciler put in its place.
        expect(sends.get(id)![1]! - scheduled, `round ${round}`).toBeGreaterThanOrEqual(550);
        await new Promise((r) => setTimeout(r, 40));
        expect(sends.get(id), `round ${round}`).toHaveLength(2);
      }
    } finally {
      reconciler.getJob = getJob;
    }
  }, 30_000);
});
