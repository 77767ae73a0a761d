import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface LogLine {
  readonly msg?: string;
  readonly [field: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** When it exited (Date.now()). */
  readonly at: number;
}

export interface AppProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** The JSON (pino) lines printed so far. */
  logLines(): LogLine[];
  /** The first log line whose msg matches, waiting for it up to `timeoutMs`. */
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<LogLine>;
  /** Waits up to `timeoutMs` for `text` to appear in the output. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<Exit>;
  /** Both output pipes closed: every process that held them (children included) is gone and all it printed is read. */
  readonly outputClosed: Promise<void>;
  signal(signal: NodeJS.Signals): void;
}

/**
 * A process started from an argv as a deployment file gives it (`["node", "dist/main/gateway.js"]`),
 * with exactly the given environment plus PATH and HOME. `detached` puts it in a process group of
 * its own, so that everything it started can be found (and cleaned up) afterwards.
 */
export function startApp(argv: readonly string[], env: Record<string, string>, options: { detached?: boolean } = {}): AppProcess {
  const [command, ...args] = argv;
  const child = spawn(command!, args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  let output = "";
  const collect = (d: Buffer) => (output = (output + d.toString()).slice(-200_000));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })));
  const closed = (stream: NodeJS.ReadableStream | null) =>
    new Promise<void>((resolve) => (stream ? stream.once("close", () => resolve()) : resolve()));
  const outputClosed = Promise.all([closed(child.stdout), closed(child.stderr)]).then(() => undefined);
  const waitUntil = async (done: () => boolean, what: string, timeoutMs: number) => {
    for (const deadline = Date.now() + timeoutMs; !done(); ) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process exited before printing ${what}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const logLines = () =>
    output.split("\n").flatMap((line) => {
      if (!line.startsWith("{")) return [];
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
  return {
    child,
    pid: child.pid!,
    output: () => output,
    logLines,
    async waitForLog(msg, timeoutMs = 60_000) {
      const matches = (line: LogLine) => (typeof msg === "string" ? line.msg === msg : msg.test(line.msg ?? ""));
      await waitUntil(() => logLines().some(matches), `a ${msg} log line`, timeoutMs);
      return logLines().find(matches)!;
    },
    waitForOutput: (text, timeoutMs = 60_000) => waitUntil(() => output.includes(text), JSON.stringify(text), timeoutMs),
    exited,
    outputClosed,
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** The live processes of process group `pgid` (zombies left out), from /proc: Linux only. */
export function groupMembers(pgid: number): Array<{ pid: number; command: string }> {
  const members: Array<{ pid: number; command: string }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after its last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) !== pgid || state === "Z") continue;
      members.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim() });
    } catch {
      // exited while we looked
    }
  }
  return members;
}
