import type { Logger } from "../../ports/logger.js";
import type { ReconcileStore } from "../../ports/reconcile-store.js";
import type { TurnJob } from "../../ports/turn-queue.js";
import type { UnrecordedSends } from "../../ports/unrecorded-sends.js";

export interface ReconcileDeps {
  readonly store: ReconcileStore;
  /** Queues the turn unless a live job for it exists; true if it queued one. */
  readonly requeueTurn: (job: TurnJob) => Promise<boolean>;
  readonly scheduleDelivery: (outboxId: string) => Promise<void>;
  /** Channel kinds whose send can be repeated without the customer seeing it twice (web chat). */
  readonly idempotentSendKinds: ReadonlySet<string>;
  /** Sends the platform took that a worker could not record (the database was down). */
  readonly unrecorded?: UnrecordedSends;
  readonly afterMs: number;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export interface ReconcileReport {
  readonly requeuedTurns: number;
  readonly requeuedDeliveries: number;
  readonly unknownOutcomes: number;
  /** Sends recorded as sent from what a worker kept aside when the database would not take them. */
  readonly recordedSends: number;
}

const BATCH = 500;

/**
 * PostgreSQL is the source of truth: finds work that Redis lost (a restart without persistence,
 * an evicted key, a crash between commit and enqueue) and queues it again. A send that may have
 * happened is repeated only where repeating is invisible; elsewhere it is failed for the admin
 * to see, never sent twice. A send known to have happened but not recorded is recorded first.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const olderThan = new Date((deps.now?.() ?? new Date()).getTime() - deps.afterMs);
  let recordedSends = 0;
  // Still held aside (the database refused again): not to be taken for an interrupted send below.
  const unrecorded = new Set<string>();
  for (const sent of (await deps.unrecorded?.list(BATCH)) ?? []) {
    try {
      await deps.store.recordSent(sent.outboxId, sent.platformMessageIds);
      await deps.unrecorded!.forget(sent.outboxId);
      recordedSends++;
    } catch (error) {
      unrecorded.add(sent.outboxId);
      deps.logger.warn({ err: error, outboxId: sent.outboxId }, "could not record a send kept aside yet");
    }
  }
  let requeuedTurns = 0;
  for (const pending of await deps.store.stalePending(olderThan, BATCH)) {
    if (await deps.requeueTurn(pending)) requeuedTurns++;
  }
  let requeuedDeliveries = 0;
  for (const outboxId of await deps.store.stalePendingOutbox(olderThan, BATCH)) {
    await deps.scheduleDelivery(outboxId);
    requeuedDeliveries++;
  }
  let unknownOutcomes = 0;
  for (const { outboxId, channelKind } of await deps.store.staleSending(olderThan, BATCH)) {
    if (unrecorded.has(outboxId)) continue;
    if (deps.idempotentSendKinds.has(channelKind)) {
      await deps.store.requeueSending(outboxId);
      await deps.scheduleDelivery(outboxId);
      requeuedDeliveries++;
    } else {
      await deps.store.failUnknownOutcome(outboxId);
      unknownOutcomes++;
    }
  }
  const report = { requeuedTurns, requeuedDeliveries, unknownOutcomes, recordedSends };
  if (requeuedTurns + requeuedDeliveries + unknownOutcomes + recordedSends > 0)
    deps.logger.warn(report, "reconciled work Redis and PostgreSQL disagreed on");
  return report;
}
