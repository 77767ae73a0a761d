import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { stopChild } from "../src/dev/embedded-redis.js";
import { freePort } from "../src/dev/free-port.js";

const run = promisify(execFile);
export const LLAMA_SERVER_MODEL_ALIAS = "parlor-test";

/** llama.cpp's own server, built from the source node-llama-cpp bundles (scripts/build-llama-server.sh; .ci/run builds it first). */
export async function llamaServerBinary(): Promise<string> {
  if (process.env.LLAMA_SERVER_BIN) return process.env.LLAMA_SERVER_BIN;
  const { stdout } = await run("bash", ["scripts/build-llama-server.sh"], { timeout: 45 * 60_000, maxBuffer: 64 * 2 ** 20 });
  return stdout.trim().split("\n").at(-1)!;
}

export interface LlamaServerOptions {
  readonly modelPath: string;
  readonly parallel: number;
  readonly contextPerSlot: number;
  readonly chatTemplateFile?: string;
  /** Generation and batch threads (default 1). */
  readonly threads?: number;
  /** Logical and physical batch size (llama-server's defaults are 2048 and 512). */
  readonly batchSize?: number;
  readonly flashAttention?: "on" | "off" | "auto";
  /** As LLM_KV_CACHE_TYPE (F16, Q8_0, ...). */
  readonly kvCacheType?: string;
  readonly extraArgs?: readonly string[];
}

/** A llama-server of a test's own on loopback, on the given GGUF; can be killed and started again on the same port. */
export class LlamaServer {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly binary: string,
    private readonly args: readonly string[],
    readonly port: number,
  ) {}

  static async start(options: LlamaServerOptions): Promise<LlamaServer> {
    const port = await freePort();
    const threads = String(options.threads ?? 1);
    const args = [
      ...(options.chatTemplateFile ? ["--jinja", "--chat-template-file", options.chatTemplateFile] : []),
      ...["-m", options.modelPath, "--host", "127.0.0.1", "--port", String(port), "--alias", LLAMA_SERVER_MODEL_ALIAS],
      // Each slot gets its own contextPerSlot cells, as each of our sequences does.
      ...[
        "-c",
        String(options.contextPerSlot * options.parallel),
        "--parallel",
        String(options.parallel),
        "-t",
        threads,
        "-tb",
        threads,
        "--no-webui",
      ],
      ...(options.batchSize ? ["-b", String(options.batchSize), "-ub", String(options.batchSize)] : []),
      ...(options.flashAttention ? ["-fa", options.flashAttention] : []),
      ...(options.kvCacheType ? ["-ctk", options.kvCacheType.toLowerCase(), "-ctv", options.kvCacheType.toLowerCase()] : []),
      ...(options.extraArgs ?? []),
    ];
    const server = new LlamaServer(await llamaServerBinary(), args, port);
    await server.up();
    return server;
  }

  /** The command line it was started with (for reports). */
  get commandLine(): string {
    return ["llama-server", ...this.args].join(" ");
  }

  /** The running server's process id (to watch its CPU time), if it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async kill(): Promise<void> {
    this.child?.kill("SIGKILL");
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      await new Promise((resolve) => this.child!.once("exit", resolve));
    this.child = undefined;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.up();
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
    this.child = undefined;
  }

  /** The last few KB the server wrote to stderr (why it died, when it did). */
  get recentLog(): string {
    return this.log;
  }

  private log = "";

  private async up(): Promise<void> {
    this.log = "";
    this.child = spawn(this.binary, this.args, { stdio: ["ignore", "ignore", "pipe"] });
    this.child.stderr?.on("data", (chunk) => (this.log = (this.log + String(chunk)).slice(-4000)));
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      if (this.child.exitCode !== null) break;
      const ok = await fetch(`${this.baseUrl}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
    }
    throw new Error(`llama-server did not become healthy: ${this.log}`);
  }
}
