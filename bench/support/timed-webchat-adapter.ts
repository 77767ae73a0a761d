import { performance } from "node:perf_hooks";
import type { WebchatAdapter, WebchatEvent } from "../../src/adapters/channels/webchat/webchat-adapter.js";
import type { ChannelAdapter, OutboundDelivery, SendResult } from "../../src/ports/channel-adapter.js";

/** The real web chat adapter, with performance.now() taken when the worker calls send(). */
export class TimedWebchatAdapter implements ChannelAdapter<WebchatEvent> {
  readonly kind = "webchat" as const;

  constructor(
    private readonly inner: WebchatAdapter,
    private readonly onSend: (conversationId: string, at: number) => void,
  ) {}

  toInbound(event: WebchatEvent) {
    return this.inner.toInbound(event);
  }

  send(delivery: OutboundDelivery): Promise<SendResult> {
    this.onSend(delivery.conversationId, performance.now());
    return this.inner.send(delivery);
  }
}
