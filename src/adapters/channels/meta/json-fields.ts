import { normaliseDisplayName } from "../../../domain/message-text.js";

/** Defensive readers for untrusted webhook JSON: a wrong shape reads as "absent", never throws. */

export type JsonRecord = Readonly<Record<string, unknown>>;

export function asRecord(value: unknown): JsonRecord | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonRecord) : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

// Platform ids end up in unique indexes: printable ASCII, bounded, or they are not ids.
const ID = /^[\x21-\x7e]{1,256}$/;

/** A platform id (message id, account id, user id): a string of 1-256 printable ASCII characters (Meta sends ids as strings). */
export function asId(value: unknown): string | undefined {
  return typeof value === "string" && ID.test(value) ? value : undefined;
}

/** A display name from the platform, cleaned and bounded; undefined when nothing usable is left. */
export function asDisplayName(value: unknown): string | undefined {
  return normaliseDisplayName(value, 100);
}

// Earliest time taken as a message's: 2001-09-09 (1e9 s). Older values are not times but bugs.
const EARLIEST_MS = 1e12;
// Clocks drift, but a message sent more than a day ahead of ours is not a time either.
const LATEST_AHEAD_MS = 24 * 3600 * 1000;

/**
 * A message time from the platform, or undefined when it is not a usable one. Meta documents
 * seconds (WhatsApp, a numeric string) or milliseconds (Instagram, a number), but what arrives is
 * read by its size: below 1e11 it is seconds, else milliseconds (for any time from 2001 to now,
 * 10 digits vs 13: they cannot be confused). Anything before 2001 or more than a day ahead of
 * `now` is unusable: the caller keeps the message and uses the time it was received instead.
 */
export function asTimestamp(value: unknown, now: Date = new Date()): Date | undefined {
  const n = typeof value === "string" && /^\d{1,16}(\.\d{1,9})?$/.test(value) ? Number(value) : typeof value === "number" ? value : NaN;
  if (!Number.isFinite(n)) return undefined;
  const ms = n < 1e11 ? n * 1000 : n;
  if (ms < EARLIEST_MS || ms > now.getTime() + LATEST_AHEAD_MS) return undefined;
  return new Date(Math.round(ms));
}
