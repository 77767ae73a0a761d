import { Queue } from "bullmq";
import type { RedisClient } from "./redis-connection.js";
import type { Logger } from "../../ports/logger.js";
import { OUTBOX_QUEUE, outboxJobId } from "./queue-names.js";
import { inBatches } from "./in-batches.js";
import { requeueJob } from "./requeue-job.js";

export interface OutboxJob {
  readonly outboxId: string;
  /** Not to be sent before this time (ms since the epoch): a finished job scheduled again with a delay goes back at once and waits for it. */
  readonly notBefore?: number;
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

  /**
   * Schedules a send of the entry in `delayMs` unless a job for it is waiting, delayed or running,
   * with BullMQ's atomic operations (see requeueJob), so the worker rescheduling a throttled send
   * and the reconciler racing it queue one job, never none. A finished job goes back through
   * `Job.retry`, which cannot delay: it carries `notBefore` instead, and the worker delays it.
   */
  async scheduleRetry(outboxId: string, delayMs: number): Promise<void> {
    const jobId = outboxJobId(outboxId);
    await requeueJob(
      this.queue,
      jobId,
      () => this.queue.add("deliver", { outboxId }, { jobId, delay: delayMs }),
      // Only ever set: a caller losing the race must not clear the winner's wait.
      delayMs > 0 ? (job) => job.updateData({ outboxId, notBefore: Date.now() + delayMs }) : undefined,
    );
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
