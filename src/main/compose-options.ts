import { z } from "zod";
import { ConfigError } from "../config/index.js";

/**
 * Timings of the worker and gateway that only tests and benchmarks change: an operator never needs
 * to, so they are not environment settings. Each is an option of composeWorker/composeGateway with
 * the default production runs with.
 */
export interface WorkerTimings {
  /** BullMQ's check for jobs whose worker died (their lock expired). */
  readonly stalledCheckMs: number;
  /** How often a worker looks for messages that PostgreSQL holds but Redis lost. */
  readonly reconcileIntervalMs: number;
  /** A message unanswered, with no live job, for this long is queued again. */
  readonly reconcileAfterMs: number;
  /** How often a generating turn checks for newer messages (TURN_INTERRUPT=restart). */
  readonly interruptPollMs: number;
  /** How long a turn for a busy conversation waits before trying again. */
  readonly busyRetryMs: number;
}

export const WORKER_TIMINGS: WorkerTimings = {
  stalledCheckMs: 15_000,
  reconcileIntervalMs: 30_000,
  reconcileAfterMs: 60_000,
  interruptPollMs: 300,
  busyRetryMs: 250,
};

export interface GatewayTimings {
  /** A /metrics scrape within this long of the last is served from its cache. */
  readonly metricsCacheMs: number;
}

export const GATEWAY_TIMINGS: GatewayTimings = { metricsCacheMs: 5000 };

/**
 * The one way a test or benchmark that starts the worker or gateway as its own process (the
 * production entry points, compiled or not) shortens these timings: PARLOR_TEST_TIMINGS, a JSON
 * object of WorkerTimings/GatewayTimings fields. Not a setting: it is not in the environment
 * schema or the README's list, and an operator never sets it.
 */
export const TEST_TIMINGS_VARIABLE = "PARLOR_TEST_TIMINGS";

const ms = z.number().int().min(0).max(86_400_000);
const testTimingsSchema = z
  .object({
    stalledCheckMs: ms.min(500),
    reconcileIntervalMs: ms.min(200),
    reconcileAfterMs: ms.min(100),
    interruptPollMs: ms.min(20),
    busyRetryMs: ms.min(10),
    metricsCacheMs: ms,
  })
  .partial()
  .strict();

export type TestTimings = Partial<WorkerTimings & GatewayTimings>;

/** The timings PARLOR_TEST_TIMINGS gives, or undefined; a malformed value stops the process (ConfigError). */
export function testTimingsFrom(source: NodeJS.ProcessEnv = process.env): TestTimings | undefined {
  const raw = source[TEST_TIMINGS_VARIABLE]?.trim();
  if (!raw) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError([`${TEST_TIMINGS_VARIABLE}: not JSON`]);
  }
  const parsed = testTimingsSchema.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `${TEST_TIMINGS_VARIABLE}.${i.path.join(".") || "(root)"}: ${i.message}`));
  return parsed.data as TestTimings;
}
