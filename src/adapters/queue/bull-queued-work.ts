import type { RedisClient } from "./redis-connection.js";
import { UnavailableError } from "../../domain/errors.js";
import type { QueuedWork, RemovedWork, WorkIds } from "../../ports/queued-work.js";
import type { BullOutboxQueue } from "./outbox-queue.js";
import { announceErasedConversations } from "./erased-conversations.js";
import { conversationLockKey } from "./redis-conversation-lock.js";
import type { BullTurnQueue } from "./turn-queue.js";

/**
 * Every Redis key our code derives from a conversation, message or outbox id: turn jobs
 * (turn-<messageId>), reply-retry jobs (outbox-<outboxId>) and conversation locks. Reply events are
 * pub/sub (nothing stored); the fairness counters are per business, not per contact. Workers are
 * told of the erased conversations, to drop their model state.
 */
export class BullQueuedWork implements QueuedWork {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly turns: BullTurnQueue,
    private readonly outbox: BullOutboxQueue,
  ) {}

  async removeWork(ids: WorkIds): Promise<RemovedWork> {
    try {
      return await this.remove(ids);
    } catch (error) {
      throw new UnavailableError("QUEUE_UNAVAILABLE", "the message queue is unreachable; retry later", { cause: error });
    }
  }

  private async remove(ids: WorkIds): Promise<RemovedWork> {
    const turns = await this.turns.removeTurns(ids.messageIds);
    const sends = await this.outbox.remove(ids.outboxIds);
    // A worker still holding a lock finds the conversation gone; its release is a no-op then.
    if (ids.conversationIds.length > 0) await this.redis.del(...ids.conversationIds.map((id) => conversationLockKey(this.prefix, id)));
    await announceErasedConversations(this.redis, this.prefix, ids.conversationIds);
    return { removedJobs: turns.removed + sends.removed, runningJobs: turns.running + sends.running };
  }
}
