// C0/C1 control characters except tab and newline (NUL among them: PostgreSQL refuses it in text).
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// Lone UTF-16 surrogates are not text either.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** What a model produced, made fit to store and send: control characters dropped, lone surrogates replaced. */
export function printableText(text: string): string {
  return text.replace(CONTROL_CHARS, "").replace(LONE_SURROGATE, "\ufffd");
}
