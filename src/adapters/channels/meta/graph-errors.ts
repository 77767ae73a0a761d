import { z } from "zod";
import { lenient, lenientObject } from "./json-fields.js";

/** The parts of a Graph API error body we act on: `{"error": {"message", "code", "error_subcode", "is_transient"}}`. */
export interface GraphErrorInfo {
  readonly message: string;
  readonly code?: number;
  readonly subcode?: number;
  readonly transient?: boolean;
}

const GraphErrorBody = z.looseObject({
  error: lenientObject({
    message: lenient(z.string()),
    code: lenient(z.number()),
    error_subcode: lenient(z.number()),
    is_transient: lenient(z.boolean()),
  }),
});

/** Whatever the body was (not JSON, not Meta's shape, parts missing): what it says, "no error message" when nothing. */
export function graphErrorOf(payload: unknown): GraphErrorInfo {
  const error = GraphErrorBody.safeParse(payload).data?.error;
  const message = (error?.message ?? "no error message").slice(0, 300);
  return {
    message,
    ...(error?.code !== undefined ? { code: error.code } : {}),
    ...(error?.error_subcode !== undefined ? { subcode: error.error_subcode } : {}),
    ...(error?.is_transient === true ? { transient: true } : {}),
  };
}

// Throttling, often reported as 400 rather than 429: app/user/page call limits (4, 17, 32, 613),
// WhatsApp account rate limit (80007), throughput (130429) and per-recipient pair rate limit
// (131056). Meta documents these as "message failed to send because..." / calls refused: the
// request was not processed, so sending it again cannot duplicate anything.
const THROTTLING_CODES = new Set([4, 17, 32, 613, 80007, 130429, 131056]);

/** Meta refused the call for a rate limit: it did not act on it. */
export function isThrottlingError(error: GraphErrorInfo): boolean {
  return error.code !== undefined && THROTTLING_CODES.has(error.code);
}

/** Throttled, or flagged `is_transient` by Meta: worth trying again later. */
export function isRetryableGraphError(error: GraphErrorInfo): boolean {
  return error.transient === true || isThrottlingError(error);
}

/** WhatsApp 131047 "Re-engagement message"; Instagram 10/2534022 "outside of allowed window". */
export function isWindowClosedError(error: GraphErrorInfo): boolean {
  return error.code === 131047 || (error.code === 10 && error.subcode === 2534022);
}
