import { FatalError } from "../domain/errors.js";
import type { ChannelKind } from "../domain/inbound-message.js";
import { PlatformRejectedError, type ChannelAdapter } from "../ports/channel-adapter.js";
import type { ConversationEvents } from "../ports/conversation-events.js";
import type { Logger } from "../ports/logger.js";
import type { OutboxStore } from "../ports/outbox-store.js";

export type DeliveryOutcome = "sent" | "not-pending" | "failed" | "retry";

export interface DeliveryDeps {
  readonly outbox: OutboxStore;
  readonly adapters: ReadonlyMap<ChannelKind, ChannelAdapter>;
  readonly logger: Logger;
  readonly maxAttempts: number;
  /** Told when a reply's status changed (sent, failed), for the admin console. */
  readonly events?: ConversationEvents;
}

/**
 * Sends one outbox entry through the adapter of the channel it belongs to. The claim makes it
 * at-most-once per entry; a transient failure puts it back for a later retry ("retry").
 */
export async function deliverReply(deps: DeliveryDeps, outboxId: string): Promise<DeliveryOutcome> {
  const delivery = await deps.outbox.claim(outboxId);
  if (!delivery) return "not-pending";
  const log = deps.logger.child({ outboxId, conversationId: delivery.conversationId, channel: delivery.channel.kind });
  const adapter = deps.adapters.get(delivery.channel.kind);
  if (!adapter) {
    await deps.outbox.markFailed(outboxId, `no adapter for channel kind ${delivery.channel.kind} in this worker`);
    log.error({}, "reply not sent: no adapter for this channel kind");
    return "failed";
  }
  try {
    const result = await adapter.send(delivery);
    await deps.outbox.markSent(outboxId, result.platformMessageIds);
    deps.events?.publish(delivery);
    log.debug({ attempt: delivery.attempt }, "reply sent");
    return "sent";
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (error instanceof PlatformRejectedError || error instanceof FatalError || delivery.attempt >= deps.maxAttempts) {
      await deps.outbox.markFailed(outboxId, reason);
      deps.events?.publish(delivery);
      log.error({ attempt: delivery.attempt, err: error }, "reply failed for good");
      return "failed";
    }
    await deps.outbox.release(outboxId, reason);
    log.warn({ attempt: delivery.attempt, err: error }, "reply send failed; will retry");
    return "retry";
  }
}
