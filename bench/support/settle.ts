import { readdir, readFile } from "node:fs/promises";

/** A thread that spins uses ~5 ticks (CLK_TCK 100) in 50 ms; timers and the event loop of an idle process, 0-1. */
const QUIET_WINDOW_MS = 50;
const QUIET_TICKS = 1;

/**
 * Waits until the given processes use (almost) no CPU: no more than QUIET_TICKS of CPU time in a
 * window of QUIET_WINDOW_MS, or `maxMs`. Returns the milliseconds waited.
 *
 * ggml's threadpool workers, in llama-server and in our binding alike, poll for the next graph
 * before they sleep: at the default poll level 50, ~100 ms of a whole core after an engine's last
 * decode (measured: 2-4 ticks per 25 ms for ~105 ms after a generation, then 0). A round timed
 * right after the other engine's round would share the CPU with that tail: on this 2-core machine
 * a 2-thread round of the tiny model ran at half speed (ours at 2 concurrent, after
 * llama-server's round: 1,060 tok/s interleaved vs 2,115 alone). Reads /proc (Linux); elsewhere it waits `maxMs`.
 */
export async function settle(pids: ReadonlyArray<number | undefined>, maxMs = 1000): Promise<number> {
  const started = Date.now();
  const watched = pids.filter((p): p is number => p !== undefined);
  let before = await cpuTicks(watched);
  if (before === undefined) {
    await sleep(maxMs);
    return maxMs;
  }
  while (Date.now() - started < maxMs) {
    await sleep(QUIET_WINDOW_MS);
    const now = await cpuTicks(watched);
    if (now === undefined || now - before <= QUIET_TICKS) break;
    before = now;
  }
  return Date.now() - started;
}

/** User and system ticks of every thread of the processes; undefined where /proc cannot be read. */
async function cpuTicks(pids: readonly number[]): Promise<number | undefined> {
  let total = 0;
  for (const pid of pids) {
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => undefined);
    if (!tasks) return undefined;
    for (const task of tasks) {
      const stat = await readFile(`/proc/${pid}/task/${task}/stat`, "utf8").catch(() => "");
      // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    }
  }
  return total;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
