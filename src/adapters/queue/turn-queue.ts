import { Queue } from "bullmq";
import type { RedisClient } from "./redis-connection.js";
import { UnavailableError } from "../../domain/errors.js";
import type { Logger } from "../../ports/logger.js";
import type { TurnJob, TurnQueue } from "../../ports/turn-queue.js";
import { BusinessFairness } from "./business-fairness.js";
import { inBatches } from "./in-batches.js";
import { requeueJob } from "./requeue-job.js";
import { TURN_QUEUE, turnJobId } from "./queue-names.js";

export const TURN_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: "exponential", delay: 2000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
} as const;

export class BullTurnQueue implements TurnQueue {
  private current: Queue<TurnJob> | null = null;
  private readonly fairness: BusinessFairness;

  constructor(
    private readonly connection: RedisClient,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.fairness = new BusinessFairness(connection, prefix);
  }

  /** The BullMQ queue; a new one after a failure, since BullMQ keeps a failed start-up for good. */
  get queue(): Queue<TurnJob> {
    if (!this.current) {
      this.current = new Queue<TurnJob>(TURN_QUEUE, {
        connection: this.connection,
        prefix: this.prefix,
        skipWaitingForReady: true,
        defaultJobOptions: TURN_JOB_OPTIONS,
      });
      this.current.on("error", (error) => this.logger.warn({ err: error }, "turn queue connection error"));
    }
    return this.current;
  }

  async enqueueTurn(job: TurnJob): Promise<void> {
    const queue = this.queue;
    try {
      const priority = await this.fairness.nextPriority(job.businessId);
      await queue.add("turn", job, { jobId: turnJobId(job.messageId), priority });
    } catch (error) {
      if (this.current === queue) this.current = null;
      void queue.close().catch(() => undefined);
      throw new UnavailableError("QUEUE_UNAVAILABLE", "the message queue is unreachable; retry later", { cause: error });
    }
  }

  /** Several turns with one priority round trip and one BullMQ addBulk; each is idempotent per message as with enqueueTurn. */
  async enqueueTurns(jobs: readonly TurnJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const queue = this.queue;
    try {
      const priorities = await this.fairness.nextPriorities(jobs.map((job) => job.businessId));
      await queue.addBulk(jobs.map((job, i) => ({ name: "turn", data: job, opts: { jobId: turnJobId(job.messageId), priority: priorities[i] } })));
    } catch (error) {
      if (this.current === queue) this.current = null;
      void queue.close().catch(() => undefined);
      throw new UnavailableError("QUEUE_UNAVAILABLE", "the message queue is unreachable; retry later", { cause: error });
    }
  }

  /**
   * Queues the message's turn again unless a job for it is still waiting, delayed or running (see
   * requeueJob: safe against other reconcilers, the opening job, the console and the workers).
   * A finished job goes back with its first priority; it counts as queued again for fairness.
   */
  async requeueTurn(job: TurnJob): Promise<boolean> {
    const outcome = await requeueJob(this.queue, turnJobId(job.messageId), () => this.enqueueTurn(job));
    if (outcome === "retried") await this.fairness.nextPriority(job.businessId);
    return outcome !== "live";
  }

  /**
   * Removes the turn jobs of these messages, in whatever state (erasure). A job a worker is running
   * is locked and stays (counted as running); a removed job that never ran gives back its fairness slot.
   */
  async removeTurns(messageIds: readonly string[]): Promise<{ removed: number; running: number }> {
    const queue = this.queue;
    let removed = 0;
    let running = 0;
    await inBatches(messageIds, async (messageId) => {
      const job = await queue.getJob(turnJobId(messageId));
      if (!job) return;
      const state = await job.getState();
      if (state === "active" || (await queue.remove(job.id!)) === 0) return void running++;
      removed++;
      if (state !== "completed" && state !== "failed") await this.fairness.done(job.data.businessId);
    });
    return { removed, running };
  }

  /** Turns queued for the business and not finished yet (the fairness count), for the per-business cap. */
  queuedFor(businessId: string): Promise<number> {
    return this.fairness.queued(businessId);
  }

  async close(): Promise<void> {
    await this.current?.close();
  }
}
