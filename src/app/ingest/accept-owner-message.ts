import { InputError } from "../../domain/errors.js";
import type { OwnerMessage } from "../../domain/owner-message.js";
import type { Logger } from "../../ports/logger.js";
import type { OwnerMessageStore, StoredOwnerMessage } from "../../ports/owner-message-store.js";

export interface AcceptOwnerDeps {
  readonly store: OwnerMessageStore;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/**
 * Where the owner's messages from the business phone enter, beside the customers' (acceptInbound):
 * stored in the transcript, and the agent steps back in that conversation for the quiet time.
 * Nothing is queued: the customer's messages that arrive meanwhile queue their own turns, which
 * wait until the quiet time is over (see handleTurn).
 */
export async function acceptOwnerMessage(deps: AcceptOwnerDeps, message: OwnerMessage): Promise<StoredOwnerMessage> {
  const channel = await deps.store.findChannel(message.channelKind, message.platformAccountId);
  if (!channel?.enabled) throw new InputError("UNKNOWN_CHANNEL", `no active ${message.channelKind} channel ${message.platformAccountId}`, 404);
  // The business's quiet time as it is now: a change in the console applies to the next owner message.
  const pausedUntil = new Date((deps.now?.() ?? new Date()).getTime() + (await deps.store.ownerQuietMs(channel.businessId)));
  const stored = await deps.store.storeOwnerMessage(channel, message, pausedUntil);
  if (!stored.duplicate) {
    deps.logger.info(
      {
        conversationId: stored.conversationId,
        answered: stored.answeredCount,
        paused: stored.paused,
        pausedUntil: stored.paused ? pausedUntil.toISOString() : undefined,
      },
      "the owner wrote from the business phone",
    );
  }
  return stored;
}
