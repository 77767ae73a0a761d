import type { RedisClient } from "./redis-connection.js";

/**
 * Many local listeners per Redis pub/sub channel over one subscriber connection: a channel is
 * subscribed when its first listener arrives and unsubscribed when its last one leaves.
 */
export class RedisFanout<T> {
  private readonly handlers = new Map<string, Set<(event: T) => void>>();

  constructor(private readonly subscriber: RedisClient | null) {
    subscriber?.on("message", (channel: string, payload: string) => {
      const set = this.handlers.get(channel);
      if (!set) return;
      let event: T;
      try {
        event = JSON.parse(payload) as T;
      } catch {
        return;
      }
      for (const handler of set) handler(event);
    });
  }

  async listen(channel: string, onEvent: (event: T) => void): Promise<() => Promise<void>> {
    if (!this.subscriber) throw new Error("this bus was created without a subscriber connection");
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.subscriber.subscribe(channel);
    }
    set.add(onEvent);
    return async () => {
      set.delete(onEvent);
      if (set.size === 0 && this.handlers.get(channel) === set) {
        this.handlers.delete(channel);
        await this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
    };
  }
}
