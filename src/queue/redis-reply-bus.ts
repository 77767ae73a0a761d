import type { RedisClient } from "./redis-connection.js";
import type { ReplyBus, ReplyEvent } from "../ports/reply-bus.js";
import { RedisFanout } from "./redis-fanout.js";

/** Redis pub/sub; carries ids only, readers fetch the message from PostgreSQL. */
export class RedisReplyBus implements ReplyBus {
  private readonly fanout: RedisFanout<ReplyEvent>;

  constructor(
    private readonly publisher: RedisClient,
    subscriber: RedisClient | null,
    private readonly prefix: string,
  ) {
    this.fanout = new RedisFanout(subscriber);
  }

  async publish(event: ReplyEvent): Promise<void> {
    await this.publisher.publish(this.channel(event.conversationId), JSON.stringify({ conversationId: event.conversationId, messageId: event.messageId }));
  }

  subscribe(conversationId: string, onEvent: (event: ReplyEvent) => void): Promise<() => Promise<void>> {
    return this.fanout.listen(this.channel(conversationId), onEvent);
  }

  private channel(conversationId: string): string {
    return `${this.prefix}:replies:${conversationId}`;
  }
}
