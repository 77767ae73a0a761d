import { setTimeout as sleep } from "node:timers/promises";
import { FatalError } from "../../domain/errors.js";
import type { ChannelKind } from "../../domain/inbound-message.js";
import { PartialSendError, PlatformRejectedError, PlatformTransportError, type ChannelAdapter } from "../../ports/channel-adapter.js";
import type { ConversationEvents } from "../../ports/conversation-events.js";
import type { Logger } from "../../ports/logger.js";
import type { ClaimedDelivery, OutboxStore, SendProgress } from "../../ports/outbox-store.js";
import type { UnrecordedSends } from "../../ports/unrecorded-sends.js";

/**
 * "unrecorded": the platform has the reply, but the database would not take the outcome yet (the
 * reconciler records it). "waiting": not sent yet, an earlier reply of the conversation goes first.
 */
export type DeliveryOutcome = "sent" | "not-pending" | "failed" | "retry" | "waiting" | "unrecorded";

export interface DeliveryResult {
  readonly outcome: DeliveryOutcome;
  /** "retry" when the platform said how long to wait (a throttled send): send again no sooner. */
  readonly retryInMs?: number;
}

/** The longest wait a platform's Retry-After can ask of a reply (beyond it the reply is tried again anyway). */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

export interface DeliveryDeps {
  readonly outbox: OutboxStore;
  readonly adapters: ReadonlyMap<ChannelKind, ChannelAdapter>;
  readonly logger: Logger;
  readonly maxAttempts: number;
  /** Told when a reply's status changed (sent, failed), for the admin console. */
  readonly events?: ConversationEvents;
  /** Channel kinds where sending again is invisible to the customer (web chat: the page dedups by id). */
  readonly idempotentSendKinds?: ReadonlySet<string>;
  /** Where a send the database would not record waits for the reconciler. */
  readonly unrecorded?: UnrecordedSends;
  /** Waits between tries to write a send's outcome. */
  readonly recordRetryDelaysMs?: readonly number[];
  readonly sleep?: (ms: number) => Promise<void>;
}

const IDEMPOTENT_SEND_KINDS: ReadonlySet<string> = new Set(["webchat"]);
// ~16 s of waiting (plus each try's own time, up to the 5 s transaction timeout): a stall or a
// failover rides through; a longer outage leaves the send to the reconciler.
const RECORD_RETRY_DELAYS_MS = [200, 500, 1000, 2000, 4000, 8000];

/**
 * Sends one outbox entry through the adapter of its channel, at most once per claim. Once the
 * platform took the reply, nothing sends it again: the outcome is written with bounded retries
 * and, failing that, left for the reconciler. A failed send is tried again only when the platform
 * provably did not take it (or, on the web chat, where a repeat is invisible); when it may have,
 * the entry fails as UNKNOWN_OUTCOME for the admin to see.
 */
export async function deliverReply(deps: DeliveryDeps, outboxId: string): Promise<DeliveryResult> {
  const delivery = await deps.outbox.claim(outboxId);
  if (!delivery) return { outcome: "not-pending" };
  if (delivery === "waiting") return { outcome: "waiting" };
  const log = deps.logger.child({ outboxId, conversationId: delivery.conversationId, channel: delivery.channel.kind });
  const adapter = deps.adapters.get(delivery.channel.kind);
  if (!adapter) {
    await deps.outbox.markFailed(outboxId, `no adapter for channel kind ${delivery.channel.kind} in this worker`);
    log.error({}, "reply not sent: no adapter for this channel kind");
    return { outcome: "failed" };
  }
  // Once per reply, recorded with the outcome, so a retry does not mark the message read again.
  let readMarked = delivery.readMarked;
  if (!readMarked && delivery.inboundPlatformMessageId && adapter.markRead) {
    readMarked = await adapter.markRead(delivery).then(
      () => true,
      (error: unknown) => (
        log.warn({ err: { name: (error as Error)?.name, message: (error as Error)?.message } }, "could not mark the customer's message read"), false
      ),
    );
  }
  let platformMessageIds: readonly string[];
  try {
    ({ platformMessageIds } = await adapter.send(delivery));
  } catch (error) {
    return settleUnsent(deps, delivery, error, readMarked, log);
  }
  return { outcome: await settleSent(deps, delivery, [...delivery.sentPlatformMessageIds, ...platformMessageIds], log) };
}

