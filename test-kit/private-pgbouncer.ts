import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { stopChild } from "../src/dev/embedded-redis.js";
import { freePort } from "../src/dev/free-port.js";
import { TEST_PG_ADMIN_URL } from "./test-env.js";

/** Debian's pgbouncer (`apt-get install pgbouncer`; .ci/run installs it). */
export const PGBOUNCER_BIN = process.env.PGBOUNCER_BIN ?? "/usr/sbin/pgbouncer";

/**
 * A PgBouncer of a test's own in transaction mode (the mode that pools best and breaks session
 * features), in front of the test PostgreSQL, with fewer server connections than the clients ask
 * for, so they queue on it as they do in production.
 */
export class PrivatePgBouncer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(options: { poolSize: number }): Promise<PrivatePgBouncer> {
    const admin = new URL(TEST_PG_ADMIN_URL);
    const user = decodeURIComponent(admin.username || "root");
    const password = decodeURIComponent(admin.password);
    const dir = await mkdtemp(join(tmpdir(), "pgbouncer-"));
    const port = await freePort();
    await writeFile(join(dir, "users.txt"), `"${user}" "${password}"\n`);
    await writeFile(
      join(dir, "pgbouncer.ini"),
      [
        "[databases]",
        `* = host=${admin.hostname} port=${admin.port || 5432}`,
        "[pgbouncer]",
        `listen_addr = 127.0.0.1`,
        `listen_port = ${port}`,
        "unix_socket_dir =",
        "auth_type = trust",
        `auth_file = ${join(dir, "users.txt")}`,
        "pool_mode = transaction",
        `default_pool_size = ${options.poolSize}`,
        "max_client_conn = 500",
        "ignore_startup_parameters = extra_float_digits,options",
        "server_reset_query =",
        "logfile =",
        "",
      ].join("\n"),
    );
    // pgbouncer will not run as root: it drops to postgres (-u), which must read its files.
    await chmod(dir, 0o755);
    const asRoot = process.getuid?.() === 0;
    const child = spawn(PGBOUNCER_BIN, [...(asRoot ? ["-u", "postgres"] : []), join(dir, "pgbouncer.ini")], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += String(chunk)));
    const bouncer = new PrivatePgBouncer(child, dir, port);
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) break;
      const probe = new pg.Client({ connectionString: bouncer.urlFor("postgres"), connectionTimeoutMillis: 1000 });
      try {
        await probe.connect();
        await probe.query("select 1");
        return bouncer;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        await probe.end().catch(() => undefined);
      }
    }
    await bouncer.stop();
    throw new Error(`pgbouncer did not start on port ${port}: ${stderr.slice(-500)}`);
  }

  /** The URL of `database` through this PgBouncer. */
  urlFor(database: string): string {
    const url = new URL(TEST_PG_ADMIN_URL);
    url.port = String(this.port);
    url.pathname = `/${database}`;
    return url.toString();
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    await rm(this.dir, { recursive: true, force: true });
  }
}
