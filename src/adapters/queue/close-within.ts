import type { Logger } from "../../ports/logger.js";

/**
 * Waits for a BullMQ queue or worker to close, at most `ms`. After a Redis Cluster failover a
 * close can wait for a reply that never comes (a closing worker gave up a connection whose command
 * was in flight); the caller disconnects its Redis clients next, which ends whatever still waits.
 */
export async function closeWithin(ms: number, what: string, close: () => Promise<unknown>, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
    timer.unref();
  });
  const closing = close().then(
    () => "closed" as const,
    (error: unknown) => {
      logger.warn({ err: error, what }, "error while closing");
      return "closed" as const;
    },
  );
  if ((await Promise.race([closing, late])) === "late") logger.warn({ what, ms }, "not closed in time: its Redis connection is disconnected instead");
  clearTimeout(timer);
}
