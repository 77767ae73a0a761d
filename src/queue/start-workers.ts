import { DelayedError, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { FatalError } from "../domain/errors.js";
import type { Logger } from "../ports/logger.js";
import type { TurnJob } from "../ports/turn-queue.js";
import type { DeliveryOutcome } from "../worker/deliver-reply.js";
import type { TurnOutcome } from "../worker/handle-turn.js";
import type { OutboxJob } from "./outbox-queue.js";
import { BusinessFairness } from "./business-fairness.js";
import { OUTBOX_QUEUE, TURN_QUEUE } from "./queue-names.js";

export interface WorkerHandlers {
  readonly handleTurn: (job: TurnJob) => Promise<TurnOutcome>;
  readonly deliver: (outboxId: string) => Promise<DeliveryOutcome>;
  /** Called once a turn job has failed for good: the message is marked failed for the admin to see. */
  readonly onTurnFailed: (job: TurnJob, error: Error) => Promise<void>;
}

export interface WorkerOptions {
  readonly connection: Redis;
  readonly prefix: string;
  readonly concurrency: number;
  /** How long a turn waits before checking again when its conversation is busy. */
  readonly busyDelayMs: number;
  readonly jobLockMs: number;
  readonly stalledCheckMs: number;
  readonly logger: Logger;
}

/** BullMQ consumers for turns and reply retries. Several processes may run these against one Redis. */
export function startWorkers(handlers: WorkerHandlers, options: WorkerOptions): { close(deadlineMs?: number): Promise<void> } {
  const { connection, prefix, logger } = options;
  const turns = new Worker<TurnJob, TurnOutcome["kind"]>(
    TURN_QUEUE,
    async (job, token) => {
      let outcome: TurnOutcome;
      try {
        outcome = await handlers.handleTurn(job.data);
      } catch (error) {
        if (error instanceof FatalError) throw new UnrecoverableError(`${error.code}: ${error.message}`);
        throw error;
      }
      if (outcome.kind === "busy") {
        await job.moveToDelayed(Date.now() + (outcome.retryInMs ?? options.busyDelayMs), token);
        throw new DelayedError();
      }
      // A pause that ends by itself: the turn waits for its end instead of being dropped.
      if (outcome.kind === "paused" && outcome.resumeInMs !== undefined) {
        await job.moveToDelayed(Date.now() + outcome.resumeInMs, token);
        throw new DelayedError();
      }
      return outcome.kind;
    },
    {
      connection,
      prefix,
      concurrency: options.concurrency,
      lockDuration: options.jobLockMs,
      stalledInterval: options.stalledCheckMs,
      // A turn whose worker died is picked up again; the reconciler covers one that stalls past this.
      maxStalledCount: 5,
    },
  );
  const fairness = new BusinessFairness(connection, prefix);
  turns.on("completed", (job) => void fairness.done(job.data.businessId).catch(() => undefined));
  turns.on("failed", (job, error) => {
    if (!job) return;
    // Stalls are crashes, not the message's fault: the reconciler queues it again.
    const stalled = /stalled/i.test(error.message);
    const final = !stalled && (error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1));
    logger.error({ jobId: job.id, conversationId: job.data.conversationId, attempt: job.attemptsMade, final, err: error }, "turn failed");
    if (final) {
      void fairness.done(job.data.businessId).catch(() => undefined);
      handlers.onTurnFailed(job.data, error).catch((e: unknown) => logger.error({ err: e }, "could not record a failed turn"));
    }
  });
  turns.on("error", (error) => logger.error({ err: error }, "turn worker error"));

  const outbox = new Worker<OutboxJob, DeliveryOutcome>(
    OUTBOX_QUEUE,
    async (job) => {
      const outcome = await handlers.deliver(job.data.outboxId);
      if (outcome === "retry") throw new Error("reply send failed; retrying");
      return outcome;
    },
    { connection, prefix, concurrency: 4, lockDuration: options.jobLockMs, stalledInterval: options.stalledCheckMs },
  );
  outbox.on("error", (error) => logger.error({ err: error }, "outbox worker error"));

  return {
    /** Stops taking jobs; waits up to `deadlineMs` for running ones, then hands them back (they stall and are retried). */
    async close(deadlineMs = Number.POSITIVE_INFINITY) {
      const graceful = Promise.all([turns.close(), outbox.close()]);
      const timer = new Promise<"timeout">((resolve) => {
        if (Number.isFinite(deadlineMs)) setTimeout(() => resolve("timeout"), deadlineMs).unref();
      });
      if ((await Promise.race([graceful, timer])) === "timeout") {
        logger.warn({ deadlineMs }, "shutdown deadline reached: handing running turns back");
        await Promise.all([turns.close(true), outbox.close(true)]);
      }
    },
  };
}
