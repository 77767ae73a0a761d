import type { InboundMessage } from "../../../domain/inbound-message.js";
import { PlatformTransportError, type ChannelAdapter, type OutboundDelivery, type SendResult } from "../../../ports/channel-adapter.js";
import type { WhatsappWebChannel } from "./whatsapp-web-channel.js";
import type { WwebMessage } from "./wweb-client.js";
import { mapWwebMessage, type WwebChannelConfig } from "./wweb-message-mapper.js";

export interface WwebEvent {
  readonly channel: WwebChannelConfig;
  readonly message: WwebMessage;
}

/** Proposed optional field on OutboundDelivery: when the customer last wrote (from the database). */
export interface WwebDelivery extends OutboundDelivery {
  readonly lastInboundAt?: Date;
}

/**
 * whatsapp-web.js channels of this process. A reply leaves through the session of its channel,
 * which must live in this process (it holds the browser).
 */
export class WhatsappWebAdapter implements ChannelAdapter<WwebEvent> {
  readonly kind = "whatsapp_web" as const;
  private readonly channels = new Map<string, WhatsappWebChannel>();

  constructor(private readonly maxMessageChars: number) {}

  attach(channel: WhatsappWebChannel): void {
    this.channels.set(channel.channel.id, channel);
  }

  detach(channelId: string): void {
    this.channels.delete(channelId);
  }

  toInbound(event: WwebEvent): InboundMessage[] {
    const mapped = mapWwebMessage(event.message, event.channel, this.maxMessageChars);
    return "message" in mapped ? [mapped.message] : [];
  }

  async send(delivery: WwebDelivery): Promise<SendResult> {
    const channel = this.channels.get(delivery.channel.id);
    if (!channel) throw new PlatformTransportError("no WhatsApp Web session for this channel in this process");
    // A stored inbound message proves the chat wrote first, even before a restart.
    const ids = await channel.sendText(delivery.recipientId, delivery.text, {
      wroteBefore: delivery.lastInboundAt !== undefined,
      ...(delivery.partsSent ? { partsSent: delivery.partsSent } : {}),
    });
    return { platformMessageIds: ids };
  }

  async markRead(delivery: WwebDelivery): Promise<void> {
    const channel = this.channels.get(delivery.channel.id);
    if (!channel) throw new PlatformTransportError("no WhatsApp Web session for this channel in this process");
    await channel.markSeen(delivery.recipientId);
  }
}
