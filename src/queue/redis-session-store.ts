import type { RedisClient } from "./redis-connection.js";
import type { SessionStore } from "../ports/session-store.js";

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async put(id: string, keyId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(id), keyId, "PX", ttlMs);
  }

  get(id: string): Promise<string | null> {
    return this.redis.get(this.key(id));
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }

  private key(id: string): string {
    return `${this.prefix}:dashboard-session:${id}`;
  }
}
