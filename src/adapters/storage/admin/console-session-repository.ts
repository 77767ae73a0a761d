import type { ConsoleSessionRecord, ConsoleSessionStore, ConsoleSessionWithKey } from "../../../ports/console-session-store.js";
import type { Db } from "../create-db.js";
import { withDatabase } from "../db-unavailable.js";

const FIELDS = { id: true, apiKeyId: true, device: true, createdAt: true, expiresAt: true, lastUsedAt: true, revokedAt: true } as const;

export class ConsoleSessionRepository implements ConsoleSessionStore {
  constructor(private readonly db: Db) {}

  /** Also forgets the key's sessions that ended (expired or signed out), so rows do not pile up. */
  async insert(session: Omit<ConsoleSessionRecord, "lastUsedAt" | "revokedAt"> & { readonly tokenHash: string }): Promise<void> {
    await withDatabase(() =>
      this.db.$transaction([
        this.db.consoleSession.deleteMany({
          where: { apiKeyId: session.apiKeyId, OR: [{ expiresAt: { lt: session.createdAt } }, { revokedAt: { not: null } }] },
        }),
        this.db.consoleSession.create({ data: session, select: { id: true } }),
      ]),
    );
  }

  async findByTokenHash(tokenHash: string): Promise<ConsoleSessionWithKey | null> {
    const row = await withDatabase(() =>
      this.db.consoleSession.findUnique({ where: { tokenHash }, select: { ...FIELDS, apiKey: { select: { businessId: true, revokedAt: true } } } }),
    );
    if (!row) return null;
    const { apiKey, ...session } = row;
    return { ...session, keyBusinessId: apiKey.businessId, keyRevokedAt: apiKey.revokedAt };
  }

  listLive(apiKeyId: string, now: Date): Promise<ConsoleSessionRecord[]> {
    return withDatabase(() =>
      this.db.consoleSession.findMany({
        where: { apiKeyId, revokedAt: null, expiresAt: { gt: now } },
        select: FIELDS,
        orderBy: [{ createdAt: "desc" }, { id: "asc" }],
        take: 200,
      }),
    );
  }

  async revoke(apiKeyId: string, sessionId: string, at: Date): Promise<boolean> {
    const { count } = await withDatabase(() =>
      this.db.consoleSession.updateMany({ where: { id: sessionId, apiKeyId, revokedAt: null }, data: { revokedAt: at } }),
    );
    return count > 0;
  }

  async touch(sessionId: string, at: Date): Promise<void> {
    await withDatabase(() => this.db.consoleSession.updateMany({ where: { id: sessionId }, data: { lastUsedAt: at } }));
  }
}
