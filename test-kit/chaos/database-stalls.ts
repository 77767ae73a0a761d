import pg from "pg";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stalls PostgreSQL for the workers at the moment between a send and its record, from sessions of
 * its own: row locks on the reply held past the transaction timeout, or the workers' sessions
 * terminated again and again for a while. Each runs in the background; settled() waits for all.
 */
export class DatabaseStalls {
  locks = 0;
  terminations = 0;
  /** Sessions pg_terminate_backend ended. */
  sessionsEnded = 0;
  /** Stalls that could not be set up (PostgreSQL was down meanwhile). */
  failed = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly databaseUrl: string,
    /** application_name of the workers' sessions. */
    private readonly workerApp: string,
  ) {}

  /** Locks the reply and its outbox entry (FOR UPDATE) for `holdMs`; resolves once they are held, so the platform answers only then. */
  async lockReply(replyId: string, holdMs: number): Promise<void> {
    // Counted at once, so that concurrent sends do not both take the last one; uncounted if it fails.
    this.locks++;
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 2000 });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.query("begin");
      await client.query(`select 1 from "Message" where id = $1::uuid for update`, [replyId]);
      await client.query(`select 1 from "OutboxEntry" where "messageId" = $1::uuid for update`, [replyId]);
    } catch {
      this.locks--;
      this.failed++;
      await client.end().catch(() => undefined);
      return;
    }
    this.track(
      sleep(holdMs).then(async () => {
        await client.query("commit").catch(() => undefined);
        await client.end().catch(() => undefined);
      }),
    );
  }

  /** Ends every worker session, again every 20 ms, for `forMs`, in the background (counted at once; uncounted if PostgreSQL cannot be reached). */
  terminateWorkerSessions(forMs: number): void {
    this.terminations++;
    this.track(
      (async () => {
        const admin = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 2000 });
        admin.on("error", () => undefined);
        try {
          await admin.connect();
        } catch {
          // Not set up: a later send tries again.
          this.terminations--;
          this.failed++;
          return;
        }
        try {
          for (const deadline = Date.now() + forMs; Date.now() < deadline; await sleep(20)) {
            const result = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [this.workerApp]);
            this.sessionsEnded += result.rowCount ?? 0;
          }
        } catch {
          this.failed++;
        } finally {
          await admin.end().catch(() => undefined);
        }
      })(),
    );
  }

  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }
}
