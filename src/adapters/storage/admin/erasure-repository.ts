import type { ChannelKind } from "../../../domain/inbound-message.js";
import type { ContactSubject, ErasureRecord, ErasureSource, ErasureStore } from "../../../ports/erasure-store.js";
import type { WorkIds } from "../../../ports/queued-work.js";
import type { Db } from "../create-db.js";
import { withDatabase } from "../db-unavailable.js";
import { Prisma } from "../generated/client.js";

type Tx = Pick<Db, "conversation" | "message" | "outboxEntry">;

const subject = { id: true, businessId: true, platformUserId: true, channel: { select: { kind: true } } } as const;
const toSubject = (c: { id: string; businessId: string; platformUserId: string; channel: { kind: ChannelKind } }): ContactSubject => ({
  id: c.id,
  businessId: c.businessId,
  channelKind: c.channel.kind,
  platformUserId: c.platformUserId,
});

export class ErasureRepository implements ErasureStore {
  constructor(private readonly db: Db) {}

  async findContact(businessId: string, contactId: string): Promise<ContactSubject | null> {
    const found = await withDatabase(() => this.db.contact.findFirst({ where: { id: contactId, businessId }, select: subject }));
    return found ? toSubject(found) : null;
  }

  async findContactsByPlatformUser(kinds: readonly ChannelKind[], platformUserId: string): Promise<ContactSubject[]> {
    const found = await withDatabase(() =>
      this.db.contact.findMany({ where: { platformUserId, channel: { kind: { in: [...kinds] } } }, select: subject }),
    );
    return found.map(toSubject);
  }

  workOf(contactIds: readonly string[]): Promise<WorkIds> {
    return withDatabase(() => workOf(this.db, contactIds));
  }

  deleteContacts(contactIds: readonly string[]): Promise<{ erasedMessages: number; work: WorkIds }> {
    const ids = [...contactIds];
    if (ids.length === 0) return Promise.resolve({ erasedMessages: 0, work: { conversationIds: [], messageIds: [], outboxIds: [] } });
    return withDatabase(() =>
      this.db.$transaction(async (tx) => {
        // FOR UPDATE conflicts with the key-share lock a reply insert takes on its conversation: a turn
        // storing its reply right now commits first (and is deleted with the rest); later ones fail
        // their foreign key and store nothing.
        await tx.$queryRaw`SELECT id FROM "Conversation" WHERE "contactId" IN (${Prisma.join(ids.map((id) => Prisma.sql`${id}::uuid`))}) FOR UPDATE`;
        const work = await workOf(tx, ids);
        const erasedMessages = await tx.message.count({ where: { conversation: { contactId: { in: ids } } } });
        await tx.contact.deleteMany({ where: { id: { in: ids } } });
        return { erasedMessages, work };
      }),
    );
  }

  async begin(request: { confirmationCode: string; source: ErasureSource; subjectHash: string | null }): Promise<void> {
    await withDatabase(() => this.db.erasureRequest.create({ data: { ...request, status: "pending" } }));
  }

  async complete(confirmationCode: string, erasedMessages: number): Promise<void> {
    await withDatabase(() =>
      this.db.erasureRequest.update({ where: { confirmationCode }, data: { status: "completed", erasedMessages, completedAt: new Date() } }),
    );
  }

  async fail(confirmationCode: string, error: string): Promise<void> {
    await withDatabase(() => this.db.erasureRequest.update({ where: { confirmationCode }, data: { status: "failed", error: error.slice(0, 500) } }));
  }

  async find(confirmationCode: string): Promise<ErasureRecord | null> {
    const row = await withDatabase(() =>
      this.db.erasureRequest.findUnique({
        where: { confirmationCode },
        select: { confirmationCode: true, source: true, status: true, erasedMessages: true, createdAt: true, completedAt: true },
      }),
    );
    return row ? { ...row, source: row.source as ErasureSource } : null;
  }
}

async function workOf(db: Tx, contactIds: readonly string[]): Promise<WorkIds> {
  const ids = [...contactIds];
  const [conversations, inbound, outbox] = await Promise.all([
    db.conversation.findMany({ where: { contactId: { in: ids } }, select: { id: true } }),
    // Turn jobs are named after the inbound message they answer.
    db.message.findMany({ where: { direction: "inbound", conversation: { contactId: { in: ids } } }, select: { id: true } }),
    db.outboxEntry.findMany({ where: { message: { conversation: { contactId: { in: ids } } } }, select: { id: true } }),
  ]);
  return { conversationIds: conversations.map((c) => c.id), messageIds: inbound.map((m) => m.id), outboxIds: outbox.map((o) => o.id) };
}
