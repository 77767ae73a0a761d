import { readBusinessSettings } from "../../../domain/business-settings.js";
import type { ChannelKind } from "../../../domain/inbound-message.js";
import type { OwnerMessage } from "../../../domain/owner-message.js";
import type { ChannelRef } from "../../../ports/inbound-store.js";
import type { OwnerMessageStore, StoredOwnerMessage } from "../../../ports/owner-message-store.js";
import type { Db } from "../create-db.js";
import { withDatabase } from "../db-unavailable.js";
import { InboundRepository } from "../ingest/inbound-repository.js";

export const OWNER_PHONE = "owner_phone";

export class OwnerMessageRepository implements OwnerMessageStore {
  private readonly channels: InboundRepository;

  constructor(private readonly db: Db) {
    this.channels = new InboundRepository(db);
  }

  findChannel(kind: ChannelKind, platformAccountId: string): Promise<ChannelRef | null> {
    return this.channels.findChannel(kind, platformAccountId);
  }

  async ownerQuietMs(businessId: string): Promise<number> {
    const row = await withDatabase(() => this.db.business.findUnique({ where: { id: businessId }, select: { settings: true } }));
    return Math.round(readBusinessSettings(row?.settings).ownerQuietMinutes * 60_000);
  }

  storeOwnerMessage(channel: ChannelRef, message: OwnerMessage, pausedUntil: Date): Promise<StoredOwnerMessage> {
    return withDatabase(() =>
      this.db.$transaction(async (tx) => {
        const existing = await tx.message.findUnique({
          where: { channelId_platformMessageId: { channelId: channel.id, platformMessageId: message.platformMessageId } },
          select: { id: true, conversationId: true },
        });
        if (existing)
          return {
            messageId: existing.id,
            conversationId: existing.conversationId,
            businessId: channel.businessId,
            duplicate: true,
            answeredCount: 0,
            paused: false,
          };
        const contact = await tx.contact.upsert({
          where: { channelId_platformUserId: { channelId: channel.id, platformUserId: message.recipientId } },
          create: { businessId: channel.businessId, channelId: channel.id, platformUserId: message.recipientId },
          update: {},
          select: { id: true },
        });
        const now = new Date();
        const conversation = await tx.conversation.upsert({
          where: { channelId_contactId: { channelId: channel.id, contactId: contact.id } },
          create: { businessId: channel.businessId, channelId: channel.id, contactId: contact.id, lastMessageAt: now },
          update: { lastMessageAt: now },
          select: { id: true },
        });
        const created = await tx.message.createManyAndReturn({
          data: [
            {
              businessId: channel.businessId,
              conversationId: conversation.id,
              channelId: channel.id,
              direction: "outbound",
              kind: message.kind,
              text: message.text,
              platformMessageId: message.platformMessageId,
              // It left from the phone already; no outbox entry, nothing to send.
              status: "sent",
            },
          ],
          skipDuplicates: true,
          select: { id: true, seq: true },
        });
        const row = created[0];
        if (!row) {
          // A concurrent delivery of the same message stored it first.
          const raced = await tx.message.findUniqueOrThrow({
            where: { channelId_platformMessageId: { channelId: channel.id, platformMessageId: message.platformMessageId } },
            select: { id: true },
          });
          return {
            messageId: raced.id,
            conversationId: conversation.id,
            businessId: channel.businessId,
            duplicate: true,
            answeredCount: 0,
            paused: false,
          };
        }
        // The owner answered what was waiting: the agent must not answer it again after the quiet time.
        const answered = await tx.message.updateMany({
          where: { conversationId: conversation.id, direction: "inbound", status: "received", seq: { lt: row.seq } },
          data: { status: "answered", replyId: row.id },
        });
        // A pause without an end (a person, the guardrails, a handoff) outranks the owner's quiet time.
        const paused = await tx.conversation.updateMany({
          where: { id: conversation.id, OR: [{ agentPaused: false }, { pausedBy: OWNER_PHONE }] },
          data: { agentPaused: true, pausedBy: OWNER_PHONE, pausedUntil },
        });
        return {
          messageId: row.id,
          conversationId: conversation.id,
          businessId: channel.businessId,
          duplicate: false,
          answeredCount: answered.count,
          paused: paused.count > 0,
        };
      }),
    );
  }
}
