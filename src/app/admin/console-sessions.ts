import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Caller } from "./caller.js";
import { deviceLabel } from "./device-label.js";
import type { ConsoleSessionRecord, ConsoleSessionStore } from "../../ports/console-session-store.js";

export interface SessionCaller extends Caller {
  readonly sessionId: string;
  readonly expiresAt: Date;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Console sign-in that stays: an API key, proven once, is exchanged for a random token the browser
 * keeps in an HttpOnly cookie. Only the token's SHA-256 is stored (256 random bits: nothing to
 * brute-force), with the key id and an expiry. Every use re-reads the key, so revoking the key ends
 * its sessions at once; a session can also be revoked alone (sign-out, or from the session list).
 */
export class ConsoleSessions {
  private readonly clock: () => Date;

  constructor(
    private readonly store: ConsoleSessionStore,
    readonly ttlMs: number,
    options: { clock?: () => Date; touchEveryMs?: number } = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.touchEveryMs = options.touchEveryMs ?? 60_000;
  }

  private readonly touchEveryMs: number;

  async open(caller: Caller, userAgent: string | undefined): Promise<{ token: string; session: ConsoleSessionRecord }> {
    const token = randomBytes(32).toString("base64url");
    const now = this.clock();
    const session = {
      id: randomUUID(),
      apiKeyId: caller.keyId,
      device: deviceLabel(userAgent),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.ttlMs),
    };
    await this.store.insert({ ...session, tokenHash: hashToken(token) });
    return { token, session: { ...session, lastUsedAt: null, revokedAt: null } };
  }

  /** The caller this token signs in, or null (malformed, unknown, expired, revoked, or its key revoked). */
  async authenticate(token: string | undefined): Promise<SessionCaller | null> {
    if (!token || !TOKEN.test(token)) return null;
    const found = await this.store.findByTokenHash(hashToken(token));
    const now = this.clock();
    if (!found || found.revokedAt || found.keyRevokedAt || found.expiresAt <= now) return null;
    if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() >= this.touchEveryMs) await this.store.touch(found.id, now);
    return { keyId: found.apiKeyId, businessId: found.keyBusinessId, sessionId: found.id, expiresAt: found.expiresAt };
  }

  list(apiKeyId: string): Promise<ConsoleSessionRecord[]> {
    return this.store.listLive(apiKeyId, this.clock());
  }

  revoke(apiKeyId: string, sessionId: string): Promise<boolean> {
    return this.store.revoke(apiKeyId, sessionId, this.clock());
  }
}

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");
