import type { ChannelKind } from "../domain/inbound-message.js";
import type { ClaimedDelivery } from "../ports/outbox-store.js";
import type { Db } from "./create-db.js";

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
 * between the stored reply and the adapter's send). No row: not pending, or erased meanwhile.
 */
export async function claimOutboxStatement(db: Db, outboxId: string): Promise<ClaimedDelivery | null> {
  const [row] = await db.$queryRaw<ClaimRow[]>`
    with claimed as (
      update "OutboxEntry" set status = 'sending', attempts = attempts + 1, "updatedAt" = ${new Date()}::timestamp(3)
      where id = ${outboxId}::uuid and status = 'pending'
      returning attempts, "messageId", "partsSent", "platformMessageIds", "readMarked"
    )
    select c.attempts, c."partsSent", c."platformMessageIds", c."readMarked", m."businessId", m.id as "messageId", m.text, m."conversationId",
      ch.id as "channelId", ch.kind::text as "channelKind", ch."platformAccountId", ch."credentialsRef",
      ct."platformUserId" as "recipientId",
      li."platformMessageId" as "inboundPlatformMessageId", li."createdAt" as "lastInboundAt"
    from claimed c
    join "Message" m on m.id = c."messageId"
    join "Channel" ch on ch.id = m."channelId"
    join "Conversation" cv on cv.id = m."conversationId"
    join "Contact" ct on ct.id = cv."contactId"
    left join lateral (
      select i."platformMessageId", i."createdAt" from "Message" i
      where i."conversationId" = m."conversationId" and i.direction = 'inbound'
      order by i.seq desc limit 1
    ) li on true`;
  if (!row) return null;
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
