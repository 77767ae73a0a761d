import type { ConversationEvents } from "../../ports/conversation-events.js";

/** Wraps an accept function so each newly stored message is announced to the business's console. */
export function announceStored<M, S extends { readonly businessId: string; readonly conversationId: string; readonly duplicate: boolean }>(
  accept: (message: M) => Promise<S>,
  events: ConversationEvents,
): (message: M) => Promise<S> {
  return async (message) => {
    const stored = await accept(message);
    if (!stored.duplicate) events.publish(stored);
    return stored;
  };
}
