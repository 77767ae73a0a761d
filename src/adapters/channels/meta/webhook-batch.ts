import { InputError } from "../../../domain/errors.js";
import { nonTextMessageText, type InboundMessage, type MessageKind } from "../../../domain/inbound-message.js";
import { cutText, normaliseAndCutMessageText } from "../../../domain/message-text.js";

import type { OutboundStatus } from "../../../domain/outbound-status.js";

export type { OutboundStatus };

/** A delivery receipt for something we sent, keyed by the platform's message id. */
export interface MetaStatusUpdate {
  readonly platformAccountId: string;
  readonly platformMessageId: string;
  readonly status: OutboundStatus;
  readonly at: Date;
  /** For "failed": the platform's error code and title (no personal data). */
  readonly error?: { readonly code?: number; readonly title?: string };
}

export type SkipReason = "wrong_object" | "malformed" | "non_text" | "echo" | "deleted" | "not_a_message" | "empty_text" | "unknown_status";

/** Something in the payload that was deliberately not turned into a message (counted and logged). */
export interface SkippedItem {
  readonly reason: SkipReason;
  /** The platform's type of the skipped item (image, audio, read, ...), sanitised for logs. */
  readonly type?: string;
}

/**
 * A customer's message that cannot be stored: without its id, sender or business account there is
 * nothing to deduplicate, answer or route; a text message whose text is not a string has no content.
 * The webhook is refused (non-2xx) so the platform keeps it and shows the failure.
 */
export interface UnusableMessage {
  readonly reason: "no_id" | "no_sender" | "no_account" | "no_text" | "not_an_object";
}

/** A message stored with something the platform sent replaced: counted in the log, never its content. */
export interface Adjustment {
  /** "received_time": the platform's time was unusable (say "1", or in the future); "text_cut": cut to the length limit. */
  readonly reason: "received_time" | "text_cut";
}

/** Everything one webhook delivery carried, normalised. */
export interface WebhookBatch {
  readonly messages: InboundMessage[];
  readonly statuses: MetaStatusUpdate[];
  readonly skipped: SkippedItem[];
  readonly unusable: UnusableMessage[];
  readonly adjusted: Adjustment[];
}

export function emptyBatch(): {
  messages: InboundMessage[];
  statuses: MetaStatusUpdate[];
  skipped: SkippedItem[];
  unusable: UnusableMessage[];
  adjusted: Adjustment[];
} {
  return { messages: [], statuses: [], skipped: [], unusable: [], adjusted: [] };
}

/** A platform type name fit for logs: short lowercase identifier or "other". */
export function safeType(value: unknown): string {
  return typeof value === "string" && /^[a-z0-9_]{1,32}$/.test(value) ? value : "other";
}

/**
 * A platform message's text, normalised and cut to the limit (a platform cannot be asked to send it
 * shorter): "empty" when nothing is left (blank, or only control characters: nothing to answer or
 * lose), "unusable" when it is not a string at all.
 */
export function inboundText(raw: unknown, maxChars: number): { text: string; cut: boolean } | { skip: "empty_text" } | { unusable: "no_text" } {
  if (typeof raw !== "string") return { unusable: "no_text" };
  try {
    return normaliseAndCutMessageText(raw, maxChars);
  } catch (error) {
    if (error instanceof InputError) return { skip: "empty_text" };
    throw error;
  }
}

/** The stored text of a non-text message: its placeholder and the caption (cleaned like text), within the limit. */
export function nonTextText(kind: Exclude<MessageKind, "text">, caption: unknown, maxChars: number): string {
  const clean = typeof caption === "string" ? inboundText(caption, maxChars) : undefined;
  return cutText(nonTextMessageText(kind, clean && "text" in clean ? clean.text : undefined), maxChars);
}

/** Counts like {"non_text:image": 2, "echo": 1} for one log line. */
export function countSkipped(skipped: ReadonlyArray<{ readonly reason: string; readonly type?: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of skipped) {
    const key = s.type ? `${s.reason}:${s.type}` : s.reason;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
