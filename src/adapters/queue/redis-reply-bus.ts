import type { RedisClient } from "./redis-connection.js";
import { isTypingEvent, type BusEvent, type ReplyBus } from "../../ports/reply-bus.js";
import { RedisFanout } from "./redis-fanout.js";

/** How long "typing" is remembered without a word from the worker (a turn's generation is far shorter). */
const TYPING_TTL_MS = 300_000;

/** Redis pub/sub; carries ids only, readers fetch the message from PostgreSQL. */
export class RedisReplyBus implements ReplyBus {
  private readonly fanout: RedisFanout<BusEvent>;

  constructor(
    private readonly publisher: RedisClient,
    subscriber: RedisClient | null,
    private readonly prefix: string,
  ) {
    this.fanout = new RedisFanout(subscriber);
  }

  async publish(event: BusEvent): Promise<void> {
    if (isTypingEvent(event)) {
      // Remembered briefly, so a page that connects mid-turn still shows it; gone by itself if the worker dies.
      const key = this.typingKey(event.conversationId);
      await (event.typing ? this.publisher.set(key, "1", "PX", TYPING_TTL_MS) : this.publisher.del(key));
      await this.publisher.publish(
        this.channel(event.conversationId),
        JSON.stringify({ conversationId: event.conversationId, typing: event.typing }),
      );
      return;
    }
    await this.publisher.publish(
      this.channel(event.conversationId),
      JSON.stringify({ conversationId: event.conversationId, messageId: event.messageId }),
    );
  }

  async isTyping(conversationId: string): Promise<boolean> {
    return (await this.publisher.exists(this.typingKey(conversationId))) === 1;
  }

  private typingKey(conversationId: string): string {
    return `${this.prefix}:typing:${conversationId}`;
  }

  subscribe(conversationId: string, onEvent: (event: BusEvent) => void): Promise<() => Promise<void>> {
    return this.fanout.listen(this.channel(conversationId), onEvent);
  }

  private channel(conversationId: string): string {
    return `${this.prefix}:replies:${conversationId}`;
  }
}
