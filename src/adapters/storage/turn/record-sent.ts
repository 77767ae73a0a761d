import type { SentRecord } from "../../../ports/outbox-store.js";
import type { Db } from "../create-db.js";
import { OWNER_NOTICE_KIND, settleHandoffNotice } from "./record-handoff.js";
import { isRecordNotFound } from "../row-gone.js";
import { isUniqueViolation } from "../unique-violation.js";

/**
 * Records that the platform took an outbox entry's reply. Idempotent, and it wins over a failure
 * written meanwhile (the reconciler's UNKNOWN_OUTCOME for a send that was slow to confirm): the
 * platform's acceptance is the fact. A platform id another message already holds (a platform
 * that repeats ids) stays on the outbox entry only, so the send is still recorded.
 * Undefined: the entry was erased.
 */
export async function recordSent(db: Db, outboxId: string, platformMessageIds: readonly string[]): Promise<SentRecord | undefined> {
  const first = platformMessageIds[0] ?? null;
  try {
    return await write(db, outboxId, platformMessageIds, first);
  } catch (error) {
    if (isRecordNotFound(error)) return undefined;
    if (!first || !isUniqueViolation(error)) throw error;
  }
  try {
    const written = await write(db, outboxId, platformMessageIds, null);
    return written && { keptApart: [first] };
  } catch (error) {
    if (isRecordNotFound(error)) return undefined;
    throw error;
  }
}

function write(db: Db, outboxId: string, ids: readonly string[], messagePlatformId: string | null): Promise<SentRecord | undefined> {
  return db.$transaction(async (tx) => {
    const entry = await tx.outboxEntry.findUnique({ where: { id: outboxId }, select: { status: true, messageId: true } });
    if (!entry) return undefined;
    if (entry.status === "sent") return { keptApart: [] };
    await tx.outboxEntry.update({
      where: { id: outboxId },
      data: { status: "sent", sentAt: new Date(), lastError: null, platformMessageIds: [...ids] },
    });
    const message = await tx.message.update({
      where: { id: entry.messageId },
      data: { platformMessageId: messagePlatformId },
      select: { id: true, businessId: true, kind: true },
    });
    // A receipt (delivered, read) may have moved it on already; only pending or failed become sent.
    await tx.message.updateMany({ where: { id: message.id, status: { in: ["pending", "failed"] } }, data: { status: "sent", error: null } });
    if (message.kind === OWNER_NOTICE_KIND) await settleHandoffNotice(tx, message, { sent: true });
    return { keptApart: [] };
  });
}
