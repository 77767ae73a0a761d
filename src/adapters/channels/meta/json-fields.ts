import { z } from "zod";
import { normaliseDisplayName } from "../../../domain/message-text.js";

/**
 * Lenient zod parts for untrusted platform JSON. Meta adds fields (objects are loose: unknown keys
 * pass) and a field of the wrong shape reads as absent (a list as empty), never failing the whole
 * payload: the mappers decide what a missing field means (skipped, refused, replaced).
 */

/** `schema`, or undefined when absent or of another shape. */
export const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/** A loose object, or undefined when absent or not an object. */
export const lenientObject = <S extends z.core.$ZodLooseShape>(shape: S) => lenient(z.looseObject(shape));

/** A list of `item` (each one `item` or undefined when it is not one), or [] when it is not a list. */
export const lenientList = <T extends z.ZodType>(item: T) => z.array(lenient(item)).catch(() => []);

// Platform ids end up in unique indexes: printable ASCII, bounded, or they are not ids.
/** A platform id (message id, account id, user id): a string of 1-256 printable ASCII characters (Meta sends ids as strings). */
export const PlatformId = z.string().regex(/^[\x21-\x7e]{1,256}$/);

export function asId(value: unknown): string | undefined {
  const id = PlatformId.safeParse(value);
  return id.success ? id.data : undefined;
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
