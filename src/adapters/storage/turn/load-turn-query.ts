import { readBusinessSettings } from "../../../domain/business-settings.js";
import type { ChannelKind } from "../../../domain/inbound-message.js";
import { readStoredPersona } from "../../../domain/personas/stored-persona.js";
import type { HistoryMessage, TurnContext } from "../../../ports/turn-store.js";
import type { Db } from "../create-db.js";

// The turn's read in two statements sent side by side (one round trip of waiting), instead of six
// Prisma calls in two rounds: this runs before every generation, on the path bench section 4 times.

interface ConversationRow {
  businessId: string;
  agentPaused: boolean;
  pausedUntil: Date | null;
  awaySentAt: Date | null;
  tryIt: string | null;
  timezone: string;
  openingHours: unknown;
  outsideHours: "answer" | "away";
  awayMessage: string | null;
  settings: unknown;
  recipientId: string;
  channelId: string;
  channelKind: ChannelKind;
  platformAccountId: string;
  credentialsRef: string | null;
  personaVersionId: string | null;
  personaVersion: number | null;
  personaSettings: unknown;
  personaVoice: string | null;
  personaDraftReason: string | null;
  lastDay: bigint;
  lastMinute: bigint;
  addressDay: bigint | null;
  addressMinute: bigint | null;
  replied: boolean;
  knowledgeCount: bigint;
  knowledgeUpdatedAt: Date | null;
}

/**
 * The persona is the channel's own (none when it has no active version: the turn then fails
 * closed, it never borrows another persona's rules), else, for a channel without one, the
 * business's oldest persona with an active version (as seeded). Activity counts use the caller's
 * clock, like the guardrails do.
 */
function conversationRow(db: Db, conversationId: string, now: number): Promise<ConversationRow[]> {
  const dayAgo = new Date(now - 86_400_000);
  const minuteAgo = new Date(now - 60_000);
  return db.$queryRaw<ConversationRow[]>`
    select c."businessId", c."agentPaused", c."pausedUntil", c."awaySentAt", c."tryIt",
      b.timezone, b."openingHours", b."outsideHours"::text as "outsideHours", b."awayMessage", b.settings,
      ct."platformUserId" as "recipientId",
      ch.id as "channelId", ch.kind::text as "channelKind", ch."platformAccountId", ch."credentialsRef",
      pv.id as "personaVersionId", pv.version as "personaVersion", pv.settings as "personaSettings", pv.voice as "personaVoice", pv."draftReason" as "personaDraftReason",
      (select count(*) from "Message" m where m."conversationId" = c.id and m.direction = 'inbound' and m."createdAt" >= ${dayAgo}::timestamp(3)) as "lastDay",
      (select count(*) from "Message" m where m."conversationId" = c.id and m.direction = 'inbound' and m."createdAt" >= ${minuteAgo}::timestamp(3)) as "lastMinute",
      (select count(*) from "Message" m where m."channelId" = c."channelId" and m."senderKey" = sk.key and m.direction = 'inbound' and m."createdAt" >= ${dayAgo}::timestamp(3)) as "addressDay",
      (select count(*) from "Message" m where m."channelId" = c."channelId" and m."senderKey" = sk.key and m.direction = 'inbound' and m."createdAt" >= ${minuteAgo}::timestamp(3)) as "addressMinute",
      exists (select 1 from "Message" m where m."conversationId" = c.id and m.direction = 'outbound' and m.status <> 'failed') as "replied",
      (select count(*) from "KnowledgeEntry" k where k."businessId" = c."businessId") as "knowledgeCount",
      (select max(k."updatedAt") from "KnowledgeEntry" k where k."businessId" = c."businessId") as "knowledgeUpdatedAt"
    from "Conversation" c
    join "Business" b on b.id = c."businessId"
    join "Contact" ct on ct.id = c."contactId"
    join "Channel" ch on ch.id = c."channelId"
    -- Web chat: the sender key (a pseudonym of the visitor's address) of the newest message.
    left join lateral (
      select m."senderKey" as key from "Message" m
      where ch.kind = 'webchat' and m."conversationId" = c.id and m.direction = 'inbound' and m."senderKey" is not null
      order by m.seq desc limit 1
    ) sk on true
    left join lateral (
      select v.id, v.version, v.settings, v.voice, v."draftReason"
      from "Persona" p join "PersonaVersion" v on v.id = p."activeVersionId"
      where p."businessId" = c."businessId" and (ch."personaId" is null or p.id = ch."personaId")
      order by p."createdAt" asc, p.id asc
      limit 1
    ) pv on true
    where c.id = ${conversationId}::uuid`;
}

/** Answered and pending customer messages and every reply not failed, from the history start. */
function historyRows(db: Db, conversationId: string): Promise<HistoryMessage[]> {
  return db.$queryRaw<HistoryMessage[]>`
    select id, seq, direction::text as direction, text, status::text as status, "createdAt", "replyId", kind
    from "Message"
    where "conversationId" = ${conversationId}::uuid
      and seq >= (select "historyStartSeq" from "Conversation" where id = ${conversationId}::uuid)
      and ((direction = 'inbound' and status in ('received', 'answered')) or (direction = 'outbound' and status <> 'failed'))
    order by seq`;
}

export async function loadTurnContext(db: Db, conversationId: string, now = Date.now()): Promise<TurnContext | null> {
  const [[row], history] = await Promise.all([conversationRow(db, conversationId, now), historyRows(db, conversationId)]);
  if (!row) return null;
  return {
    conversationId,
    businessId: row.businessId,
    agentPaused: row.agentPaused,
    pausedUntil: row.pausedUntil,
    business: { timezone: row.timezone, openingHours: row.openingHours, outsideHours: row.outsideHours, awayMessage: row.awayMessage },
    settings: readBusinessSettings(row.settings),
    awaySentAt: row.awaySentAt,
    tryIt: row.tryIt === "open" || row.tryIt === "hours" ? row.tryIt : null,
    channel: { id: row.channelId, kind: row.channelKind, platformAccountId: row.platformAccountId, credentialsRef: row.credentialsRef },
    recipientId: row.recipientId,
    persona: readStoredPersona(
      row.personaVersionId === null
        ? null
        : {
            versionId: row.personaVersionId,
            version: row.personaVersion!,
            settings: row.personaSettings,
            voice: row.personaVoice,
            draftReason: row.personaDraftReason,
          },
    ),
    activity: {
      lastDay: Number(row.lastDay),
      lastMinute: Number(row.lastMinute),
      noReplyYet: !row.replied,
      ...(row.addressDay !== null && row.addressMinute !== null && Number(row.addressDay) > 0
        ? { address: { lastDay: Number(row.addressDay), lastMinute: Number(row.addressMinute) } }
        : {}),
    },
    knowledge: { count: Number(row.knowledgeCount), latestUpdate: row.knowledgeUpdatedAt },
    history,
    pendingIds: history.filter((m) => m.direction === "inbound" && m.status === "received").map((m) => m.id),
  };
}
