import { cleanText, wellFormed } from "./clean-text.js";
import { InputError } from "./errors.js";

/**
 * A message's length as the limit counts it: Unicode code points, not UTF-16 units, so an emoji
 * like 😀 is one character (JavaScript's `.length` says two). Code points rather than grapheme
 * clusters keep the limit a bound on size (at most 4 UTF-8 bytes each): a single "character" as
 * displayed can be built from any number of combining marks.
 */
export function countChars(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // The second half of a surrogate pair is not a character of its own.
    if (unit < 0xdc00 || unit > 0xdfff || i === 0 || !isHighSurrogate(text.charCodeAt(i - 1))) count++;
  }
  return count;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * The longest start of `text` of at most `maxChars` characters (code points, as countChars) that
 * ends between two characters as displayed (grapheme clusters): no half emoji, no flag cut into
 * letters, no accent torn from its letter. Only a single cluster longer than the whole limit is cut
 * inside, and then between code points.
 */
export function cutText(text: string, maxChars: number): string {
  if (countChars(text) <= maxChars) return text;
  let end = 0;
  let used = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    const size = countChars(segment);
    if (used + size > maxChars) {
      if (end === 0) return cutCodePoints(text, maxChars);
      break;
    }
    used += size;
    end = index + segment.length;
  }
  return text.slice(0, end);
}

/** Normalises user text (NFC, no control characters, CRLF -> LF, trimmed) and enforces the size limit. */
export function normaliseMessageText(raw: unknown, maxChars: number): string {
  const text = cleanMessageText(raw);
  const length = countChars(text);
  if (length > maxChars) {
    throw new InputError("TEXT_TOO_LONG", `text is ${length} characters; the limit is ${maxChars}`, 413);
  }
  return text;
}

/**
 * The same normalisation for text that cannot be refused (a platform's webhook has no sender to
 * tell): too long is cut to the limit with cutText instead. Empty or not a string still throws.
 */
export function normaliseAndCutMessageText(raw: unknown, maxChars: number): { readonly text: string; readonly cut: boolean } {
  const text = cleanMessageText(raw);
  const kept = cutText(text, maxChars).trimEnd();
  return { text: kept, cut: kept.length < text.length };
}

// Control characters of every kind: a name has no use for line breaks or tabs either.
const NAME_CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F]/g;

/** A display name (from a platform profile or the web chat form): cleaned like text, cut to `maxChars`; undefined when nothing is left. */
/** The longest display name we keep (a web chat visitor's, a contact renamed by the admin). */
export const DISPLAY_NAME_MAX_CHARS = 80;

export function normaliseDisplayName(raw: unknown, maxChars: number): string | undefined {
  if (typeof raw !== "string") return undefined;
  const cleaned = wellFormed(raw.normalize("NFC").replace(NAME_CONTROL_CHARS, "")).trim();
  const name = cutText(cleaned, maxChars).trim();
  return name.length > 0 ? name : undefined;
}

function cleanMessageText(raw: unknown): string {
  if (typeof raw !== "string") throw new InputError("TEXT_REQUIRED", "text must be a string");
  const text = cleanText(raw).trim();
  if (text.length === 0) throw new InputError("TEXT_EMPTY", "text is empty");
  return text;
}

function cutCodePoints(text: string, maxChars: number): string {
  let end = 0;
  for (let n = 0; n < maxChars && end < text.length; n++) end += isHighSurrogate(text.charCodeAt(end)) && end + 1 < text.length ? 2 : 1;
  return text.slice(0, end);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}
