import { randomUUID } from "node:crypto";
import type { SaveReplyInput } from "../../../ports/turn-store.js";
import type { Db } from "../create-db.js";

type Sql = Pick<Db, "$queryRaw">;

/**
 * The reply, its outbox entry, the turn record, the answered messages and the conversation's
 * history start in ONE statement, so the write after every generation is one round trip.
 * The fence: every message being answered must still be "received" (locked here); if one is not,
 * another turn answered it and nothing at all is written (null). The conversation row is locked
 * before the messages, in the order ingest and erasure take them, so they cannot deadlock. One statement is atomic on its
 * own; inside a transaction (handoffs, flags) it is part of that transaction.
 */
export async function saveReplyStatement(sql: Sql, input: SaveReplyInput): Promise<{ replyId: string; outboxId: string } | null> {
  const replyId = randomUUID();
  const outboxId = randomUUID();
  const at = new Date();
  const ids = [...input.answeredIds];
  const s = input.stats;
  const [row] = await sql.$queryRaw<{ ok: boolean }[]>`
    with conversation_lock as (
      select id from "Conversation" where id = ${input.conversationId}::uuid for no key update
    ), locked as (
      select m.id from "Message" m
      where m.id = any(${ids}::uuid[]) and m."conversationId" = ${input.conversationId}::uuid and m.status = 'received'
        and exists (select 1 from conversation_lock)
      for update of m
    ), fence as (
      select count(*) = ${ids.length} as ok from locked
    ), reply as (
      insert into "Message" (id, "businessId", "conversationId", "channelId", direction, kind, text, status, "createdAt", "updatedAt")
      select ${replyId}::uuid, ${input.businessId}::uuid, ${input.conversationId}::uuid, ${input.channelId}::uuid, 'outbound', 'text', ${input.text}, 'pending', ${at}::timestamp(3), ${at}::timestamp(3)
      from fence where ok
      returning id
    ), answered as (
      update "Message" set status = 'answered', "replyId" = ${replyId}::uuid, "updatedAt" = ${at}::timestamp(3)
      where id in (select id from locked) and (select ok from fence)
    ), outbox as (
      insert into "OutboxEntry" (id, "messageId", status, attempts, "createdAt", "updatedAt")
      select ${outboxId}::uuid, id, 'pending', 0, ${at}::timestamp(3), ${at}::timestamp(3) from reply
    ), turn as (
      insert into "Turn" (id, "businessId", "conversationId", "replyId", worker, "answeredCount", "promptTokens", "evaluatedTokens", "generatedTokens", "startedAt", "generationStartedAt", "generationEndedAt", "createdAt")
      select ${randomUUID()}::uuid, ${input.businessId}::uuid, ${input.conversationId}::uuid, id, ${s.worker}, ${ids.length}, ${s.promptTokens}, ${s.evaluatedTokens}, ${s.generatedTokens},
        ${s.startedAt}::timestamp(3), ${s.generationStartedAt}::timestamp(3), ${s.generationEndedAt}::timestamp(3), ${at}::timestamp(3)
      from reply
    ), conversation as (
      update "Conversation"
      set "historyStartSeq" = greatest("historyStartSeq", ${input.historyStartSeq}::bigint),
          "awaySentAt" = coalesce(${input.awaySentAt ?? null}::timestamp(3), "awaySentAt"),
          "waitingUntil" = null
      where id = ${input.conversationId}::uuid and (select ok from fence)
    )
    select ok from fence`;
  return row?.ok ? { replyId, outboxId } : null;
}
