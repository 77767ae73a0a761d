import type { InboundMessage } from "../../../domain/inbound-message.js";
import type { ChannelAdapter, SendResult } from "../../../ports/channel-adapter.js";
import type { Logger } from "../../../ports/logger.js";
import { loadCredentials } from "../meta/load-credentials.js";
import type { MetaDelivery } from "../meta/meta-delivery.js";
import { prepareMetaSend, sendParts, type MetaAdapterOptions } from "../meta/meta-send.js";
import { WHATSAPP_TEXT_LIMIT } from "../meta/split-message.js";
import { parseCloudWebhook } from "./cloud-webhook-mapper.js";
import { CloudSendResponse } from "./cloud-payloads.js";

export type WhatsappCloudAdapterOptions = MetaAdapterOptions;

/**
 * WhatsApp Business Cloud API. Inbound: webhook payloads (see cloud-webhook-mapper). Outbound:
 * the reply as one or more text messages through `POST /{phone_number_id}/messages`, inside the
 * 24-hour customer service window only; markRead marks the customer's message read (the outbox
 * calls it once per reply, before the send).
 */
export class WhatsappCloudAdapter implements ChannelAdapter<unknown> {
  readonly kind = "whatsapp_cloud" as const;
  private readonly log: Logger;

  constructor(private readonly o: WhatsappCloudAdapterOptions) {
    this.log = o.logger.child({ component: "whatsapp-cloud" });
  }

  toInbound(event: unknown): InboundMessage[] {
    return parseCloudWebhook(event, this.o.maxMessageChars).messages;
  }

  async send(delivery: MetaDelivery): Promise<SendResult> {
    const prepared = await prepareMetaSend(this.o, delivery, WHATSAPP_TEXT_LIMIT);
    const ids = await sendParts(
      prepared,
      async (path, token, body) => {
        const response = await this.o.graph.post(path, token, {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to: delivery.recipientId,
          type: "text",
          text: { body, preview_url: false },
          // Echoed back in status webhooks: ties Meta's receipts to our reply id.
          biz_opaque_callback_data: delivery.messageId,
        });
        return CloudSendResponse.parse(response).messages[0]?.id;
      },
      (part) => this.log.warn({ messageId: delivery.messageId, part }, "sent, but the response carried no message id"),
      delivery.partsSent,
    );
    return { platformMessageIds: ids };
  }

  /** One try (the caller decides about another): `POST /{phone_number_id}/messages` with status read. */
  async markRead(delivery: MetaDelivery): Promise<void> {
    if (!delivery.inboundPlatformMessageId) return;
    const { accessToken } = await loadCredentials(this.o.credentials, delivery.channel);
    const path = `${encodeURIComponent(delivery.channel.platformAccountId)}/messages`;
    await this.o.graph.post(
      path,
      accessToken,
      { messaging_product: "whatsapp", status: "read", message_id: delivery.inboundPlatformMessageId },
      { maxAttempts: 1 },
    );
  }
}
