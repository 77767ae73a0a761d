import type { RedisClient } from "./redis-connection.js";
import type { Logger } from "../../ports/logger.js";

/**
 * Runs `task` every `intervalMs` in at most one process at a time (a Redis lease per round), so
 * any number of workers can host it.
 */
export function startSingletonLoop(deps: { redis: RedisClient; key: string; intervalMs: number; logger: Logger; task: () => Promise<unknown> }): {
  stop(): void;
} {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const won = await deps.redis.set(deps.key, String(process.pid), "PX", Math.max(deps.intervalMs - 50, 100), "NX");
      if (won === "OK") await deps.task();
    } catch (error) {
      deps.logger.warn({ err: error }, "reconciler round failed");
    } finally {
      running = false;
    }
  }, deps.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
