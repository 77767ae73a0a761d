import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { RedisClient } from "./redis-connection.js";
import { FatalError } from "../../domain/errors.js";
import type { Logger } from "../../ports/logger.js";
import type { TurnJob } from "../../ports/turn-queue.js";
import type { DeliveryOutcome, DeliveryResult } from "../../app/turn/deliver-reply.js";
import type { TurnOutcome } from "../../app/turn/handle-turn.js";
import type { OutboxJob } from "./outbox-queue.js";
import { BusinessFairness } from "./business-fairness.js";
import { OUTBOX_QUEUE, TURN_QUEUE } from "./queue-names.js";
import { WORKER_RETRY } from "./worker-retry.js";

export interface WorkerHandlers {
  readonly handleTurn: (job: TurnJob) => Promise<TurnOutcome>;
  readonly deliver: (outboxId: string) => Promise<DeliveryResult>;
  /** Called once a turn job has failed for good: the message is marked failed for the admin to see. */
  readonly onTurnFailed: (job: TurnJob, error: Error) => Promise<void>;
  /** Called when the shutdown deadline passes: make the running turns end at once (they are then handed back). */
  readonly abortRunning?: () => void;
}

export interface WorkerOptions {
  readonly connection: RedisClient;
  readonly prefix: string;
  readonly concurrency: number;
  /** How long a turn waits before checking again when its conversation is busy. */
  readonly busyDelayMs: number;
  readonly jobLockMs: number;
  readonly stalledCheckMs: number;
  readonly logger: Logger;
}

/** What a stop finished and handed back (counted from the moment it began). */
export interface DrainSummary {
  /** Turns that ended here: answered, skipped, failed. */
  readonly turnsFinished: number;
  /** Turns put back in the queue for any worker: cut short at the deadline, or waiting on a busy conversation. */
  readonly turnsHandedBack: number;
  /** Turns still running after the hand-back grace: another worker takes them over once their job lock lapses. */
  readonly turnsLeftToStall: number;
}

/** How long turns cut short at the deadline get to put their jobs back before they are left to stall. */
const HAND_BACK_GRACE_MS = 5000;

/** BullMQ consumers for turns and reply retries. Several processes may run these against one Redis. */
export function startWorkers(handlers: WorkerHandlers, options: WorkerOptions): { close(deadlineMs?: number): Promise<DrainSummary> } {
  const { connection, prefix, logger } = options;
  const running = new Set<string>();
  let drain: { handingBack: boolean; turnsFinished: number; turnsHandedBack: number } | undefined;
  const processTurn = async (job: Job<TurnJob>, token: string | undefined): Promise<TurnOutcome["kind"]> => {
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
  };
  const turns = new Worker<TurnJob, TurnOutcome["kind"]>(
    TURN_QUEUE,
    async (job, token) => {
      const key = job.id ?? "";
      running.add(key);
      try {
        const kind = await processTurn(job, token);
        if (drain) drain.turnsFinished += 1;
        return kind;
      } catch (error) {
        if (error instanceof DelayedError) {
          if (drain) drain.turnsHandedBack += 1;
        } else if (drain?.handingBack) {
          // Cut short by the shutdown deadline: back in the queue now, for another worker, without costing an attempt.
          await job.moveToDelayed(Date.now(), token);
          drain.turnsHandedBack += 1;
          throw new DelayedError();
        } else if (drain) drain.turnsFinished += 1;
        throw error;
      } finally {
        running.delete(key);
      }
    },
    {
      connection,
      prefix,
      concurrency: options.concurrency,
      lockDuration: options.jobLockMs,
      stalledInterval: options.stalledCheckMs,
      // A turn whose worker died is picked up again; the reconciler covers one that stalls past this.
      maxStalledCount: 5,
      ...WORKER_RETRY,
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
    async (job, token) => {
      // Scheduled again with a delay after it had finished (see BullOutboxQueue.scheduleRetry): wait for it, no attempt spent.
      if (job.data.notBefore !== undefined && job.data.notBefore > Date.now()) {
        await job.moveToDelayed(job.data.notBefore, token);
        throw new DelayedError();
      }
      const { outcome, retryInMs } = await handlers.deliver(job.data.outboxId);
      if (outcome === "retry" && retryInMs !== undefined) {
        // The platform said when: wait that long in the delayed set, not in this worker.
        await job.moveToDelayed(Date.now() + retryInMs, token);
        throw new DelayedError();
      }
      if (outcome === "retry") throw new Error("reply send failed; retrying");
      if (outcome === "waiting") throw new Error("an earlier reply of the conversation is not sent yet; retrying");
      return outcome;
    },
    { connection, prefix, concurrency: 4, lockDuration: options.jobLockMs, stalledInterval: options.stalledCheckMs, ...WORKER_RETRY },
  );
  outbox.on("error", (error) => logger.error({ err: error }, "outbox worker error"));

  return {
    /**
     * Stops taking jobs and waits up to `deadlineMs` for running ones. Past it, asks the running
     * turns to stop (handlers.abortRunning) and puts them back in the queue for another worker.
     */
    async close(deadlineMs = Number.POSITIVE_INFINITY) {
      drain = { handingBack: false, turnsFinished: 0, turnsHandedBack: 0 };
      const graceful = Promise.all([turns.close(), outbox.close()]).then(() => "closed" as const);
      let turnsLeftToStall = 0;
      if ((await Promise.race([graceful, delay(deadlineMs)])) === "timeout") {
        logger.warn({ deadlineMs, running: running.size }, "shutdown deadline reached: handing running turns back to the queue");
        drain.handingBack = true;
        handlers.abortRunning?.();
        if ((await Promise.race([graceful, delay(HAND_BACK_GRACE_MS)])) === "timeout") {
          // BullMQ cannot force a close once a graceful one began; their job locks lapse and another worker takes them over.
          turnsLeftToStall = running.size;
          logger.warn({ turnsLeftToStall }, "turns still running after the hand-back grace: leaving them to stall recovery");
        }
      }
      return { turnsFinished: drain.turnsFinished, turnsHandedBack: drain.turnsHandedBack, turnsLeftToStall };
    },
  };
}

function delay(ms: number): Promise<"timeout"> {
  return new Promise((resolve) => {
    if (Number.isFinite(ms)) setTimeout(() => resolve("timeout"), ms).unref();
  });
}
