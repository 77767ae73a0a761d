import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../ports/logger.js";
import { OUTBOX_QUEUE, outboxJobId } from "./queue-names.js";

export interface OutboxJob {
  readonly outboxId: string;
}

/** Retries of replies whose first send failed; the first send happens inside the turn. */
export class BullOutboxQueue {
  readonly queue: Queue<OutboxJob>;

  constructor(connection: Redis, prefix: string, logger: Logger) {
    this.queue = new Queue<OutboxJob>(OUTBOX_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: { attempts: 8, backoff: { type: "exponential", delay: 2000 }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } },
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

  close(): Promise<void> {
    return this.queue.close();
  }
}
