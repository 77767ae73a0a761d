import { isTypingEvent, type BusEvent, type ReplyBus } from "../../src/ports/reply-bus.js";

/**
 * ReplyBus in one process, held to test/contract/reply-bus.contract.ts like RedisReplyBus: ids
 * only, delivered after publish returns (as pub/sub does) to the conversation's subscribers.
 * `failPublishes(n)`: the next n publishes fail as they do while Redis is unreachable.
 */
export class InMemoryReplyBus implements ReplyBus {
  private readonly listeners = new Map<string, Set<(event: BusEvent) => void>>();
  private readonly typing = new Set<string>();
  private failing = 0;
  readonly published: BusEvent[] = [];

  failPublishes(times: number): this {
    this.failing = times;
    return this;
  }

  async publish(event: BusEvent): Promise<void> {
    if (this.failing > 0) {
      this.failing -= 1;
      throw new Error("Connection is closed.");
    }
    const copy: BusEvent = isTypingEvent(event)
      ? { conversationId: event.conversationId, typing: event.typing }
      : { conversationId: event.conversationId, messageId: event.messageId };
    if (isTypingEvent(copy)) {
      if (copy.typing) this.typing.add(copy.conversationId);
      else this.typing.delete(copy.conversationId);
    }
    this.published.push(copy);
    const listeners = [...(this.listeners.get(copy.conversationId) ?? [])];
    setImmediate(() => {
      for (const listener of listeners) listener(copy);
    });
  }

  async subscribe(conversationId: string, onEvent: (event: BusEvent) => void): Promise<() => Promise<void>> {
    const set = this.listeners.get(conversationId) ?? new Set();
    this.listeners.set(conversationId, set);
    set.add(onEvent);
    return async () => {
      set.delete(onEvent);
    };
  }

  async isTyping(conversationId: string): Promise<boolean> {
    return this.typing.has(conversationId);
  }
}
