import { InputError, UnavailableError } from "../../../domain/errors.js";
import type { ChannelKind, InboundMessage } from "../../../domain/inbound-message.js";
import type { InboundStore } from "../../../ports/inbound-store.js";
import type { Logger } from "../../../ports/logger.js";
import { logRef } from "./log-ref.js";

export interface BatchOutcome {
  readonly accepted: number;
  /** Messages for accounts no enabled channel of ours has: dropped (answering 200 stops Meta's retries). */
  readonly unknownAccount: number;
  /** Refused by acceptInbound as input (e.g. the channel was disabled meanwhile). */
  readonly rejected: number;
  /** Unexpected errors for single messages, logged; the webhook is then refused, so Meta redelivers them. */
  readonly failed: number;
}

export interface AcceptBatchDeps {
  readonly kind: ChannelKind;
  readonly accept: (message: InboundMessage) => Promise<unknown>;
  readonly channels: Pick<InboundStore, "findChannel">;
  readonly logger: Logger;
}

/**
 * Hands a webhook's messages to acceptInbound one by one, in order (a conversation keeps its
 * order). UnavailableError (database or queue down) propagates so the caller answers 503 and Meta
 * redelivers; any other failure of one message is counted and the rest are still stored (the caller
 * refuses the webhook then too). Redelivered messages are deduplicated by their platform ids.
 */
export async function acceptWebhookBatch(deps: AcceptBatchDeps, messages: readonly InboundMessage[]): Promise<BatchOutcome> {
  const enabled = new Map<string, boolean>();
  let accepted = 0;
  let unknownAccount = 0;
  let rejected = 0;
  let failed = 0;
  for (const message of messages) {
    let known = enabled.get(message.platformAccountId);
    if (known === undefined) {
      const channel = await deps.channels.findChannel(deps.kind, message.platformAccountId);
      known = channel?.enabled === true;
      enabled.set(message.platformAccountId, known);
      if (!known) deps.logger.warn({ channel: deps.kind, account: message.platformAccountId }, "webhook for an unknown or disabled account; ignored");
    }
    if (!known) {
      unknownAccount++;
      continue;
    }
    try {
      await deps.accept(message);
      accepted++;
    } catch (error) {
      if (error instanceof UnavailableError) throw error;
      if (error instanceof InputError) {
        rejected++;
        deps.logger.warn({ channel: deps.kind, code: error.code, messageRef: logRef(message.platformMessageId) }, "webhook message refused");
      } else {
        failed++;
        deps.logger.error({ channel: deps.kind, err: error, messageRef: logRef(message.platformMessageId) }, "webhook message could not be stored");
      }
    }
  }
  return { accepted, unknownAccount, rejected, failed };
}
