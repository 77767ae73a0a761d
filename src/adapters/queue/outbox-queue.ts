import { Queue } from "bullmq";
import type { RedisClient } from "./redis-connection.js";
import type { Logger } from "../../ports/logger.js";
import { OUTBOX_QUEUE, outboxJobId } from "./queue-names.js";
import { inBatches } from "./in-batches.js";

export interface OutboxJob {
  readonly outboxId: string;
}

/** Retries of replies whose first send failed; the first send happens inside the turn. */
export class BullOutboxQueue {
  readonly queue: Queue<OutboxJob>;

  constructor(connection: RedisClient, prefix: string, logger: Logger) {
    this.queue = new Queue<OutboxJob>(OUTBOX_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: 8,
        backoff: { type: "exponential", delay: 2000 },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 5000 },
      },
    });
    this.queue.on("error", (error) => logger.warn({ err: error }, "outbox queue connection error"));
  }

  /** Schedules a send of the entry; a finished job with the same id is replaced (BullMQ ignores known ids). */
  async scheduleRetry(outboxId: string, delayMs: number): Promise<void> {
    const existing = await this.queue.getJob(outboxJobId(outboxId));
    if (existing) {
      const state = await existing.getState();
      if (state !== "completed" && state !== "failed") return;
      await existing.remove().catch(() => undefined);
    }
    await this.queue.add("deliver", { outboxId }, { jobId: outboxJobId(outboxId), delay: delayMs });
  }

  /** Removes the send jobs of these entries (erasure); a job being sent right now stays and is counted as running. */
  async remove(outboxIds: readonly string[]): Promise<{ removed: number; running: number }> {
    let removed = 0;
    let running = 0;
    await inBatches(outboxIds, async (outboxId) => {
      const job = await this.queue.getJob(outboxJobId(outboxId));
      if (!job) return;
      if ((await job.getState()) === "active" || (await this.queue.remove(job.id!)) === 0) running++;
      else removed++;
    });
    return { removed, running };
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
