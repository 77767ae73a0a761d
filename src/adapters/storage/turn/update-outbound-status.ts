import type { OutboundStatus } from "../../../domain/outbound-status.js";
import type { OutboundStatusStore } from "../../../ports/outbound-status-store.js";
import type { Db } from "../create-db.js";
import { OWNER_NOTICE_KIND, settleHandoffNotice } from "./record-handoff.js";

// Receipts arrive out of order (read before delivered, retries): a status only moves a reply forward.
const MAY_FOLLOW: Record<OutboundStatus, Array<"pending" | "sent" | "delivered">> = {
  sent: ["pending"],
  delivered: ["pending", "sent"],
  read: ["pending", "sent", "delivered"],
  failed: ["pending", "sent", "delivered"],
};

/**
 * Applies a platform receipt to our stored reply, found by (channel, platform message id): the
 * id on the message, or one its outbox entry keeps (later parts of a split reply; an id the
 * platform repeated, which only one message can hold). Returns false when no reply matched or it
 * is already further along (nothing written).
 */
export async function updateOutboundStatus(
  db: Db,
  channelId: string,
  platformMessageId: string,
  status: OutboundStatus,
  error?: string,
): Promise<boolean> {
  const reason = (error ?? "the platform reported the message as failed").slice(0, 500);
  const data = { status, ...(status === "failed" ? { error: reason } : {}) };
  const base = { channelId, direction: "outbound" as const, status: { in: MAY_FOLLOW[status] } };
  const byMessage = await db.message.updateMany({ where: { ...base, platformMessageId }, data });
  const byOutbox = await db.message.updateMany({
    where: {
      ...base,
      OR: [{ platformMessageId: null }, { platformMessageId: { not: platformMessageId } }],
      outbox: { is: { platformMessageIds: { has: platformMessageId } } },
    },
    data,
  });
  const count = byMessage.count + byOutbox.count;
  if (count > 0 && status === "failed") {
    // A handoff notice the platform reports undelivered after all: its handoff is failed too.
    const notices = await db.message.findMany({
      where: {
        channelId,
        kind: OWNER_NOTICE_KIND,
        OR: [{ platformMessageId }, { outbox: { is: { platformMessageIds: { has: platformMessageId } } } }],
      },
      select: { id: true, businessId: true },
    });
    for (const notice of notices) await settleHandoffNotice(db, notice, { sent: false, error: reason });
  }
  return count > 0;
}

export function outboundStatusStore(db: Db): OutboundStatusStore {
  return {
    updateOutboundStatus: (channelId, platformMessageId, status, error) => updateOutboundStatus(db, channelId, platformMessageId, status, error),
  };
}
