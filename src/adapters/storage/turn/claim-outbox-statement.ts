import type { ChannelKind } from "../../../domain/inbound-message.js";
import type { ClaimedDelivery } from "../../../ports/outbox-store.js";
import type { Db } from "../create-db.js";

interface ClaimRow {
  businessId: string;
  attempts: number;
  partsSent: number;
  platformMessageIds: string[] | null;
  readMarked: boolean;
  messageId: string;
  text: string;
  conversationId: string;
  channelId: string;
  channelKind: ChannelKind;
  platformAccountId: string;
  credentialsRef: string | null;
  recipientId: string;
  inboundPlatformMessageId: string | null;
  lastInboundAt: Date | null;
}

/**
 * Moves a pending entry to sending and reads what to send, in one statement (one round trip
 * between the stored reply and the adapter's send). Not while an earlier reply of the same
 * conversation is still pending or sending (put back for a retry, or being sent): the customer
 * must get them in order ("waiting"). No row otherwise: not pending, or erased meanwhile.
 */
export async function claimOutboxStatement(db: Db, outboxId: string): Promise<ClaimedDelivery | "waiting" | null> {
  const [row] = await db.$queryRaw<ClaimRow[]>`
    with claimed as (
      update "OutboxEntry" o set status = 'sending', attempts = o.attempts + 1, "updatedAt" = ${new Date()}::timestamp(3)
      where o.id = ${outboxId}::uuid and o.status = 'pending'
        and not exists (
          select 1 from "Message" mine
          join "Message" earlier on earlier."conversationId" = mine."conversationId" and earlier.direction = 'outbound' and earlier.seq < mine.seq
          join "OutboxEntry" e on e."messageId" = earlier.id and e.status in ('pending', 'sending')
          where mine.id = o."messageId"
        )
      returning o.attempts, o."messageId", o."partsSent", o."platformMessageIds", o."readMarked"
    )
    select c.attempts, c."partsSent", c."platformMessageIds", c."readMarked", m."businessId", m.id as "messageId", m.text, m."conversationId",
      ch.id as "channelId", ch.kind::text as "channelKind", ch."platformAccountId", ch."credentialsRef",
      ct."platformUserId" as "recipientId",
      answered."platformMessageId" as "inboundPlatformMessageId", li."createdAt" as "lastInboundAt"
    from claimed c
    join "Message" m on m.id = c."messageId"
    join "Channel" ch on ch.id = m."channelId"
    join "Conversation" cv on cv.id = m."conversationId"
    join "Contact" ct on ct.id = cv."contactId"
    left join lateral (
      select i."createdAt" from "Message" i
      where i."conversationId" = m."conversationId" and i.direction = 'inbound'
      order by i.seq desc limit 1
    ) li on true
    -- The newest message this reply answers (the one it marks read), not a newer one that the next reply answers.
    left join lateral (
      select a."platformMessageId" from "Message" a
      where a."conversationId" = m."conversationId" and a.direction = 'inbound' and a.seq < m.seq and a."replyId" = m.id
      order by a.seq desc limit 1
    ) answered on true`;
  if (!row) {
    // Still pending after the claim found nothing: an earlier reply goes first.
    const entry = await db.outboxEntry.findUnique({ where: { id: outboxId }, select: { status: true } });
    return entry?.status === "pending" ? "waiting" : null;
  }
  return {
    outboxId,
    attempt: row.attempts,
    ...(row.partsSent > 0 ? { partsSent: row.partsSent } : {}),
    sentPlatformMessageIds: row.platformMessageIds ?? [],
    readMarked: row.readMarked,
    ...(row.inboundPlatformMessageId ? { inboundPlatformMessageId: row.inboundPlatformMessageId } : {}),
    ...(row.lastInboundAt ? { lastInboundAt: row.lastInboundAt } : {}),
    channel: { id: row.channelId, kind: row.channelKind, platformAccountId: row.platformAccountId, credentialsRef: row.credentialsRef },
    businessId: row.businessId,
    conversationId: row.conversationId,
    recipientId: row.recipientId,
    messageId: row.messageId,
    text: row.text,
  };
}
