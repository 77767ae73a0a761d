import { spawn, type ChildProcess } from "node:child_process";

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The worker entry point from src/ (through tsx) as its own OS process, with the given environment. Production runs the compiled one: see production-stop.test.ts. */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main/worker.ts"], {
    // Test clients all write from 127.0.0.1: one address's flood allowance would cover all of them (see testConfig).
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "warn", WEBCHAT_FANS_PER_ADDRESS: "100000", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  return {
    child,
    output: () => output,
    stop(signal = "SIGTERM") {
      // A process killed by a signal has no exit code, only a signal code.
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((resolve) => {
        child.once("exit", (code) => resolve(code));
        child.kill(signal);
        setTimeout(() => child.kill("SIGKILL"), 40_000).unref();
      });
    },
  };
}
