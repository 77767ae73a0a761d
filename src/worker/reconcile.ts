import type { Logger } from "../ports/logger.js";
import type { ReconcileStore } from "../ports/reconcile-store.js";
import type { TurnJob } from "../ports/turn-queue.js";

export interface ReconcileDeps {
  readonly store: ReconcileStore;
  /** Queues the turn unless a live job for it exists; true if it queued one. */
  readonly requeueTurn: (job: TurnJob) => Promise<boolean>;
  readonly scheduleDelivery: (outboxId: string) => Promise<void>;
  /** Channel kinds whose send can be repeated without the customer seeing it twice (web chat). */
  readonly idempotentSendKinds: ReadonlySet<string>;
  readonly afterMs: number;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export interface ReconcileReport {
  readonly requeuedTurns: number;
  readonly requeuedDeliveries: number;
  readonly unknownOutcomes: number;
}

const BATCH = 500;

/**
 * PostgreSQL is the source of truth: finds work that Redis lost (a restart without persistence,
 * an evicted key, a crash between commit and enqueue) and queues it again. A send that may have
 * happened is repeated only where repeating is invisible; elsewhere it is failed for the admin
 * to see, never sent twice.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const olderThan = new Date((deps.now?.() ?? new Date()).getTime() - deps.afterMs);
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
    if (deps.idempotentSendKinds.has(channelKind)) {
      await deps.store.requeueSending(outboxId);
      await deps.scheduleDelivery(outboxId);
      requeuedDeliveries++;
    } else {
      await deps.store.failUnknownOutcome(outboxId);
      unknownOutcomes++;
    }
  }
  const report = { requeuedTurns, requeuedDeliveries, unknownOutcomes };
  if (requeuedTurns + requeuedDeliveries + unknownOutcomes > 0) deps.logger.warn(report, "reconciled work PostgreSQL had and Redis did not");
  return report;
}
