import type { InboundMessage } from "../../domain/inbound-message.js";
import { PlatformRejectedError, type ChannelAdapter, type SendResult } from "../../ports/channel-adapter.js";
import type { Logger } from "../../ports/logger.js";
import type { ChannelCredentials } from "../../secrets/channel-credentials.js";
import { assertInsideCustomerWindow, CUSTOMER_WINDOW_MS } from "../meta/customer-window.js";
import type { GraphClient } from "../meta/graph-client.js";
import { asArray, asId, asRecord } from "../meta/json-fields.js";
import { loadCredentials } from "../meta/load-credentials.js";
import type { MetaDelivery } from "../meta/meta-delivery.js";
import { splitMessage, WHATSAPP_TEXT_LIMIT } from "../meta/split-message.js";
import { parseCloudWebhook } from "./cloud-webhook-mapper.js";

export interface WhatsappCloudAdapterOptions {
  readonly graph: GraphClient;
  readonly credentials: ChannelCredentials;
  /** Longest customer message accepted inbound (config limits.maxMessageChars). */
  readonly maxMessageChars: number;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly windowMs?: number;
  readonly textLimit?: number;
}

/**
 * WhatsApp Business Cloud API. Inbound: webhook payloads (see cloud-webhook-mapper). Outbound:
 * marks the customer's message read, then sends the reply as one or more text messages through
 * `POST /{phone_number_id}/messages`, inside the 24-hour customer service window only.
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
    assertInsideCustomerWindow(delivery.lastInboundAt, this.o.now?.() ?? new Date(), this.o.windowMs ?? CUSTOMER_WINDOW_MS);
    const parts = splitMessage(delivery.text, this.o.textLimit ?? WHATSAPP_TEXT_LIMIT);
    if (parts.length === 0) throw new PlatformRejectedError("the reply is empty");
    const { accessToken } = await loadCredentials(this.o.credentials, delivery.channel);
    const path = `${encodeURIComponent(delivery.channel.platformAccountId)}/messages`;
    if (delivery.inboundPlatformMessageId) await this.markRead(path, accessToken, delivery);

    const ids: string[] = [];
    for (const [index, body] of parts.entries()) {
      const response = await this.o.graph.post(path, accessToken, {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: delivery.recipientId,
        type: "text",
        text: { body, preview_url: false },
      });
      const id = asId(asRecord(asArray(response.messages)[0])?.id);
      if (id) ids.push(id);
      else this.log.warn({ messageId: delivery.messageId, part: index }, "sent, but the response carried no message id");
    }
    return { platformMessageIds: ids };
  }

  /** Best effort, one try: a failed read receipt must not hold the reply back. */
  private async markRead(path: string, accessToken: string, delivery: MetaDelivery): Promise<void> {
    try {
      await this.o.graph.post(path, accessToken, { messaging_product: "whatsapp", status: "read", message_id: delivery.inboundPlatformMessageId }, { maxAttempts: 1 });
    } catch (error) {
      this.log.warn({ messageId: delivery.messageId, err: { name: (error as Error).name, message: (error as Error).message } }, "could not mark the customer's message read");
    }
  }
}
