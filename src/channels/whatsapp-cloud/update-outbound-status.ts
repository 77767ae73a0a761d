import type { OutboundStatus } from "../meta/webhook-batch.js";
import type { Db } from "../../storage/create-db.js";
import { OWNER_NOTICE_KIND, settleHandoffNotice } from "../../storage/record-handoff.js";

// Receipts arrive out of order (read before delivered, retries): a status only moves a reply forward.
const MAY_FOLLOW: Record<OutboundStatus, Array<"pending" | "sent" | "delivered">> = {
  sent: ["pending"],
  delivered: ["pending", "sent"],
  read: ["pending", "sent", "delivered"],
  failed: ["pending", "sent", "delivered"],
};

/**
 * Applies a platform receipt to our stored reply, found by (channel, platform message id).
 * Returns false when no reply matched or it is already further along (nothing written).
 */
export async function updateOutboundStatus(
  db: Db,
  channelId: string,
  platformMessageId: string,
  status: OutboundStatus,
  error?: string,
): Promise<boolean> {
  const reason = (error ?? "the platform reported the message as failed").slice(0, 500);
  const result = await db.message.updateMany({
    where: { channelId, platformMessageId, direction: "outbound", status: { in: MAY_FOLLOW[status] } },
    data: { status, ...(status === "failed" ? { error: reason } : {}) },
  });
  if (result.count > 0 && status === "failed") {
    // A handoff notice the platform reports undelivered after all: its handoff is failed too.
    const notice = await db.message.findFirst({ where: { channelId, platformMessageId, kind: OWNER_NOTICE_KIND }, select: { id: true, businessId: true } });
    if (notice) await settleHandoffNotice(db, notice, { sent: false, error: reason });
  }
  return result.count > 0;
}
