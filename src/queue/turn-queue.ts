import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { UnavailableError } from "../domain/errors.js";
import type { Logger } from "../ports/logger.js";
import type { TurnJob, TurnQueue } from "../ports/turn-queue.js";
import { TURN_QUEUE, turnJobId } from "./queue-names.js";

export const TURN_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: "exponential", delay: 2000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
} as const;

export class BullTurnQueue implements TurnQueue {
  readonly queue: Queue<TurnJob>;

  constructor(connection: Redis, prefix: string, logger: Logger) {
    this.queue = new Queue<TurnJob>(TURN_QUEUE, { connection, prefix, skipWaitingForReady: true, defaultJobOptions: TURN_JOB_OPTIONS });
    this.queue.on("error", (error) => logger.warn({ err: error }, "turn queue connection error"));
  }

  async enqueueTurn(job: TurnJob): Promise<void> {
    try {
      await this.queue.add("turn", job, { jobId: turnJobId(job.messageId) });
    } catch (error) {
      throw new UnavailableError("QUEUE_UNAVAILABLE", "the message queue is unreachable; retry later", { cause: error });
    }
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
