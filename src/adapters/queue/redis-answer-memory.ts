import type { RedisClient } from "./redis-connection.js";

/**
 * Remembers an answer under a key for a while (RedisClient, shared by every gateway): a request seen
 * again within that time gets the first answer instead of being carried out again.
 */
export class RedisAnswerMemory {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  recall(key: string): Promise<string | null> {
    return this.redis.get(this.key(key));
  }

  async remember(key: string, answer: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(key), answer, "PX", Math.max(1, Math.round(ttlMs)));
  }

  private key(key: string): string {
    return `${this.prefix}:answered:${key}`;
  }
}
