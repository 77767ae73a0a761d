/** A console session as stored: never its token, only the token's hash. */
export interface ConsoleSessionRecord {
  readonly id: string;
  readonly apiKeyId: string;
  readonly device: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

/** A session found by its token, with what its key says now (revoked, which business). */
export interface ConsoleSessionWithKey extends ConsoleSessionRecord {
  readonly keyBusinessId: string | null;
  readonly keyRevokedAt: Date | null;
}

export interface ConsoleSessionStore {
  insert(session: Omit<ConsoleSessionRecord, "lastUsedAt" | "revokedAt"> & { readonly tokenHash: string }): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<ConsoleSessionWithKey | null>;
  /** The key's sessions that are neither expired nor revoked, newest first. */
  listLive(apiKeyId: string, now: Date): Promise<ConsoleSessionRecord[]>;
  /** Sets revokedAt on this session of this key; false when the key has no such live session. */
  revoke(apiKeyId: string, sessionId: string, at: Date): Promise<boolean>;
  touch(sessionId: string, at: Date): Promise<void>;
}

/** A Caller established through a session cookie names its session. */
