import type { ChannelKind, InboundMessage } from "../../../domain/inbound-message.js";
import type { ChannelRef, InboundStore, StoredInbound } from "../../../ports/inbound-store.js";
import type { Db } from "../create-db.js";
import { withDatabase } from "../db-unavailable.js";

export class InboundRepository implements InboundStore {
  constructor(private readonly db: Db) {}

  findChannel(kind: ChannelKind, platformAccountId: string): Promise<ChannelRef | null> {
    return withDatabase(() =>
      this.db.channel.findUnique({
        where: { kind_platformAccountId: { kind, platformAccountId } },
        select: { id: true, businessId: true, kind: true, platformAccountId: true, enabled: true },
      }),
    );
  }

  storeInbound(channel: ChannelRef, message: InboundMessage): Promise<StoredInbound> {
    return withDatabase(async () => {
      const existing = await this.findExisting(channel.id, message.platformMessageId);
      if (existing) return existing;
      // Each statement is idempotent, so no transaction is needed: a crash in between leaves a
      // contact or conversation without the message, and the client's retry completes it.
      const contact = await this.db.contact.upsert({
        where: { channelId_platformUserId: { channelId: channel.id, platformUserId: message.senderId } },
        create: { businessId: channel.businessId, channelId: channel.id, platformUserId: message.senderId, displayName: message.senderName ?? null },
        update: {},
        select: { id: true },
      });
      const conversation = await this.db.conversation.upsert({
        where: { channelId_contactId: { channelId: channel.id, contactId: contact.id } },
        create: { businessId: channel.businessId, channelId: channel.id, contactId: contact.id, lastMessageAt: message.sentAt },
        update: { lastMessageAt: new Date() },
        select: { id: true },
      });
      const created = await this.db.message.createManyAndReturn({
        data: [
          {
            businessId: channel.businessId,
            conversationId: conversation.id,
            channelId: channel.id,
            direction: "inbound",
            kind: message.kind,
            text: message.text,
            platformMessageId: message.platformMessageId,
            status: "received",
            senderKey: message.senderKey ?? null,
          },
        ],
        skipDuplicates: true,
        select: { id: true },
      });
      const id = created[0]?.id;
      if (id) return { messageId: id, conversationId: conversation.id, businessId: channel.businessId, duplicate: false, answered: false };
      // Lost a race with a concurrent delivery of the same message.
      const raced = await this.findExisting(channel.id, message.platformMessageId);
      if (!raced) throw new Error("message vanished after a duplicate insert");
      return raced;
    });
  }

  private async findExisting(channelId: string, platformMessageId: string): Promise<StoredInbound | null> {
    const row = await this.db.message.findUnique({
      where: { channelId_platformMessageId: { channelId, platformMessageId } },
      select: { id: true, conversationId: true, businessId: true, status: true },
    });
    if (!row) return null;
    return {
      messageId: row.id,
      conversationId: row.conversationId,
      businessId: row.businessId,
      duplicate: true,
      answered: row.status !== "received",
    };
  }
}
