import { normaliseDisplayName } from "../../domain/message-text.js";

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

/**
 * A time from seconds (WhatsApp: a numeric string) or milliseconds (Instagram: a number). Lenient
 * about string vs number, strict about sense: nothing before 2001 (1e9 s) is a message time.
 */
export function asTimestamp(value: unknown, unit: "s" | "ms"): Date | undefined {
  const n = typeof value === "string" && /^\d{1,16}$/.test(value) ? Number(value) : typeof value === "number" ? value : NaN;
  const ms = unit === "s" ? n * 1000 : n;
  if (!Number.isFinite(ms) || ms < 1e12) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
