import type { Redis } from "ioredis";
import type { ReplyBus, ReplyEvent } from "../ports/reply-bus.js";

/** Redis pub/sub; carries ids only, readers fetch the message from PostgreSQL. */
export class RedisReplyBus implements ReplyBus {
  private readonly handlers = new Map<string, Set<(e: ReplyEvent) => void>>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis | null,
    private readonly prefix: string,
  ) {
    subscriber?.on("message", (channel: string, payload: string) => {
      const set = this.handlers.get(channel);
      if (!set) return;
      const event = JSON.parse(payload) as ReplyEvent;
      for (const h of set) h(event);
    });
  }

  async publish(event: ReplyEvent): Promise<void> {
    await this.publisher.publish(this.channel(event.conversationId), JSON.stringify({ conversationId: event.conversationId, messageId: event.messageId }));
  }

  async subscribe(conversationId: string, onEvent: (event: ReplyEvent) => void): Promise<() => Promise<void>> {
    if (!this.subscriber) throw new Error("this reply bus was created without a subscriber connection");
    const channel = this.channel(conversationId);
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

  private channel(conversationId: string): string {
    return `${this.prefix}:replies:${conversationId}`;
  }
}
