import { Queue, Worker } from "bullmq";
import type { RedisClient } from "./redis-connection.js";
import type { Logger } from "../../ports/logger.js";
import { WORKER_RETRY } from "./worker-retry.js";

export const MAINTENANCE_QUEUE = "maintenance";
const WEBCHAT_RETENTION = "webchat-retention";

export interface MaintenanceTasks {
  /** Deletes abandoned web chat sessions; returns how many went. */
  readonly webchatRetention: () => Promise<number>;
}

/**
 * Periodic housekeeping as a BullMQ job scheduler: the schedule lives in Redis (upserted by every
 * worker at start, so there is one however many run), each run is one job that one worker takes.
 */
export async function startMaintenance(
  deps: { connection: RedisClient; prefix: string; logger: Logger; retentionIntervalMs: number },
  tasks: MaintenanceTasks,
): Promise<{ close(): Promise<void> }> {
  const queue = new Queue(MAINTENANCE_QUEUE, { connection: deps.connection, prefix: deps.prefix });
  queue.on("error", (error) => deps.logger.warn({ err: error }, "maintenance queue connection error"));
  await queue.upsertJobScheduler(
    WEBCHAT_RETENTION,
    { every: deps.retentionIntervalMs },
    { name: WEBCHAT_RETENTION, data: {}, opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } } },
  );
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      if (job.name !== WEBCHAT_RETENTION) return null;
      const deleted = await tasks.webchatRetention();
      if (deleted > 0) deps.logger.info({ deleted }, "abandoned web chat sessions deleted");
      return { deleted };
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1, ...WORKER_RETRY },
  );
  worker.on("error", (error) => deps.logger.error({ err: error }, "maintenance worker error"));
  worker.on("failed", (job, error) => deps.logger.warn({ jobId: job?.id, err: error }, "maintenance job failed"));
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}

/** Runs `deleteBatch` until a batch comes back short or `maxBatches` ran: bounded work per run, bounded transactions. */
export async function inRounds(deleteBatch: (limit: number) => Promise<number>, batchSize: number, maxBatches: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await deleteBatch(batchSize);
    total += n;
    if (n < batchSize) break;
  }
  return total;
}
