import { InputError } from "../../domain/errors.js";
import type { InboundMessage } from "../../domain/inbound-message.js";
import { normaliseMessageText } from "../../domain/message-text.js";

export type OutboundStatus = "sent" | "delivered" | "read" | "failed";

/** A delivery receipt for something we sent, keyed by the platform's message id. */
export interface MetaStatusUpdate {
  readonly platformAccountId: string;
  readonly platformMessageId: string;
  readonly status: OutboundStatus;
  readonly at: Date;
  /** For "failed": the platform's error code and title (no personal data). */
  readonly error?: { readonly code?: number; readonly title?: string };
}

export type SkipReason =
  | "wrong_object"
  | "malformed"
  | "non_text"
  | "echo"
  | "deleted"
  | "not_a_message"
  | "empty_text"
  | "text_too_long"
  | "unknown_status";

/** Something in the payload that was deliberately not turned into a message (counted and logged). */
export interface SkippedItem {
  readonly reason: SkipReason;
  /** The platform's type of the skipped item (image, audio, read, ...), sanitised for logs. */
  readonly type?: string;
}

/** Everything one webhook delivery carried, normalised. */
export interface WebhookBatch {
  readonly messages: InboundMessage[];
  readonly statuses: MetaStatusUpdate[];
  readonly skipped: SkippedItem[];
}

export function emptyBatch(): { messages: InboundMessage[]; statuses: MetaStatusUpdate[]; skipped: SkippedItem[] } {
  return { messages: [], statuses: [], skipped: [] };
}

/** A platform type name fit for logs: short lowercase identifier or "other". */
export function safeType(value: unknown): string {
  return typeof value === "string" && /^[a-z0-9_]{1,32}$/.test(value) ? value : "other";
}

/** Normalised message text, or the reason it cannot be one. */
export function inboundText(raw: unknown, maxChars: number): { text: string } | { skip: SkipReason } {
  try {
    return { text: normaliseMessageText(raw, maxChars) };
  } catch (error) {
    if (error instanceof InputError && error.code === "TEXT_TOO_LONG") return { skip: "text_too_long" };
    if (error instanceof InputError) return { skip: "empty_text" };
    throw error;
  }
}

/** Counts like {"non_text:image": 2, "echo": 1} for one log line. */
export function countSkipped(skipped: readonly SkippedItem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of skipped) {
    const key = s.type ? `${s.reason}:${s.type}` : s.reason;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
