import type { InboundMessage } from "../../domain/inbound-message.js";
import { PlatformRejectedError, type ChannelAdapter, type SendResult } from "../../ports/channel-adapter.js";
import type { Logger } from "../../ports/logger.js";
import type { ChannelCredentials } from "../../secrets/channel-credentials.js";
import { assertInsideCustomerWindow, CUSTOMER_WINDOW_MS } from "../meta/customer-window.js";
import type { GraphClient } from "../meta/graph-client.js";
import { asId } from "../meta/json-fields.js";
import { loadCredentials } from "../meta/load-credentials.js";
import type { MetaDelivery } from "../meta/meta-delivery.js";
import { INSTAGRAM_TEXT_LIMIT, splitMessage } from "../meta/split-message.js";
import { parseInstagramWebhook } from "./instagram-webhook-mapper.js";

export interface InstagramAdapterOptions {
  readonly graph: GraphClient;
  readonly credentials: ChannelCredentials;
  readonly maxMessageChars: number;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly windowMs?: number;
  readonly textLimit?: number;
}

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
    assertInsideCustomerWindow(delivery.lastInboundAt, this.o.now?.() ?? new Date(), this.o.windowMs ?? CUSTOMER_WINDOW_MS);
    const parts = splitMessage(delivery.text, this.o.textLimit ?? INSTAGRAM_TEXT_LIMIT);
    if (parts.length === 0) throw new PlatformRejectedError("the reply is empty");
    const { accessToken } = await loadCredentials(this.o.credentials, delivery.channel);
    const path = `${encodeURIComponent(delivery.channel.platformAccountId)}/messages`;
    const ids: string[] = [];
    for (const [index, text] of parts.entries()) {
      const response = await this.o.graph.post(path, accessToken, { recipient: { id: delivery.recipientId }, message: { text } });
      const id = asId(response.message_id);
      if (id) ids.push(id);
      else this.log.warn({ messageId: delivery.messageId, part: index }, "sent, but the response carried no message id");
    }
    return { platformMessageIds: ids };
  }
}
