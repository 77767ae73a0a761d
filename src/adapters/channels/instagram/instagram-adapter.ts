import type { InboundMessage } from "../../../domain/inbound-message.js";
import type { ChannelAdapter, SendResult } from "../../../ports/channel-adapter.js";
import type { Logger } from "../../../ports/logger.js";
import type { MetaDelivery } from "../meta/meta-delivery.js";
import { prepareMetaSend, sendParts, type MetaAdapterOptions } from "../meta/meta-send.js";
import { INSTAGRAM_TEXT_LIMIT } from "../meta/split-message.js";
import { parseInstagramWebhook } from "./instagram-webhook-mapper.js";
import { IgSendResponse } from "./instagram-payloads.js";

export type InstagramAdapterOptions = MetaAdapterOptions;

/**
 * Instagram Direct through the Send API: `POST /{instagram account id}/messages` with
 * `{recipient: {id: IGSID}, message: {text}}`, 1000 characters per message, 24-hour window.
 */
export class InstagramAdapter implements ChannelAdapter<unknown> {
  readonly kind = "instagram" as const;
  private readonly log: Logger;

  constructor(private readonly o: InstagramAdapterOptions) {
    this.log = o.logger.child({ component: "instagram" });
  }

  toInbound(event: unknown): InboundMessage[] {
    return parseInstagramWebhook(event, this.o.maxMessageChars).messages;
  }

  async send(delivery: MetaDelivery): Promise<SendResult> {
    const prepared = await prepareMetaSend(this.o, delivery, INSTAGRAM_TEXT_LIMIT);
    const ids = await sendParts(
      prepared,
      async (path, token, text) =>
        IgSendResponse.parse(await this.o.graph.post(path, token, { recipient: { id: delivery.recipientId }, message: { text } })).message_id,
      (part) => this.log.warn({ messageId: delivery.messageId, part }, "sent, but the response carried no message id"),
      delivery.partsSent,
    );
    return { platformMessageIds: ids };
  }
}
