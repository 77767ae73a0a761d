import { InputError, UnavailableError } from "../../domain/errors.js";
import type { InboundMessage } from "../../domain/inbound-message.js";
import type { StoredInbound } from "../../ports/inbound-store.js";
import type { TurnJob } from "../../ports/turn-queue.js";
import type { BatchStoreResult } from "../../ports/inbound-store.js";
import { MicroBatcher, type MicroBatcherOptions } from "./micro-batcher.js";

export interface BatchedAcceptDeps {
  /** One statement for the whole batch (storeInboundBatch); an unreachable database is an UnavailableError. */
  readonly storeBatch: (messages: readonly InboundMessage[]) => Promise<BatchStoreResult[]>;
  /** One round trip for all the batch's turns (BullTurnQueue.enqueueTurns). */
  readonly enqueueTurns: (jobs: readonly TurnJob[]) => Promise<void>;
  /** The one-message path (acceptInbound), for what a batch cannot settle on its own. */
  readonly acceptOne: (message: InboundMessage) => Promise<StoredInbound>;
}

const identity = (m: InboundMessage) => `${m.channelKind}\u0000${m.platformAccountId}\u0000${m.platformMessageId}`;

/**
 * acceptInbound for many concurrent requests: the messages that arrive together are stored with
 * one SQL statement and their turns queued with one addBulk, and each caller still gets its own
 * answer, the same as one by one: stored, duplicate (also for a repeat inside the same batch),
 * 404 for an unknown channel, 503 when PostgreSQL or Redis is unreachable (the message stays
 * stored, so the client's retry queues it and stores nothing twice). A batch that fails for any
 * other reason (say, one message PostgreSQL refuses) is retried one message at a time, so only
 * that message fails.
 */
export function createBatchedAccept(deps: BatchedAcceptDeps, options: MicroBatcherOptions): (message: InboundMessage) => Promise<StoredInbound> {
  const batcher = new MicroBatcher<InboundMessage, StoredInbound>((messages) => acceptBatch(deps, messages), options);
  return (message) => batcher.submit(message);
}

async function acceptBatch(deps: BatchedAcceptDeps, messages: readonly InboundMessage[]): Promise<Array<StoredInbound | Error>> {
  // A repeat inside the batch is answered as the duplicate of its first occurrence.
  const firstIndex = new Map<string, number>();
  const distinct: InboundMessage[] = [];
  const repeat: boolean[] = [];
  const slot = messages.map((m) => {
    const key = identity(m);
    let at = firstIndex.get(key);
    repeat.push(at !== undefined);
    if (at === undefined) {
      at = distinct.push(m) - 1;
      firstIndex.set(key, at);
    }
    return at;
  });

  let stored: BatchStoreResult[];
  try {
    stored = await deps.storeBatch(distinct);
  } catch (error) {
    // storeBatch says "unreachable" as UnavailableError (withDatabase); anything else may be one bad message.
    if (error instanceof UnavailableError) return messages.map(() => error);
    // One at a time, in arrival order: concurrent one-by-one upserts of a new contact would race.
    const results: Array<StoredInbound | Error> = [];
    for (const m of messages) results.push(await deps.acceptOne(m).catch((e: unknown) => asError(e)));
    return results;
  }

  const results: Array<StoredInbound | Error> = [];
  for (const [i, m] of distinct.entries()) {
    const r = stored[i];
    if (r?.outcome === "stored") results.push(r.stored);
    else if (r?.outcome === "noChannel")
      results.push(new InputError("UNKNOWN_CHANNEL", `no active ${m.channelKind} channel ${m.platformAccountId}`, 404));
    else results.push(await deps.acceptOne(m).catch((e: unknown) => asError(e)));
  }
  // acceptOne already queued what it stored; queue the turns of the rest in one go.
  const jobs = distinct.flatMap((_, i) => {
    const r = stored[i];
    return r?.outcome === "stored" && !r.stored.answered
      ? [{ conversationId: r.stored.conversationId, messageId: r.stored.messageId, businessId: r.stored.businessId }]
      : [];
  });
  let queueError: Error | undefined;
  try {
    await deps.enqueueTurns(jobs);
  } catch (error) {
    queueError = asError(error);
  }
  return messages.map((_, i) => {
    const at = slot[i] as number;
    const result = results[at];
    if (result === undefined) return new Error("no result for this message");
    if (result instanceof Error) return result;
    const needsQueue = stored[at]?.outcome === "stored" && !result.answered;
    if (needsQueue && queueError) return queueError;
    return repeat[i] ? { ...result, duplicate: true } : result;
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
