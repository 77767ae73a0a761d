import { ConfigError } from "../config/index.js";
import { AppError } from "../domain/errors.js";

type Cleanup = () => Promise<void>;

/**
 * Runs an entry point (returning "exit" when it is done, or nothing to keep serving): prints a known failure as one clear message (no stack trace) and exits 1;
 * on SIGINT/SIGTERM runs the cleanups in reverse order within a deadline, then exits.
 */
export function runMain(main: (onShutdown: (cleanup: Cleanup) => void) => Promise<void | "exit">, deadlineMs = 30_000): void {
  const cleanups: Cleanup[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => {
      process.stderr.write(`shutdown took longer than ${deadlineMs} ms; exiting\n`);
      process.exit(code || 1);
    }, deadlineMs);
    timer.unref();
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => process.stderr.write(`cleanup failed: ${String(error)}\n`));
    }
    process.exit(code);
  };
  process.once("SIGINT", () => void shutdown(0));
  process.once("SIGTERM", () => void shutdown(0));
  main((cleanup) => cleanups.push(cleanup)).then(
    async (result) => {
      if (result === "exit") await shutdown(0);
    },
    async (error: unknown) => {
      process.stderr.write(`${describeFailure(error)}\n`);
      await shutdown(1);
    },
  );
}

export function describeFailure(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof AppError) return `error ${error.code}: ${error.message}`;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
