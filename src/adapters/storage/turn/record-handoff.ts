import { parseOwnerReference } from "../../../domain/owner-notice.js";
import type { HandoffToRecord, SavedReply } from "../../../ports/turn-store.js";
import type { Prisma } from "../generated/client.js";

/** Kind of the outbound message that tells an owner about a handoff; its send outcome sets the handoff's status. */
export const OWNER_NOTICE_KIND = "owner-notice";

/**
 * Inside the reply's transaction: pauses the agent in the conversation, records the handoff and,
 * when the persona's owner is reached through a channel, stores the notice as an outbound message
 * with its outbox entry in the owner's own conversation on that channel (agent paused there, so it
 * never chats with the owner). With no enabled channel of that kind, the handoff is failed with
 * the reason; the customer still gets the reply.
 */
export async function recordHandoff(
  tx: Prisma.TransactionClient,
  input: { readonly businessId: string; readonly conversationId: string; readonly handoff: HandoffToRecord },
): Promise<NonNullable<SavedReply["handoff"]>> {
  const { businessId, conversationId, handoff } = input;
  // Until a person resumes it: a handoff pause never lapses by itself (pausedUntil cleared).
  await tx.conversation.update({ where: { id: conversationId }, data: { agentPaused: true, pausedBy: handoff.pausedBy, pausedUntil: null } });
  const base = { businessId, conversationId, reason: handoff.reason.slice(0, 200) };
  const target = parseOwnerReference(handoff.notify);
  if (target.channel === "admin") {
    const row = await tx.handoff.create({ data: { ...base, notify: "admin", status: "notified", notifiedAt: new Date() }, select: { id: true } });
    return { id: row.id, status: "notified" };
  }
  const failed = async (error: string) => {
    const row = await tx.handoff.create({ data: { ...base, notify: handoff.notify.slice(0, 200), status: "failed", error }, select: { id: true } });
    return { id: row.id, status: "failed" as const };
  };
  if (target.channel === "invalid") return failed(target.error);
  const channel = await tx.channel.findFirst({
    where: { businessId, kind: target.channel, enabled: true },
    orderBy: { createdAt: "asc" },
    select: { id: true },
  });
  if (!channel)
    return failed(
      `no enabled ${target.channel} channel in this business to notify the owner through: add one, or set the persona's owner channel to admin`,
    );

  const contact = await tx.contact.upsert({
    where: { channelId_platformUserId: { channelId: channel.id, platformUserId: target.address } },
    create: { businessId, channelId: channel.id, platformUserId: target.address, displayName: "Owner" },
    update: {},
    select: { id: true },
  });
  const now = new Date();
  const ownerConversation = await tx.conversation.upsert({
    where: { channelId_contactId: { channelId: channel.id, contactId: contact.id } },
    create: { businessId, channelId: channel.id, contactId: contact.id, agentPaused: true, pausedBy: "admin", lastMessageAt: now },
    update: { agentPaused: true, pausedBy: "admin", pausedUntil: null, lastMessageAt: now },
    select: { id: true },
  });
  const notice = await tx.message.create({
    data: {
      businessId,
      conversationId: ownerConversation.id,
      channelId: channel.id,
      direction: "outbound",
      kind: OWNER_NOTICE_KIND,
      text: handoff.noticeText,
      status: "pending",
    },
    select: { id: true },
  });
  const outbox = await tx.outboxEntry.create({ data: { messageId: notice.id }, select: { id: true } });
  const row = await tx.handoff.create({
    data: { ...base, notify: handoff.notify.slice(0, 200), status: "pending", noticeMessageId: notice.id },
    select: { id: true },
  });
  return { id: row.id, status: "pending", noticeOutboxId: outbox.id };
}

/** After the notice's send is settled: the handoff follows it (only while it is still pending or notified). */
export async function settleHandoffNotice(
  tx: Prisma.TransactionClient,
  notice: { readonly id: string; readonly businessId: string },
  outcome: { readonly sent: true } | { readonly sent: false; readonly error: string },
): Promise<void> {
  await tx.handoff.updateMany({
    where: { businessId: notice.businessId, noticeMessageId: notice.id, status: { in: outcome.sent ? ["pending"] : ["pending", "notified"] } },
    data: outcome.sent
      ? { status: "notified", notifiedAt: new Date(), error: null }
      : { status: "failed", error: `the notice to the owner was not delivered: ${outcome.error}`.slice(0, 500) },
  });
}
