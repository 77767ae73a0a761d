import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

interface CpuSnapshot {
  readonly busyMs: number;
  readonly totalMs: number;
  readonly processUs: number;
  readonly at: number;
}

function snapshot(): CpuSnapshot {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  const own = process.cpuUsage();
  return { busyMs: busy, totalMs: total, processUs: own.user + own.system, at: Date.now() };
}

export interface CpuShare {
  readonly wallSec: number;
  /** Average busy CPUs on the whole machine (0..cpus). */
  readonly machineBusyCores: number;
  /** Average CPUs used by this bench process (children such as redis-server or the memory process not included). */
  readonly benchProcessCores: number;
}

/** Machine-wide and own CPU use over a span: tells whether other work on the machine competed with a section. */
export class CpuMonitor {
  private readonly start = snapshot();

  stop(): CpuShare {
    const end = snapshot();
    const wallMs = Math.max(1, end.at - this.start.at);
    const cpus = os.cpus().length;
    const busyFraction = (end.busyMs - this.start.busyMs) / Math.max(1, end.totalMs - this.start.totalMs);
    const r = (x: number) => Math.round(x * 100) / 100;
    return {
      wallSec: r(wallMs / 1000),
      machineBusyCores: r(busyFraction * cpus),
      benchProcessCores: r((end.processUs - this.start.processUs) / 1000 / wallMs),
    };
  }
}

/**
 * Waits (at most maxMs) until the machine is nearly idle: less than `busyCores` CPUs busy over a
 * 3-second window. Returns what was seen last, so the report can say how quiet it was.
 */
export async function waitForQuiet(maxMs: number, busyCores = 0.3): Promise<{ waitedSec: number; busyCores: number }> {
  const started = Date.now();
  for (;;) {
    const monitor = new CpuMonitor();
    await sleep(3000);
    const share = monitor.stop();
    if (share.machineBusyCores < busyCores || Date.now() - started >= maxMs) {
      return { waitedSec: Math.round((Date.now() - started) / 1000), busyCores: share.machineBusyCores };
    }
  }
}
