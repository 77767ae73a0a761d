import type { InboundMessage } from "../../../domain/inbound-message.js";
import type { BatchStoreResult } from "../../../ports/inbound-store.js";
import type { Db } from "../create-db.js";

interface Row {
  ord: bigint | number;
  message_id: string | null;
  conversation_id: string | null;
  business_id: string | null;
  duplicate: boolean | null;
  answered: boolean | null;
  has_channel: boolean;
}

/**
 * Stores many inbound messages with ONE SQL statement (one round trip): finds each message's
 * enabled channel, skips platform message ids already stored (reporting them as duplicates),
 * upserts contacts and conversations, inserts the new messages in arrival order (their `seq`
 * follows `ord`), all idempotent like the one-by-one path. Messages must have distinct
 * (channel, platform message id) pairs: the caller folds duplicates inside a batch.
 */
export async function storeInboundBatch(db: Db, messages: readonly InboundMessage[]): Promise<BatchStoreResult[]> {
  if (messages.length === 0) return [];
  const col = <T>(pick: (m: InboundMessage) => T) => messages.map(pick);
  const rows = await db.$queryRaw<Row[]>`
    with input as (
      select * from unnest(
        ${col((m) => m.channelKind)}::text[], ${col((m) => m.platformAccountId)}::text[], ${col((m) => m.platformMessageId)}::text[],
        ${col((m) => m.senderId)}::text[], ${col((m) => m.senderName ?? null)}::text[], ${col((m) => m.sentAt.toISOString())}::timestamptz[],
        ${col((m) => m.kind)}::text[], ${col((m) => m.text)}::text[], ${col((m) => m.senderKey ?? null)}::text[]
      ) with ordinality as i(channel_kind, account, pmid, sender, sender_name, sent_at, kind, text, sender_key, ord)
    ), routed as (
      select i.*, ch.id as channel_id, ch."businessId" as business_id
      from input i join "Channel" ch on ch.kind::text = i.channel_kind and ch."platformAccountId" = i.account and ch.enabled
    ), existing as (
      select r.ord, m.id, m."conversationId", m."businessId", m.status
      from routed r join "Message" m on m."channelId" = r.channel_id and m."platformMessageId" = r.pmid
    ), fresh as (
      select r.* from routed r where not exists (select 1 from existing e where e.ord = r.ord)
    ), contact_new as (
      insert into "Contact" (id, "businessId", "channelId", "platformUserId", "displayName")
      select distinct on (channel_id, sender) gen_random_uuid(), business_id, channel_id, sender, sender_name
      from fresh order by channel_id, sender, ord
      on conflict ("channelId", "platformUserId") do nothing
      returning id, "channelId", "platformUserId"
    ), contact as (
      select id, "channelId", "platformUserId" from contact_new
      union all
      select c.id, c."channelId", c."platformUserId" from "Contact" c
      where exists (select 1 from fresh f where f.channel_id = c."channelId" and f.sender = c."platformUserId")
    ), conversation as (
      insert into "Conversation" (id, "businessId", "channelId", "contactId", "lastMessageAt")
      select distinct on (c.id) gen_random_uuid(), f.business_id, f.channel_id, c.id, f.sent_at at time zone 'UTC'
      from fresh f join contact c on c."channelId" = f.channel_id and c."platformUserId" = f.sender
      order by c.id, f.ord
      on conflict ("channelId", "contactId") do update set "lastMessageAt" = now() at time zone 'UTC'
      returning id, "contactId"
    ), inserted as (
      insert into "Message" (id, "businessId", "conversationId", "channelId", direction, kind, text, "platformMessageId", status, "senderKey", "updatedAt")
      select gen_random_uuid(), f.business_id, v.id, f.channel_id, 'inbound'::"MessageDirection", f.kind, f.text, f.pmid, 'received'::"MessageStatus", f.sender_key, now() at time zone 'UTC'
      from fresh f
      join contact c on c."channelId" = f.channel_id and c."platformUserId" = f.sender
      join conversation v on v."contactId" = c.id
      order by f.ord
      on conflict ("channelId", "platformMessageId") do nothing
      returning id, "conversationId", "businessId", "channelId", "platformMessageId"
    )
    select i.ord,
      coalesce(n.id, e.id)::text as message_id,
      coalesce(n."conversationId", e."conversationId")::text as conversation_id,
      coalesce(n."businessId", e."businessId")::text as business_id,
      case when n.id is not null then false when e.id is not null then true end as duplicate,
      case when n.id is not null then false when e.id is not null then e.status <> 'received' end as answered,
      r.ord is not null as has_channel
    from input i
    left join routed r on r.ord = i.ord
    left join inserted n on n."channelId" = r.channel_id and n."platformMessageId" = r.pmid
    left join existing e on e.ord = i.ord
    order by i.ord`;
  if (rows.length !== messages.length) throw new Error(`the batch statement answered ${rows.length} rows for ${messages.length} messages`);
  return rows.map((row): BatchStoreResult => {
    if (!row.has_channel) return { outcome: "noChannel" };
    if (row.message_id === null || row.conversation_id === null || row.business_id === null) return { outcome: "unsettled" };
    return {
      outcome: "stored",
      stored: {
        messageId: row.message_id,
        conversationId: row.conversation_id,
        businessId: row.business_id,
        duplicate: row.duplicate === true,
        answered: row.answered === true,
      },
    };
  });
}
