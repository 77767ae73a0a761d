import type { ReconcileStore } from "../../../ports/reconcile-store.js";
import type { Db } from "../create-db.js";
import { OWNER_NOTICE_KIND, settleHandoffNotice } from "./record-handoff.js";
import { recordSent } from "./record-sent.js";

export class ReconcileRepository implements ReconcileStore {
  constructor(private readonly db: Db) {}

  async stalePending(olderThan: Date, limit: number) {
    const rows = await this.db.message.findMany({
      where: {
        direction: "inbound",
        status: "received",
        createdAt: { lt: olderThan },
        conversation: {
          AND: [
            // A paused agent answers nothing; a pause that ends by itself is picked up once it has ended.
            { OR: [{ agentPaused: false }, { pausedUntil: { lte: new Date() } }] },
            // Left for the next opening: its job answers them then; past it (the job lost), the reconciler does.
            { OR: [{ waitingUntil: null }, { waitingUntil: { lte: new Date() } }] },
          ],
        },
      },
      orderBy: { seq: "desc" },
      distinct: ["conversationId"],
      take: limit,
      select: { id: true, conversationId: true, businessId: true },
    });
    return rows.map((r) => ({ messageId: r.id, conversationId: r.conversationId, businessId: r.businessId }));
  }

  async stalePendingOutbox(olderThan: Date, limit: number) {
    const rows = await this.db.outboxEntry.findMany({
      where: { status: "pending", createdAt: { lt: olderThan } },
      take: limit,
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  async staleSending(olderThan: Date, limit: number) {
    const rows = await this.db.outboxEntry.findMany({
      where: { status: "sending", updatedAt: { lt: olderThan } },
      take: limit,
      select: { id: true, message: { select: { channel: { select: { kind: true } } } } },
    });
    return rows.map((r) => ({ outboxId: r.id, channelKind: r.message.channel.kind }));
  }

  async requeueSending(outboxId: string) {
    await this.db.outboxEntry.updateMany({
      where: { id: outboxId, status: "sending" },
      data: { status: "pending", lastError: "reconciled: the worker stopped mid-send" },
    });
  }

  async recordSent(outboxId: string, platformMessageIds: readonly string[]) {
    return (await recordSent(this.db, outboxId, platformMessageIds)) !== undefined;
  }

  async failUnknownOutcome(outboxId: string) {
    const reason = "UNKNOWN_OUTCOME: the worker stopped while sending; not resent to avoid a duplicate";
    await this.db.$transaction(async (tx) => {
      const entry = await tx.outboxEntry.updateMany({ where: { id: outboxId, status: "sending" }, data: { status: "failed", lastError: reason } });
      if (entry.count === 0) return;
      const row = await tx.outboxEntry.findUniqueOrThrow({ where: { id: outboxId }, select: { messageId: true } });
      const message = await tx.message.update({
        where: { id: row.messageId },
        data: { status: "failed", error: reason },
        select: { id: true, businessId: true, kind: true },
      });
      if (message.kind === OWNER_NOTICE_KIND) await settleHandoffNotice(tx, message, { sent: false, error: reason });
    });
  }
}
