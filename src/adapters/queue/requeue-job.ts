import { ErrorCode, type Job, type Queue } from "bullmq";

/** How a job was put back: "added" (there was none), "retried" (a finished one moved back), or not at all ("live"). */
export type Requeue = "added" | "retried" | "live";

/**
 * Puts the job with this id back in the queue unless it is live (waiting, prioritized, delayed or
 * running), with BullMQ's own atomic operations, so that any number of callers racing each other
 * and the workers neither drop it nor queue it twice:
 * - no job: `add()` with the id; BullMQ adds a known id once, so racing adds make one job;
 * - finished (completed or failed): `Job.retry`, one Lua script that moves it back only from that
 *   state (attempts reset, as a new job's); a caller that lost the race finds it gone from there;
 * - "unknown" (its key left in no state: partly lost): removed and added again, as nothing else can.
 * A retried job keeps its stall count (BullMQ resets only the attempts): one failed for stalling
 * fails at its next stall, and is queued again by the next round.
 */
export async function requeueJob<T>(
  queue: Queue<T>,
  jobId: string,
  add: () => Promise<unknown>,
  /** Before a finished job is moved back: e.g. the time it may run from (a loser's write lands on the live job, harmlessly). */
  beforeRetry?: (job: Job<T>) => Promise<unknown>,
): Promise<Requeue> {
  const existing = await queue.getJob(jobId);
  if (!existing) {
    await add();
    return "added";
  }
  const state = await existing.getState();
  if (state === "completed" || state === "failed") {
    try {
      await beforeRetry?.(existing);
      await existing.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
      return "retried";
    } catch (error) {
      // Another caller moved it first (or it was removed meanwhile): it is someone else's now.
      const code = (error as { code?: unknown }).code;
      if (code === ErrorCode.JobNotInState || code === ErrorCode.JobNotExist) return "live";
      throw error;
    }
  }
  if (state !== "unknown") return "live";
  await existing.remove().catch(() => undefined);
  await add();
  return "added";
}
