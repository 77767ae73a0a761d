import { spawn, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { stopChild } from "../src/dev/embedded-redis.js";
import { freePort } from "../src/dev/free-port.js";

/** A redis-server of a test's own (loopback, nothing on disk), so it can be restarted: chaos and crash tests. */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Kills it (losing everything in it, as a crash without persistence does) and starts it again. */
  async restart(): Promise<void> {
    await this.stop();
    await this.up();
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
    this.child = undefined;
  }

  private async up(): Promise<void> {
    this.child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 100; i++) {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on("error", () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        probe.disconnect();
      }
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }
}
