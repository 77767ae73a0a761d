import { DISPLAY_NAME_MAX_CHARS, normaliseDisplayName, normaliseMessageText } from "../../../domain/message-text.js";
import type { InboundMessage } from "../../../domain/inbound-message.js";
import type { ChannelAdapter, OutboundDelivery, SendResult } from "../../../ports/channel-adapter.js";
import type { ReplyBus } from "../../../ports/reply-bus.js";
import type { WebchatEvent } from "../../../ports/webchat-event.js";

export type { WebchatEvent };

/** The stored platform message id of a web chat message: the client's id is unique only within its session. */
export function webchatMessageKey(sessionId: string, clientMessageId: string): string {
  // Session ids have no ":", so the key splits back at its first ":".
  return `${sessionId}:${clientMessageId}`;
}

/**
 * The built-in web chat. Inbound: the client's message id deduplicates retries of one session (two
 * visitors whose pages happen to pick the same id are two messages). Outbound: the
 * reply is already in PostgreSQL, so "sending" means telling the gateways (which hold the
 * browsers' event streams) that it is there.
 */
export class WebchatAdapter implements ChannelAdapter<WebchatEvent> {
  readonly kind = "webchat" as const;

  constructor(
    private readonly bus: ReplyBus,
    private readonly maxMessageChars: number,
  ) {}

  toInbound(event: WebchatEvent): InboundMessage[] {
    const senderName = normaliseDisplayName(event.name, DISPLAY_NAME_MAX_CHARS);
    return [
      {
        channelKind: "webchat",
        platformAccountId: event.channelKey,
        platformMessageId: webchatMessageKey(event.sessionId, event.clientMessageId),
        senderId: event.sessionId,
        ...(senderName ? { senderName } : {}),
        kind: "text",
        text: normaliseMessageText(event.text, this.maxMessageChars),
        sentAt: new Date(),
        ...(event.senderKey ? { senderKey: event.senderKey } : {}),
      },
    ];
  }

  /** The page shows "typing…" while the agent works on an answer (best effort: a lost event only hides the indicator). */
  async typing(conversationId: string, on: boolean): Promise<void> {
    await this.bus.publish({ conversationId, typing: on });
  }

  async send(delivery: OutboundDelivery): Promise<SendResult> {
    await this.bus.publish({ conversationId: delivery.conversationId, messageId: delivery.messageId });
    return { platformMessageIds: [delivery.messageId] };
  }
}
