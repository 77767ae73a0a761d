import { InputError } from "./errors.js";

// C0/C1 control characters except tab and newline; they carry no meaning in chat text.
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// Lone UTF-16 surrogates (JSON allows "\ud800") are not text, and PostgreSQL refuses them.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Normalises user text (NFC, no control characters, CRLF -> LF, trimmed) and enforces the size limit. */
export function normaliseMessageText(raw: unknown, maxChars: number): string {
  if (typeof raw !== "string") throw new InputError("TEXT_REQUIRED", "text must be a string");
  const text = raw.normalize("NFC").replace(/\r\n?/g, "\n").replace(CONTROL_CHARS, "").replace(LONE_SURROGATE, "\ufffd").trim();
  if (text.length === 0) throw new InputError("TEXT_EMPTY", "text is empty");
  if (text.length > maxChars) {
    throw new InputError("TEXT_TOO_LONG", `text is ${text.length} characters; the limit is ${maxChars}`, 413);
  }
  return text;
}
