import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { runMain } from "../../src/main/run-main.js";

/**
 * An entry point as the real ones are built (runMain, a logger, cleanups), whose one cleanup does
 * what CLEANUP says: "ok" (reports what it finished), "fail", or "hang" (never ends).
 */
runMain(async (onShutdown, controls) => {
  const logger = createLogger("info", "stop-entry");
  controls.useLogger(logger);
  controls.setDeadline(Number(process.env.DEADLINE_MS ?? 30_000));
  const keepAlive = setInterval(() => undefined, 60_000);
  onShutdown(async () => {
    clearInterval(keepAlive);
    return { timersCleared: 1 };
  });
  onShutdown(async () => {
    if (process.env.CLEANUP === "fail") throw new Error("could not close the thing");
    if (process.env.CLEANUP === "hang") await new Promise(() => undefined);
    return { thingsFinished: 2 };
  });
  logger.info({}, "ready");
});
