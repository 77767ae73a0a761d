import { createHash, randomBytes } from "node:crypto";
import type { SessionStore } from "../ports/session-store.js";
import type { Caller } from "./caller.js";

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Sessions for pages a browser opens by navigation (the queue dashboard), which cannot send the
 * Bearer header: a random token for a cookie, opened by presenting an API key. Only the token's
 * hash is stored, with the key id and an expiry.
 */
export class DashboardSessions {
  constructor(
    private readonly store: SessionStore,
    readonly ttlMs: number,
  ) {}

  async open(caller: Caller): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString("base64url");
    await this.store.put(hash(token), caller.keyId, this.ttlMs);
    return { token, expiresAt: new Date(Date.now() + this.ttlMs) };
  }

  /** The key id that opened this session, or null (unknown, expired, closed, malformed). */
  async keyIdOf(token: string | undefined): Promise<string | null> {
    if (!token || !TOKEN.test(token)) return null;
    return this.store.get(hash(token));
  }

  async close(token: string | undefined): Promise<void> {
    if (token && TOKEN.test(token)) await this.store.delete(hash(token));
  }
}

const hash = (token: string) => createHash("sha256").update(token).digest("hex");
