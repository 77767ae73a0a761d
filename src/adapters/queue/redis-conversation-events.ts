import type { RedisClient } from "./redis-connection.js";
import type { ConversationEvent, ConversationEvents } from "../../ports/conversation-events.js";
import { RedisFanout } from "./redis-fanout.js";

/** One Redis channel per business, so a gateway only hears the businesses its consoles watch. */
export class RedisConversationEvents implements ConversationEvents {
  private readonly fanout: RedisFanout<ConversationEvent>;

  constructor(
    private readonly publisher: RedisClient,
    subscriber: RedisClient | null,
    private readonly prefix: string,
  ) {
    this.fanout = new RedisFanout(subscriber);
  }

  publish(event: ConversationEvent): void {
    const payload = JSON.stringify({ businessId: event.businessId, conversationId: event.conversationId });
    this.publisher.publish(this.channel(event.businessId), payload).catch(() => undefined);
  }

  subscribe(businessId: string, onEvent: (event: ConversationEvent) => void): Promise<() => Promise<void>> {
    return this.fanout.listen(this.channel(businessId), onEvent);
  }

  private channel(businessId: string): string {
    return `${this.prefix}:conversation-events:${businessId}`;
  }
}
