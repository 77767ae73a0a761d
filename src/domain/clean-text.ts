// C0/C1 control characters except tab and newline: no meaning in chat or persona text, and
// PostgreSQL refuses NUL.
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// Lone UTF-16 surrogates (JSON allows "\ud800") are not text: PostgreSQL and Prisma refuse them.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Lone surrogates replaced by U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\ufffd");
}

/** Control characters (but tab and newline) dropped, lone surrogates replaced: fit to store and send. */
export function printableText(text: string): string {
  return wellFormed(text.replace(CONTROL_CHARS, ""));
}

/** Text as people type it, made uniform: NFC, CRLF -> LF, printable; not trimmed. */
export function cleanText(text: string): string {
  return printableText(text.normalize("NFC").replace(/\r\n?/g, "\n"));
}
