import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { settle } from "../../bench/support/settle.js";

// Real processes, their CPU time read from /proc.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

/** A node process that spins for `busyMs` once it has started, then idles; resolves when it has started. */
async function child(busyMs: number): Promise<ChildProcess> {
  const c = spawn(
    process.execPath,
    ["-e", `console.log("up"); const end = Date.now() + ${busyMs}; while (Date.now() < end); setTimeout(() => {}, 60000);`],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  children.push(c);
  await once(c.stdout!, "data");
  return c;
}

describe("settle (bench): waits for processes to stop using the CPU", () => {
  it("waits while a process spins, and returns once it is idle", async () => {
    const busy = await child(400);
    const started = Date.now();
    const waited = await settle([busy.pid], 3000);
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("returns at once for idle processes, and at its bound for one that never stops", async () => {
    const idle = await child(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await settle([idle.pid, undefined])).toBeLessThan(500);
    const spinning = await child(60_000);
    const waited = await settle([spinning.pid], 400);
    expect(waited).toBeGreaterThanOrEqual(400);
    expect(waited).toBeLessThan(1000);
  });
});
