import type { TurnJob } from "../../../ports/turn-queue.js";
import type { Db } from "../create-db.js";

/** Conversations whose messages waited for an opening, handed back to the agent. */
export class OpeningRepository {
  constructor(private readonly db: Db) {}

  /**
   * Takes up to `limit` of the business's conversations waiting for an opening at or before
   * `opensAt` (clears their mark) and returns a turn for the newest unanswered message of each
   * that still has one: a conversation a person answered meanwhile, or one paused, gets none.
   */
  async takeWaiting(businessId: string, opensAt: Date, limit: number): Promise<{ taken: number; turns: TurnJob[] }> {
    const rows = await this.db.$queryRaw<Array<{ conversationId: string; messageId: string | null; paused: boolean }>>`
      with taken as (
        update "Conversation" set "waitingUntil" = null
        where id in (
          select id from "Conversation"
          where "businessId" = ${businessId}::uuid and "waitingUntil" is not null and "waitingUntil" <= ${opensAt}::timestamp(3)
          limit ${limit}
        )
        returning id, "agentPaused"
      )
      select t.id::text as "conversationId", t."agentPaused" as paused, (
        select m.id::text from "Message" m
        where m."conversationId" = t.id and m.direction = 'inbound' and m.status = 'received'
        order by m.seq desc limit 1
      ) as "messageId"
      from taken t`;
    const turns = rows
      .filter((r) => r.messageId && !r.paused)
      .map((r) => ({ conversationId: r.conversationId, messageId: r.messageId!, businessId }));
    return { taken: rows.length, turns };
  }
}
