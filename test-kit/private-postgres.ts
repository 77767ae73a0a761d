import { execFile } from "node:child_process";
import { access, chown, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../src/dev/free-port.js";

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
const SUPERUSER = "parlor";
const CACHE_DIR = path.resolve(".cache/private-postgres");

/** A cluster prepared once (e.g. a migrated database) and copied for each later start with the same key. */
export interface PreparedCluster {
  /** Names what prepare() makes, e.g. a hash of the migrations: a new key prepares a new copy. */
  readonly key: string;
  readonly database: string;
  readonly prepare: (url: string) => Promise<void>;
}

/**
 * A PostgreSQL cluster of a test's own (initdb into a temporary folder, loopback only, trust
 * auth), so it can be stopped, restarted and stalled without touching the shared server that other
 * test files use. PostgreSQL refuses to run as root: as root, its commands run as the `postgres`
 * user. Durability is off (fsync): a fast stop still checkpoints, only a machine crash would lose data.
 */
export class PrivatePostgres {
  private running = false;

  private constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly owner: { uid: number; gid: number } | undefined,
  ) {}

  /** A new cluster; with `prepared`, a copy of the one prepared earlier under its key (made now if there is none). */
  static async start(prepared?: PreparedCluster): Promise<PrivatePostgres> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "parlor-pg-"));
    const owner = process.getuid?.() === 0 ? await postgresUser() : undefined;
    if (owner) await chown(dir, owner.uid, owner.gid);
    const cluster = new PrivatePostgres(dir, await freePort(), owner);
    try {
      const cached = prepared && path.join(CACHE_DIR, prepared.key.replace(/[^\w.-]/g, "_"));
      if (cached && (await exists(path.join(cached, "PG_VERSION")))) {
        await run("cp", ["-a", cached, cluster.dataDir]);
        if (owner) await run("chown", ["-R", `${owner.uid}:${owner.gid}`, cluster.dataDir]);
        await cluster.up();
        return cluster;
      }
      await cluster.pg("initdb", ["-D", cluster.dataDir, "-A", "trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
      await cluster.up();
      if (prepared && cached) {
        await prepared.prepare(await cluster.createDatabase(prepared.database));
        await cluster.stop();
        // Copied aside, then renamed into place: a parallel start either finds a whole copy or none.
        await mkdir(CACHE_DIR, { recursive: true });
        const partial = `${cached}.${process.pid}.partial`;
        await run("cp", ["-a", cluster.dataDir, partial]);
        await rename(partial, cached).catch(() => rm(partial, { recursive: true, force: true }));
        await cluster.up();
      }
      return cluster;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** A database on this cluster (`postgres` unless named). */
  url(database = "postgres"): string {
    return `postgresql://${SUPERUSER}@127.0.0.1:${this.port}/${database}`;
  }

  /** A new empty database; returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`create database "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** `pg_ctl stop -m fast`: every session is ended, clients get connection errors until start(). */
  async stop(): Promise<void> {
    if (!this.running) return;
    await this.pg("pg_ctl", ["-D", this.dataDir, "-m", "fast", "-w", "stop"]);
    this.running = false;
  }

  async start(): Promise<void> {
    if (!this.running) await this.up();
  }

  /** Stops the cluster and deletes its files. */
  async destroy(): Promise<void> {
    try {
      if (this.running) await this.pg("pg_ctl", ["-D", this.dataDir, "-m", "immediate", "-w", "stop"]);
    } finally {
      this.running = false;
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  private get dataDir(): string {
    return path.join(this.dir, "data");
  }

  private async up(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    await this.pg("pg_ctl", ["-D", this.dataDir, "-o", options, "-l", path.join(this.dir, "server.log"), "-w", "-t", "60", "start"]);
    this.running = true;
  }

  private async pg(command: string, args: string[]): Promise<void> {
    try {
      await run(path.join(PG_BIN, command), args, { ...(this.owner ?? {}), cwd: this.dir, timeout: 120_000 });
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${command} ${args.join(" ")} failed: ${e.stderr || e.stdout || e.message}`);
    }
  }
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