async function settleSent(deps: DeliveryDeps, delivery: ClaimedDelivery, ids: readonly string[], log: Logger): Promise<DeliveryOutcome> {
  let remembered = false;
  const written = await persist(
    deps,
    log,
    "sent, but recording it failed",
    async () => {
      const record = await deps.outbox.markSent(delivery.outboxId, ids);
      if (record && record.keptApart.length > 0) {
        log.warn(
          { keptApart: record.keptApart.length },
          "the platform answered with a message id another message already holds; kept on the outbox entry only",
        );
      }
    },
    async () => {
      // After the first failed write: the send must survive this process too.
      if (remembered || !deps.unrecorded) return;
      remembered = await deps.unrecorded.remember(delivery.outboxId, ids).then(
        () => true,
        (error: unknown) => (log.error({ err: error }, "could not keep the unrecorded send in Redis either"), false),
      );
    },
  );
  if (!written) {
    log.error(
      { remembered },
      remembered
        ? "sent, but the database would not record it; the reconciler records it once the database is back"
        : "sent, but neither PostgreSQL nor Redis would record it; it stays 'sending' (the reconciler fails it as UNKNOWN_OUTCOME, never resends)",
    );
    return "unrecorded";
  }
  if (remembered) await deps.unrecorded?.forget(delivery.outboxId).catch(() => undefined);
  deps.events?.publish(delivery);
  log.debug({ attempt: delivery.attempt }, "reply sent");
  return "sent";
}

async function settleUnsent(
  deps: DeliveryDeps,
  delivery: ClaimedDelivery,
  error: unknown,
  readMarked: boolean,
  log: Logger,
): Promise<DeliveryResult> {
  const partial = error instanceof PartialSendError ? error : undefined;
  const cause = partial ? partial.cause : error;
  const progress: SendProgress = {
    partsSent: partial?.partsSent ?? delivery.partsSent ?? 0,
    platformMessageIds: [...delivery.sentPlatformMessageIds, ...(partial?.platformMessageIds ?? [])],
    readMarked,
  };
  const reason = describe(error);
  const repeatable = cause instanceof PlatformTransportError || (deps.idempotentSendKinds ?? IDEMPOTENT_SEND_KINDS).has(delivery.channel.kind);
  const refused = cause instanceof PlatformRejectedError || cause instanceof FatalError;

  if (!refused && repeatable && delivery.attempt < deps.maxAttempts) {
    if (!(await persist(deps, log, "could not put the reply back for a retry", () => deps.outbox.release(delivery.outboxId, reason, progress))))
      return { outcome: "unrecorded" };
    log.warn({ attempt: delivery.attempt, partsSent: progress.partsSent, err: error }, "the platform did not take the reply; will retry");
    const asked = cause instanceof PlatformTransportError ? cause.retryAfterMs : undefined;
    return asked === undefined ? { outcome: "retry" } : { outcome: "retry", retryInMs: Math.min(asked, MAX_RETRY_AFTER_MS) };
  }
  const failure =
    refused || repeatable ? reason : `UNKNOWN_OUTCOME: the platform may have taken the reply (${reason}); not resent to avoid a duplicate`;
  if (!(await persist(deps, log, "could not record the failed send", () => deps.outbox.markFailed(delivery.outboxId, failure, progress))))
    return { outcome: "unrecorded" };
  deps.events?.publish(delivery);
  log.error(
    { attempt: delivery.attempt, partsSent: progress.partsSent, err: error, unknownOutcome: !refused && !repeatable },
    "reply failed for good",
  );
  return { outcome: "failed" };
}

/** Writes an outcome, trying again with backoff; false when the database would not take it. */
async function persist(
  deps: DeliveryDeps,
  log: Logger,
  what: string,
  write: () => Promise<unknown>,
  afterFirstFailure?: () => Promise<void>,
): Promise<boolean> {
  const delays = deps.recordRetryDelaysMs ?? RECORD_RETRY_DELAYS_MS;
  const wait = deps.sleep ?? ((ms: number) => sleep(ms));
  for (let attempt = 0; ; attempt++) {
    try {
      await write();
      return true;
    } catch (error) {
      await afterFirstFailure?.();
      if (attempt >= delays.length) return false;
      log.warn({ err: error, attempt: attempt + 1 }, `${what}; trying again`);
      await wait(delays[attempt]!);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
