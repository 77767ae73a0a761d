import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatChaosResult } from "../../test-kit/chaos/format-chaos-result.js";
import { runChaos, SEND_FAULTS } from "../../test-kit/chaos/run-chaos.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// The chaos run (npm run chaos) in small, counted at the phone: 2 gateways and 2 workers as
// production runs them (node dist/main/*.js), a private PostgreSQL cluster and Redis, and a fake
// WhatsApp. A worker and a gateway are SIGKILLed, Redis restarts empty, PostgreSQL restarts and is
// stalled between a send and its record (a row lock past the transaction timeout, the workers'
// sessions terminated), the platform meets every kind of fault and refuses connections for a
// while, and a webhook is delivered twice. Every reply reaches its customer's phone once and in
// order, or the admin sees why.
describe("chaos, small", () => {
  it("sends nothing twice, loses nothing, keeps every customer's replies in order, shows every unknown outcome", async () => {
    const lines: string[] = [];
    // Each process's output, kept when the test fails.
    const logDir = await mkdtemp(path.join(os.tmpdir(), "parlor-chaos-"));
    const result = await runChaos({
      seed: 20261202,
      conversations: 8,
      messagesPerConversation: 3,
      trafficMs: 8000,
      gateways: 2,
      workers: 2,
      workerKills: 1,
      gatewayKills: 1,
      redisRestarts: 1,
      postgresRestarts: 1,
      postgresDownMs: 1500,
      lockStalls: 1,
      sessionKills: 1,
      stallRate: 0.5,
      platformFaultRate: 0.03,
      eachPlatformFault: 1,
      platformRefusals: 1,
      duplicates: 2,
      timeoutMs: 100_000,
      modelCacheDir: MODEL_CACHE_DIR,
      logDir,
      log: (line) => lines.push(line),
    });
    const report = `process logs in ${logDir}\n${lines.join("\n")}\n${formatChaosResult(result)}`;
    // Every fault happened.
    expect(result.events, report).toMatchObject({
      workerKills: 1,
      gatewayKills: 1,
      redisRestarts: 1,
      postgresRestarts: 1,
      lockStalls: 1,
      sessionKills: 1,
      platformRefusals: 1,
      duplicateDeliveries: 2,
    });
    expect(result.events.sessionsEnded, report).toBeGreaterThan(0);
    for (const name of Object.keys(SEND_FAULTS)) expect(result.platformFaults[name], `${name}\n${report}`).toBeGreaterThanOrEqual(1);
    // The targets, counted at the phone and at the admin API.
    expect(result, report).toMatchObject({
      received: 24,
      quiescent: true,
      duplicateSends: 0,
      lost: 0,
      orderViolations: 0,
      unknownOutcomeInvisible: 0,
    });
    expect(result, report).toMatchObject({ notAccepted: 0, storedTwice: 0, misaddressed: 0, unexplainedSends: 0, unexpectedExits: 0 });
    expect(result.answered + result.failedVisible + result.skippedVisible + result.handedToPerson, report).toBe(24);
    // The ambiguous faults (500 and 503, too slow, dropped) left replies the admin sees as UNKNOWN_OUTCOME.
    expect(result.unknownOutcome, report).toBeGreaterThanOrEqual(5);
    expect(result.answered, report).toBeGreaterThan(12);
    await rm(logDir, { recursive: true, force: true });
  }, 240_000);
});
