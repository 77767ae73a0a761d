import pg from "pg";

export interface ScaleShape {
  readonly businesses: number;
  /** Contacts per channel; every business has a web chat and a WhatsApp Cloud channel. */
  readonly contactsPerChannel: number;
  /** Question-and-reply pairs per conversation (two messages each). */
  readonly pairsPerConversation: number;
}

/** The shape for about `messages` messages: 500 businesses and 50k contacts at 1M, scaled down in proportion below it. */
export function shapeFor(messages: number): ScaleShape {
  if (messages <= 0) return { businesses: 0, contactsPerChannel: 0, pairsPerConversation: 0 };
  const businesses = Math.max(1, Math.round((500 * messages) / 1_000_000));
  const contacts = Math.max(2, Math.round((50_000 * messages) / 1_000_000));
  const contactsPerChannel = Math.max(1, Math.round(contacts / businesses / 2));
  const pairsPerConversation = Math.max(1, Math.round(messages / (businesses * 2 * contactsPerChannel) / 2));
  return { businesses, contactsPerChannel, pairsPerConversation };
}

/**
 * Fills a migrated database with background traffic in a few set-based statements (generate_series,
 * not row by row): businesses with a web chat and a WhatsApp Cloud channel, contacts with one
 * conversation each, answered questions and sent replies spread over 30 days (replyId set, web chat
 * questions with a sender key), and a turn record for every tenth reply, some of them in the last
 * five minutes. Returns how many messages it wrote.
 */
export async function seedScale(databaseUrl: string, shape: ScaleShape): Promise<{ messages: number; contacts: number; ms: number }> {
  const started = Date.now();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    if (shape.businesses === 0) return { messages: 0, contacts: 0, ms: 0 };
    await client.query("begin");
    await client.query(
      `insert into "Business" (id, slug, name) select gen_random_uuid(), 'scale-' || i, 'Scale ' || i from generate_series(1, $1::int) i`,
      [shape.businesses],
    );
    await client.query(`
      insert into "Channel" (id, "businessId", kind, "platformAccountId", name)
      select gen_random_uuid(), b.id, k.kind::"ChannelKind", k.prefix || b.slug, k.kind
      from "Business" b cross join (values ('webchat', ''), ('whatsapp_cloud', 'pn-')) k(kind, prefix)
      where b.slug like 'scale-%'`);
    await client.query(
      `insert into "Contact" (id, "businessId", "channelId", "platformUserId", "createdAt")
       select gen_random_uuid(), ch."businessId", ch.id, ch.kind || '-' || ch."platformAccountId" || '-' || j, now() - interval '30 days'
       from "Channel" ch cross join generate_series(1, $1::int) j
       where ch."platformAccountId" like '%scale-%'`,
      [shape.contactsPerChannel],
    );
    await client.query(`
      insert into "Conversation" (id, "businessId", "channelId", "contactId", "lastMessageAt", "createdAt")
      select gen_random_uuid(), ct."businessId", ct."channelId", ct.id, now() - random() * interval '30 days', now() - interval '30 days'
      from "Contact" ct where ct."platformUserId" like '%scale-%'`);
    await client.query(
      `create temp table pair on commit drop as
       select c.id as conversation_id, c."businessId" as business_id, c."channelId" as channel_id, ch.kind as kind, c."contactId" as contact_id,
         k, gen_random_uuid() as question_id, gen_random_uuid() as reply_id,
         c."lastMessageAt" - (($1::int - k) * interval '7 minutes') as at
       from "Conversation" c join "Channel" ch on ch.id = c."channelId" cross join generate_series(1, $1::int) k
       where ch."platformAccountId" like '%scale-%'`,
      [shape.pairsPerConversation],
    );
    await client.query(`
      insert into "Message" (id, "businessId", "conversationId", "channelId", direction, text, status, "createdAt", "updatedAt")
      select reply_id, business_id, conversation_id, channel_id, 'outbound', 'Thanks for asking! We open at 8 and close at 18.', 'sent', at + interval '2 seconds', at + interval '3 seconds'
      from pair`);
    await client.query(`
      insert into "Message" (id, "businessId", "conversationId", "channelId", direction, text, "platformMessageId", status, "replyId", "senderKey", "createdAt", "updatedAt")
      select question_id, business_id, conversation_id, channel_id, 'inbound', 'Hello, are you open on Sunday? ' || k, 'pm-' || question_id, 'answered', reply_id,
        case when kind = 'webchat' then md5(contact_id::text) end, at, at + interval '2 seconds'
      from pair`);
    await client.query(`
      insert into "Turn" (id, "businessId", "conversationId", "replyId", worker, "answeredCount", "promptTokens", "evaluatedTokens", "generatedTokens", "startedAt", "generationStartedAt", "generationEndedAt", "createdAt")
      select gen_random_uuid(), business_id, conversation_id, reply_id, 'bench', 1, 900, 40, 30, at, at + interval '100 milliseconds', at + interval '1900 milliseconds', at + interval '2 seconds'
      from pair where k % 10 = 0`);
    // All of them older than /metrics' five-minute window: the recent traffic is the fixtures' (seedRecentTurns), the same before and after.
    await client.query(`update "Turn" set "createdAt" = least("createdAt", now() - interval '10 minutes') where worker = 'bench'`);
    const { rows } = await client.query<{ messages: string; contacts: string }>(
      `select (select count(*) from pair) * 2 as messages, (select count(*) from "Contact" where "platformUserId" like '%scale-%') as contacts`,
    );
    await client.query("commit");
    // As a database that has been running: rows frozen and hint bits set (the first read of a freshly
    // loaded page writes it), statistics current, and nothing left for autovacuum or a checkpoint to
    // do while the operations are timed.
    await client.query("vacuum (freeze, analyze)");
    await client.query("checkpoint");
    return { messages: Number(rows[0]!.messages), contacts: Number(rows[0]!.contacts), ms: Date.now() - started };
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/** A web chat contact with `messages` messages (half questions, half replies) in one conversation: the subject of an erase. */
export async function seedHeavyContact(databaseUrl: string, channelId: string, messages: number): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `with ch as (select id, "businessId" from "Channel" where id = $1::uuid),
       ct as (insert into "Contact" (id, "businessId", "channelId", "platformUserId") select gen_random_uuid(), "businessId", id, 'heavy-' || gen_random_uuid() from ch returning id, "businessId", "channelId"),
       cv as (insert into "Conversation" (id, "businessId", "channelId", "contactId") select gen_random_uuid(), "businessId", "channelId", id from ct returning id, "businessId", "channelId"),
       replies as (
         insert into "Message" (id, "businessId", "conversationId", "channelId", direction, text, status, "updatedAt")
         select gen_random_uuid(), cv."businessId", cv.id, cv."channelId", 'outbound', 'reply ' || k, 'sent', now() from cv cross join generate_series(1, $2::int) k
         returning id, "businessId", "conversationId", "channelId"
       ),
       questions as (
         insert into "Message" (id, "businessId", "conversationId", "channelId", direction, text, status, "replyId", "updatedAt")
         select gen_random_uuid(), "businessId", "conversationId", "channelId", 'inbound', 'question', 'answered', id, now() from replies
       )
       select id from ct`,
      [channelId, Math.floor(messages / 2)],
    );
    return rows[0]!.id;
  } finally {
    await client.end();
  }
}

