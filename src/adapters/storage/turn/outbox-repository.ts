import type { ClaimedDelivery, OutboxStore, SendProgress, SentRecord } from "../../../ports/outbox-store.js";
import { claimOutboxStatement } from "./claim-outbox-statement.js";
import type { Db } from "../create-db.js";
import { recordSent } from "./record-sent.js";
import { isRecordNotFound } from "../row-gone.js";
import { OWNER_NOTICE_KIND, settleHandoffNotice } from "./record-handoff.js";

// An owner's handoff notice (kind owner-notice) carries its handoff's status along with it.
const noticeFields = { id: true, businessId: true, kind: true } as const;

const progressFields = (progress?: SendProgress) =>
  progress ? { partsSent: progress.partsSent, platformMessageIds: [...progress.platformMessageIds], readMarked: progress.readMarked } : {};

export class OutboxRepository implements OutboxStore {
  constructor(private readonly db: Db) {}

  claim(outboxId: string): Promise<ClaimedDelivery | "waiting" | null> {
    return claimOutboxStatement(this.db, outboxId);
  }

  markSent(outboxId: string, platformMessageIds: readonly string[]): Promise<SentRecord | undefined> {
    return recordSent(this.db, outboxId, platformMessageIds);
  }

  async release(outboxId: string, error: string, progress?: SendProgress): Promise<void> {
    await this.db.outboxEntry.updateMany({
      where: { id: outboxId, status: "sending" },
      data: { status: "pending", lastError: error.slice(0, 500), ...progressFields(progress) },
    });
  }

  async markFailed(outboxId: string, error: string, progress?: SendProgress): Promise<void> {
    await ignoreErased(
      this.db.$transaction(async (tx) => {
        const entry = await tx.outboxEntry.update({
          where: { id: outboxId },
          data: { status: "failed", lastError: error.slice(0, 500), ...progressFields(progress) },
          select: { messageId: true },
        });
        const message = await tx.message.update({
          where: { id: entry.messageId },
          data: { status: "failed", error: error.slice(0, 500) },
          select: noticeFields,
        });
        if (message.kind === OWNER_NOTICE_KIND) await settleHandoffNotice(tx, message, { sent: false, error });
      }),
    );
  }
}

/** An entry erased (with its contact) while it was being sent has nothing left to record. */
async function ignoreErased(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (!isRecordNotFound(error)) throw error;
  }
}
