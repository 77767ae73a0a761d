import { randomUUID } from "node:crypto";
import type { ConversationLock, LockLease } from "../../src/ports/conversation-lock.js";

/**
 * ConversationLock in one process, held to test/contract/conversation-lock.contract.ts like
 * RedisConversationLock: a lease per conversation that lapses after ttlMs unless extended.
 */
export class InMemoryConversationLock implements ConversationLock {
  private readonly leases = new Map<string, { token: string; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async tryAcquire(conversationId: string): Promise<LockLease | null> {
    if (this.holder(conversationId)) return null;
    const token = randomUUID();
    this.leases.set(conversationId, { token, expiresAt: this.now() + this.ttlMs });
    const ours = () => this.holder(conversationId)?.token === token;
    return {
      extend: async () => {
        if (!ours()) return false;
        this.leases.set(conversationId, { token, expiresAt: this.now() + this.ttlMs });
        return true;
      },
      release: async () => {
        if (ours()) this.leases.delete(conversationId);
      },
    };
  }

  private holder(conversationId: string) {
    const lease = this.leases.get(conversationId);
    return lease && lease.expiresAt > this.now() ? lease : undefined;
  }
}