/** `turns` answered questions with their turn records in the last five minutes, in one web chat conversation: what /metrics reads on a busy system. */
export async function seedRecentTurns(databaseUrl: string, channelId: string, turns: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `with ch as (select id, "businessId" from "Channel" where id = $1::uuid),
       ct as (insert into "Contact" (id, "businessId", "channelId", "platformUserId") select gen_random_uuid(), "businessId", id, 'recent-' || gen_random_uuid() from ch returning id, "businessId", "channelId"),
       cv as (insert into "Conversation" (id, "businessId", "channelId", "contactId") select gen_random_uuid(), "businessId", "channelId", id from ct returning id, "businessId", "channelId"),
       p as (select cv.*, k, gen_random_uuid() as reply_id, now() - random() * interval '4 minutes' as at from cv cross join generate_series(1, $2::int) k),
       replies as (
         insert into "Message" (id, "businessId", "conversationId", "channelId", direction, text, status, "createdAt", "updatedAt")
         select reply_id, "businessId", id, "channelId", 'outbound', 'reply', 'sent', at + interval '2 seconds', at + interval '2 seconds' from p
       ),
       questions as (
         insert into "Message" (id, "businessId", "conversationId", "channelId", direction, text, status, "replyId", "createdAt", "updatedAt")
         select gen_random_uuid(), "businessId", id, "channelId", 'inbound', 'question', 'answered', reply_id, at, at from p
       )
       insert into "Turn" (id, "businessId", "conversationId", "replyId", worker, "answeredCount", "promptTokens", "evaluatedTokens", "generatedTokens", "startedAt", "generationStartedAt", "generationEndedAt", "createdAt")
       select gen_random_uuid(), "businessId", id, reply_id, 'bench-recent', 1, 900, 40, 30, at + interval '100 milliseconds', at + interval '200 milliseconds', at + interval '1900 milliseconds', at + interval '2 seconds' from p`,
      [channelId, turns],
    );
  } finally {
    await client.end();
  }
}
