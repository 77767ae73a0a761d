import { createWriteStream, type WriteStream } from "node:fs";
import path from "node:path";
import { startApp, type AppProcess } from "../app-process.js";
import { readProductionShape } from "../production-commands.js";

export interface Gateway {
  readonly port: number;
  readonly url: string;
  process: AppProcess;
}

/**
 * The gateways and workers of a chaos run, each its own OS process started as production starts it
 * (the compose file's command: `node dist/main/gateway.js`, `node dist/main/worker.js`, after
 * `npm run build`), killed with SIGKILL and replaced. Each process's output goes to a file of its own.
 */
export class ChaosProcesses {
  readonly gateways: Gateway[] = [];
  readonly workers: AppProcess[] = [];
  private readonly shape = readProductionShape();
  private readonly all: AppProcess[] = [];
  private readonly logs: WriteStream[] = [];
  private started = 0;

  constructor(
    private readonly env: { readonly gateway: Record<string, string>; readonly worker: Record<string, string> },
    private readonly logDir: string | undefined,
  ) {}

  async startGateway(port: number): Promise<Gateway> {
    const gateway: Gateway = {
      port,
      url: `http://127.0.0.1:${port}`,
      process: await this.start("gateway", { ...this.env.gateway, PORT: String(port) }, "gateway listening"),
    };
    this.gateways.push(gateway);
    return gateway;
  }

  async startWorker(): Promise<AppProcess> {
    const worker = await this.start("worker", this.env.worker, "worker started");
    this.workers.push(worker);
    return worker;
  }

  /** SIGKILLs worker `index` and starts a replacement in its place. */
  async replaceWorker(index: number): Promise<void> {
    const victim = this.workers[index]!;
    victim.signal("SIGKILL");
    await victim.exited;
    this.workers[index] = await this.start("worker", this.env.worker, "worker started");
  }

  /** SIGKILLs gateway `index`; after `downMs` starts a replacement on the same port. */
  async replaceGateway(index: number, downMs: number): Promise<void> {
    const gateway = this.gateways[index]!;
    gateway.process.signal("SIGKILL");
    await gateway.process.exited;
    await new Promise((r) => setTimeout(r, downMs));
    gateway.process = await this.start("gateway", { ...this.env.gateway, PORT: String(gateway.port) }, "gateway listening");
  }

  /** Processes that exited without being killed by this run (a crash is a finding). */
  unexpectedExits(): Array<{ name: string; code: number | null; signal: string | null; tail: string }> {
    return this.all
      .filter((p) => p.child.exitCode !== null || (p.child.signalCode !== null && p.child.signalCode !== "SIGKILL"))
      .map((p) => ({ name: p.child.spawnargs.join(" "), code: p.child.exitCode, signal: p.child.signalCode, tail: p.output().slice(-2000) }));
  }

  async stopAll(): Promise<void> {
    for (const p of this.all) p.signal("SIGKILL");
    await Promise.all(this.all.map((p) => p.exited));
    await Promise.all(this.logs.map((log) => new Promise((resolve) => log.end(resolve))));
  }

  private async start(service: "gateway" | "worker", env: Record<string, string>, ready: string): Promise<AppProcess> {
    const argv = this.shape.commands[service];
    if (!argv) throw new Error(`docker-compose.yml has no command for ${service}`);
    // Like a process manager's restart policy: one that exits before it is ready is started again.
    for (let attempt = 1; ; attempt++) {
      const p = startApp(argv, { ...this.shape.imageEnv, ...env });
      this.all.push(p);
      const n = ++this.started;
      if (this.logDir) {
        const log = createWriteStream(path.join(this.logDir, `${String(n).padStart(2, "0")}-${service}.log`));
        this.logs.push(log);
        p.child.stdout?.on("data", (d: Buffer) => log.write(d));
        p.child.stderr?.on("data", (d: Buffer) => log.write(d));
      }
      try {
        await p.waitForLog(ready, 120_000);
        return p;
      } catch (error) {
        p.signal("SIGKILL");
        await p.exited;
        if (attempt >= 5) throw error;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
