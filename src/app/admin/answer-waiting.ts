import type { ConversationStore } from "../../ports/admin/conversation-store.js";
import type { Logger } from "../../ports/logger.js";
import type { TurnJob } from "../../ports/turn-queue.js";

/**
 * Handed back to the agent: queues its turn for what the customer wrote meanwhile, at once rather
 * than at the reconciler's next round. A queue that cannot be reached loses nothing: the messages
 * stay unanswered in PostgreSQL and the reconciler queues them.
 */
export async function answerWaiting(
  deps: { conversations: Pick<ConversationStore, "newestPending">; requeueTurn: (job: TurnJob) => Promise<boolean>; logger: Logger },
  businessId: string,
  conversationId: string,
): Promise<boolean> {
  const pending = await deps.conversations.newestPending(businessId, conversationId);
  if (!pending) return false;
  try {
    return await deps.requeueTurn({ businessId, conversationId, messageId: pending.messageId });
  } catch (error) {
    deps.logger.warn({ err: error, conversationId }, "resumed, but the agent's turn could not be queued yet; the reconciler will");
    return false;
  }
}
