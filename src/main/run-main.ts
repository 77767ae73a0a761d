import { ConfigError } from "../config/index.js";
import { AppError } from "../domain/errors.js";
import type { Logger } from "../ports/logger.js";

/** A cleanup may resolve to what it finished or handed back (an object of counts): merged into the "stopped" line. */
export type Cleanup = () => Promise<void | object>;

export interface MainControls {
  /** The stopping and stopped lines go through this logger from now on (before: plain lines on stderr). */
  useLogger(logger: Logger): void;
  /** How long a stop may take in all; past it the process exits 1 without finishing. */
  setDeadline(ms: number): void;
}

type Main = (onShutdown: (cleanup: Cleanup) => void, controls: MainControls) => Promise<void | "exit">;

/** Time a stop gets on top of SHUTDOWN_DEADLINE_MS to hand work back and close Redis, PostgreSQL and the model. */
export const STOP_MARGIN_MS = 10_000;

/** Exit code of a stop that did not finish: the deadline passed, a second signal came, or a cleanup failed. */
export const FORCED_EXIT_CODE = 1;

/**
 * Runs an entry point (returning "exit" when it is done, or nothing to keep serving): prints a
 * known failure as one clear message (no stack trace) and exits 1. On SIGTERM/SIGINT it logs that
 * it is stopping, runs the cleanups in reverse order, logs what they finished and handed back, and
 * exits 0; a second signal or the deadline ends it at once with exit code 1, saying so.
 */
export function runMain(main: Main, deadlineMs = 30_000): void {
  const cleanups: Cleanup[] = [];
  let log: Pick<Logger, "info" | "warn" | "error"> = stderrLog;
  let deadline = deadlineMs;
  let stopping = false;

  const forceExit = (reason: string, fields: object) => {
    log.error({ ...fields, exitCode: FORCED_EXIT_CODE }, `${reason}: exiting now without finishing the stop`);
    process.exit(FORCED_EXIT_CODE);
  };

  /** `signal` is set for a stop asked from outside; without it the entry point is done (or failed) and stops quietly. */
  const stop = async (code: number, signal?: NodeJS.Signals) => {
    stopping = true;
    const startedAt = Date.now();
    // Not unref'd: a cleanup stuck on nothing that keeps the process alive must not end it quietly with 0.
    setTimeout(() => forceExit(`the stop took longer than ${deadline} ms`, { deadlineMs: deadline }), deadline);
    if (signal) log.info({ signal, deadlineMs: deadline }, `${signal} received: stopping`);
    let summary: Record<string, unknown> = {};
    let failed = 0;
    for (const cleanup of cleanups.reverse()) {
      try {
        summary = { ...summary, ...(await cleanup()) };
      } catch (error) {
        failed += 1;
        log.error({ err: error }, "a cleanup step failed");
      }
    }
    if (signal) {
      const fields = {
        signal,
        ms: Date.now() - startedAt,
        ...summary,
        ...(failed > 0 ? { failedCleanups: failed, exitCode: FORCED_EXIT_CODE } : {}),
      };
      if (failed > 0) log.error(fields, "stopped, but not cleanly");
      else log.info(fields, "stopped");
    }
    process.exit(failed > 0 ? FORCED_EXIT_CODE : code);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) forceExit(`${signal} received while stopping`, { signal });
    else void stop(0, signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const controls: MainControls = {
    useLogger: (logger) => (log = logger),
    setDeadline: (ms) => (deadline = ms),
  };
  main((cleanup) => cleanups.push(cleanup), controls).then(
    async (result) => {
      if (result === "exit" && !stopping) await stop(0);
    },
    async (error: unknown) => {
      process.stderr.write(`${describeFailure(error)}\n`);
      if (!stopping) await stop(1);
    },
  );
}

/** Until an entry point hands over its logger: one plain line per event on stderr. */
const stderrLog = {
  info: (fields: object, msg?: string) => writeLine(fields, msg),
  warn: (fields: object, msg?: string) => writeLine(fields, msg),
  error: (fields: object, msg?: string) => writeLine(fields, msg),
};

function writeLine(fields: object, msg = ""): void {
  const details = Object.entries(fields)
    .map(([key, value]) => `${key}=${value instanceof Error ? value.message : String(value)}`)
    .join(" ");
  process.stderr.write(`${msg}${details ? ` (${details})` : ""}\n`);
}

export function describeFailure(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof AppError) return `error ${error.code}: ${error.message}`;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
