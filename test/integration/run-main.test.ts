import { afterEach, describe, expect, it } from "vitest";
import { startApp, type AppProcess } from "../../test-kit/app-process.js";

// How every entry point stops (src/main/run-main.ts), on a small one with a cleanup that behaves
// as told: logged, exit 0 when clean; exit 1, saying why, when it is not.
const started: AppProcess[] = [];
afterEach(async () => {
  for (const p of started) p.signal("SIGKILL");
  await Promise.all(started.splice(0).map((p) => p.exited));
});

async function entry(env: Record<string, string>): Promise<AppProcess> {
  const p = startApp([process.execPath, "--import", "tsx", "test-kit/entries/stop-entry.ts"], env);
  started.push(p);
  await p.waitForLog("ready", 30_000);
  return p;
}

describe("stopping an entry point", () => {
  it("logs the signal, then what the cleanups finished, and exits 0", async () => {
    const p = await entry({ CLEANUP: "ok" });
    p.signal("SIGINT");
    const exit = await p.exited;
    expect(exit.code, p.output()).toBe(0);
    expect(p.logLines().find((l) => l.msg === "SIGINT received: stopping")).toMatchObject({ signal: "SIGINT" });
    expect(p.logLines().find((l) => l.msg === "stopped")).toMatchObject({ signal: "SIGINT", thingsFinished: 2, timersCleared: 1 });
  });

  it("a stop that overruns its deadline is ended with exit code 1, saying so", async () => {
    const p = await entry({ CLEANUP: "hang", DEADLINE_MS: "500" });
    const stoppedAt = Date.now();
    p.signal("SIGTERM");
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - stoppedAt).toBeGreaterThanOrEqual(500);
    expect(exit.at - stoppedAt).toBeLessThan(5000);
    expect(p.logLines().find((l) => /the stop took longer than 500 ms: exiting now without finishing/.test(l.msg ?? ""))).toMatchObject({
      exitCode: 1,
    });
    expect(p.logLines().find((l) => l.msg === "stopped")).toBeUndefined();
  });

  it("a second signal while stopping ends it at once with exit code 1", async () => {
    const p = await entry({ CLEANUP: "hang" });
    p.signal("SIGTERM");
    await p.waitForLog("SIGTERM received: stopping", 5000);
    p.signal("SIGINT");
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(p.logLines().find((l) => /SIGINT received while stopping: exiting now/.test(l.msg ?? ""))).toBeDefined();
  });

  it("a cleanup that fails makes the stop exit 1, and the others still run", async () => {
    const p = await entry({ CLEANUP: "fail" });
    p.signal("SIGTERM");
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(p.logLines().find((l) => l.msg === "a cleanup step failed")).toBeDefined();
    expect(p.logLines().find((l) => l.msg === "stopped, but not cleanly")).toMatchObject({ failedCleanups: 1, exitCode: 1, timersCleared: 1 });
  });
});
