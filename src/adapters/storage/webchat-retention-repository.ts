import type { Db } from "./create-db.js";

/**
 * Abandoned web chat sessions: web chat contacts none of whose conversations ever got a reply
 * out (no outbound message that did not fail) and whose last message is older than the cutoff.
 * Anyone can start a session from anywhere, so these pile up otherwise, forever.
 */
export class WebchatRetentionRepository {
  constructor(private readonly db: Db) {}

  /** Deletes up to `limit` such contacts (with their conversations and messages, by cascade); returns how many. */
  async deleteAbandoned(olderThan: Date, limit: number): Promise<number> {
    const rows = await this.db.$queryRaw<Array<{ id: string }>>`
      with abandoned as (
        select ct.id
        from "Conversation" c
        join "Channel" ch on ch.id = c."channelId" and ch.kind = 'webchat'
        join "Contact" ct on ct.id = c."contactId"
        where c."lastMessageAt" < ${olderThan}::timestamp(3)
          and not exists (select 1 from "Message" m where m."conversationId" = c.id and m.direction = 'outbound' and m.status <> 'failed')
          and not exists (
            select 1 from "Conversation" other
            where other."contactId" = ct.id and (other."lastMessageAt" >= ${olderThan}::timestamp(3)
              or exists (select 1 from "Message" m where m."conversationId" = other.id and m.direction = 'outbound' and m.status <> 'failed'))
          )
        order by c."lastMessageAt"
        limit ${limit}
      )
      delete from "Contact" where id in (select id from abandoned) returning id`;
    return rows.length;
  }
}
