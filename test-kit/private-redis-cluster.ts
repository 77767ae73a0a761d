import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { stopChild } from "../src/dev/embedded-redis.js";
import { freePort } from "../src/dev/free-port.js";

const run = promisify(execFile);

/**
 * A real Redis Cluster of a test's own: Debian's redis-server, three primaries with a replica each
 * on loopback, joined by `redis-cli --cluster create`.
 */
export class PrivateRedisCluster {
  private constructor(
    private readonly dir: string,
    private readonly nodes: Map<number, ChildProcess>,
  ) {}

  static async start(): Promise<PrivateRedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), "redis-cluster-"));
    const ports: number[] = [];
    while (ports.length < 6) {
      const port = await freePort();
      // The cluster bus listens on port + 10000, which must be free too.
      if (port < 55_000 && !ports.includes(port)) ports.push(port);
    }
    const nodes = new Map<number, ChildProcess>();
    for (const port of ports) nodes.set(port, spawnNode(dir, port));
    const cluster = new PrivateRedisCluster(dir, nodes);
    try {
      for (const port of ports) await waitFor(() => ping(port), `redis-server on ${port}`);
      await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "1", "--cluster-yes"], {
        timeout: 30_000,
      });
      for (const port of ports) await waitFor(async () => (await info(port)).includes("cluster_state:ok"), `cluster state ok on ${port}`);
      await cluster.waitForReplicas();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** REDIS_URL for the app: every node as a seed. */
  get url(): string {
    return `redis+cluster://${[...this.nodes.keys()].map((p) => `127.0.0.1:${p}`).join(",")}`;
  }

  /** The port of the primary serving `key`'s slot. */
  async primaryFor(key: string): Promise<number> {
    const redis = new Redis(this.livePort(), "127.0.0.1");
    try {
      const slot = (await redis.call("cluster", "keyslot", key)) as number;
      const slots = (await redis.call("cluster", "slots")) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`no node serves slot ${slot}`);
      return range[2][1];
    } finally {
      redis.disconnect();
    }
  }

  /** How many keys the primary serving `key`'s slot holds in that slot. */
  async keysInSlotOf(key: string): Promise<number> {
    const probe = new Redis(this.livePort(), "127.0.0.1");
    const slot = (await probe.call("cluster", "keyslot", key)) as number;
    probe.disconnect();
    const primary = new Redis(await this.primaryFor(key), "127.0.0.1");
    try {
      return (await primary.call("cluster", "countkeysinslot", slot)) as number;
    } finally {
      primary.disconnect();
    }
  }

  private livePort(): number {
    return [...this.nodes.entries()].find(([, c]) => c.exitCode === null && c.signalCode === null)![0];
  }

  /** Kills a node outright (SIGKILL, no save): its replica is promoted after the node timeout. */
  async kill(port: number): Promise<void> {
    const child = this.nodes.get(port);
    if (!child) throw new Error(`no node on ${port}`);
    child.kill("SIGKILL");
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve)));
  }

  /** Starts a killed node again on its port and config: it rejoins as a replica of the primary that replaced it. */
  async restart(port: number): Promise<void> {
    const child = this.nodes.get(port);
    if (!child) throw new Error(`no node on ${port}`);
    if (child.exitCode === null && child.signalCode === null) throw new Error(`node ${port} is running`);
    this.nodes.set(port, spawnNode(this.dir, port));
    await waitFor(() => ping(port), `redis-server on ${port}`);
    // It starts as the primary its config remembers, learns it was replaced, then syncs as a replica.
    await waitFor(
      async () => (await command(port, "info", "replication")).includes("master_link_status:up"),
      `node ${port} a synced replica`,
      30_000,
    );
  }

  /** Waits until another node than `old` serves `key`'s slot and the cluster is whole again; returns its port. */
  async waitForNewPrimary(key: string, old: number, timeoutMs = 30_000): Promise<number> {
    let now = old;
    await waitFor(
      async () => {
        now = await this.primaryFor(key).catch(() => old);
        return now !== old;
      },
      `a new primary for ${key}`,
      timeoutMs,
    );
    await this.waitUntilHealthy(timeoutMs);
    return now;
  }

  /** Waits until every live node says the cluster serves all slots again (after a failover). */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    for (const port of this.livePorts())
      await waitFor(async () => (await info(port)).includes("cluster_state:ok"), `cluster state ok on ${port}`, timeoutMs);
  }

  /**
   * Waits until every replica has its primary's data. A replica that never synced (its first sync
   * waits for the primary's diskless-sync delay) refuses to take over: "Disconnected from master for
   * longer than allowed" (cluster-replica-validity-factor), and its slots stay down.
   */
  async waitForReplicas(timeoutMs = 30_000): Promise<void> {
    for (const port of this.livePorts()) {
      await waitFor(
        async () => {
          const replication = await command(port, "info", "replication");
          return replication.includes("role:master") || replication.includes("master_link_status:up");
        },
        `replica on ${port} in sync`,
        timeoutMs,
      );
    }
  }

  private livePorts(): number[] {
    return [...this.nodes.entries()].filter(([, c]) => c.exitCode === null && c.signalCode === null).map(([p]) => p);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((c) => (c.exitCode === null && c.signalCode === null ? stopChild(c) : undefined)));
    await rm(this.dir, { recursive: true, force: true });
  }
}

function spawnNode(dir: string, port: number): ChildProcess {
  return spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      join(dir, `nodes-${port}.conf`),
      "--cluster-node-timeout",
      "1500",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--maxmemory-policy",
      "noeviction",
      "--repl-diskless-sync-delay",
      "0",
      "--logfile",
      join(dir, `redis-${port}.log`),
    ],
    { stdio: "ignore" },
  );
}

async function ping(port: number): Promise<boolean> {
  const redis = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function info(port: number): Promise<string> {
  return command(port, "cluster", "info");
}

async function command(port: number, ...args: string[]): Promise<string> {
  const redis = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return String(await redis.call(args[0]!, ...args.slice(1)));
  } catch {
    return "";
  } finally {
    redis.disconnect();
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    if (await check()) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}
