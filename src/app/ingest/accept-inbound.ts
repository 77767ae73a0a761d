import { InputError } from "../../domain/errors.js";
import type { InboundMessage } from "../../domain/inbound-message.js";
import type { InboundStore, StoredInbound } from "../../ports/inbound-store.js";
import type { TurnQueue } from "../../ports/turn-queue.js";

/**
 * Where every channel's messages enter: stored once in PostgreSQL, then a turn is queued.
 * A redelivery of a stored but unanswered message queues again (idempotent per message), so a
 * client that retried after a 503 from the queue still gets its answer.
 */
export async function acceptInbound(deps: { store: InboundStore; queue: TurnQueue }, message: InboundMessage): Promise<StoredInbound> {
  const channel = await deps.store.findChannel(message.channelKind, message.platformAccountId);
  if (!channel?.enabled) throw new InputError("UNKNOWN_CHANNEL", `no active ${message.channelKind} channel ${message.platformAccountId}`, 404);
  const stored = await deps.store.storeInbound(channel, message);
  if (!stored.answered) {
    await deps.queue.enqueueTurn({ conversationId: stored.conversationId, messageId: stored.messageId, businessId: stored.businessId });
  }
  return stored;
}
