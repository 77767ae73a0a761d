import { randomBytes } from "node:crypto";
import type { ChannelKind } from "../../domain/inbound-message.js";
import type { ErasureSource, ErasureStore } from "../../ports/erasure-store.js";
import type { Logger } from "../../ports/logger.js";
import type { QueuedWork, WorkIds } from "../../ports/queued-work.js";
import type { Pseudonyms } from "../../domain/secrets/pseudonyms.js";

export interface ErasureDeps {
  readonly store: ErasureStore;
  readonly work: QueuedWork;
  readonly logger: Logger;
}

export interface ErasureResult {
  readonly confirmationCode: string;
  readonly status: "completed";
  readonly erasedMessages: number;
}

/**
 * What the erasure record keeps of the person: an HMAC under PSEUDONYM_KEY of channel kind and
 * platform user id (a plain hash of a phone number is reversed in seconds), or nothing without a key.
 */
export function subjectHash(pseudonyms: Pick<Pseudonyms, "durable">, kind: ChannelKind | string, platformUserId: string): string | null {
  return pseudonyms.durable("erasure-subject", `${kind}:${platformUserId}`);
}

/** Alphanumeric, as Meta requires of a confirmation code; 80 random bits. */
export function newConfirmationCode(): string {
  return randomBytes(10).toString("hex").toUpperCase();
}

/**
 * Erases contacts with everything under them, recorded as one erasure request:
 * 1. the request is stored as pending (its code is what the person or admin gets);
 * 2. the queued turn and reply jobs are removed (if Redis is down, nothing has been deleted yet:
 *    the request is marked failed and the error thrown, so the caller can simply ask again);
 * 3. PostgreSQL deletes the contacts, conversations, messages, outbox entries, turns, handoffs and
 *    flags in one transaction;
 * 4. work queued in between and the conversations' locks are removed (best effort: such jobs carry
 *    ids only and find nothing to do);
 * 5. the request is marked completed with the number of messages erased.
 * No contacts (an unknown user) is a completed erasure of nothing.
 */
export async function eraseContacts(
  deps: ErasureDeps,
  request: { source: ErasureSource; subjectHash: string | null; contactIds: readonly string[] },
): Promise<ErasureResult> {
  const confirmationCode = newConfirmationCode();
  const log = deps.logger.child({ component: "erasure", confirmationCode, source: request.source });
  await deps.store.begin({ confirmationCode, source: request.source, subjectHash: request.subjectHash });
  let erasedMessages: number;
  let after: WorkIds;
  let before: WorkIds;
  try {
    before = await deps.store.workOf(request.contactIds);
    // Locks stay until the rows are gone: a turn running now keeps the conversation to itself.
    await deps.work.removeWork({ ...before, conversationIds: [] });
    ({ erasedMessages, work: after } = await deps.store.deleteContacts(request.contactIds));
  } catch (error) {
    log.error({ err: error, contacts: request.contactIds.length }, "erasure failed; nothing was deleted from the database");
    await deps.store.fail(confirmationCode, error instanceof Error ? `${error.name}: ${error.message}` : String(error)).catch(() => undefined);
    throw error;
  }
  try {
    const removed = await deps.work.removeWork({
      conversationIds: after.conversationIds,
      messageIds: newIds(after.messageIds, before.messageIds),
      outboxIds: newIds(after.outboxIds, before.outboxIds),
    });
    if (removed.runningJobs > 0) log.info({ runningJobs: removed.runningJobs }, "jobs running during the erasure will find nothing to do");
  } catch (error) {
    log.warn({ err: error }, "contacts erased, but queued work could not be removed; it carries ids only and finds nothing to do");
  }
  await deps.store.complete(confirmationCode, erasedMessages);
  log.info({ contacts: request.contactIds.length, erasedMessages }, "contacts erased");
  return { confirmationCode, status: "completed", erasedMessages };
}

function newIds(ids: readonly string[], seen: readonly string[]): string[] {
  const known = new Set(seen);
  return ids.filter((id) => !known.has(id));
}
