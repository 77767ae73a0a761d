import { Queue, Worker } from "bullmq";
import type { RedisClient } from "./redis-connection.js";
import type { Logger } from "../../ports/logger.js";
import { WORKER_RETRY } from "./worker-retry.js";

export const OPENING_QUEUE = "openings";

export interface OpeningJob {
  readonly businessId: string;
  /** The opening, ms since the epoch: conversations waiting for it (or an earlier one) are answered. */
  readonly opensAt: number;
}

/** One job per business and opening time: every conversation of that closed period shares it. */
export const openingJobId = (businessId: string, opensAt: Date) => `opening-${businessId}-${opensAt.getTime()}`;

/**
 * Delayed jobs at a business's next opening, when messages waited through a closed period: the
 * job queues a turn for each waiting conversation, so the agent answers what nobody answered yet.
 * A scheduled job, not a poll: nothing runs while the business is closed.
 */
export class BullOpeningQueue {
  readonly queue: Queue<OpeningJob>;

  constructor(
    connection: RedisClient,
    prefix: string,
    logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.queue = new Queue<OpeningJob>(OPENING_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: 8,
        backoff: { type: "exponential", delay: 5000 },
        removeOnComplete: { count: 200 },
        removeOnFail: { count: 500 },
      },
    });
    this.queue.on("error", (error) => logger.warn({ err: error }, "opening queue connection error"));
  }

  /** Idempotent per business and opening: a second call for the same opening adds nothing (the job id exists). */
  async schedule(businessId: string, opensAt: Date): Promise<void> {
    const delay = Math.max(0, opensAt.getTime() - this.now().getTime());
    await this.queue.add("opening", { businessId, opensAt: opensAt.getTime() }, { jobId: openingJobId(businessId, opensAt), delay });
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/** Runs opening jobs: `answer` queues the turns of the business's conversations waiting for that opening. */
export function startOpeningWorker(deps: { connection: RedisClient; prefix: string; logger: Logger; answer: (job: OpeningJob) => Promise<number> }): {
  close(): Promise<void>;
} {
  const worker = new Worker<OpeningJob, { queued: number }>(
    OPENING_QUEUE,
    async (job) => {
      const queued = await deps.answer(job.data);
      if (queued > 0) deps.logger.info({ businessId: job.data.businessId, queued }, "opening: the agent answers what waited");
      return { queued };
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 2, ...WORKER_RETRY },
  );
  worker.on("error", (error) => deps.logger.error({ err: error }, "opening worker error"));
  worker.on("failed", (job, error) => deps.logger.warn({ jobId: job?.id, err: error }, "opening job failed"));
  return { close: () => worker.close() };
}
