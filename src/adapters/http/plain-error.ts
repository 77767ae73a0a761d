import type { InputError } from "../../domain/errors.js";

// Errors as people read them: the API keeps the field path in `field` (and every problem in
// details.problems) and says in `message` what is wrong in words, without paths or codes.

const FIELD_PREFIX = /^((?:body|query|params|header)(?:\.[A-Za-z0-9_]+|\[\d+\])*): (.*)$/s;

/** Names of fields whose last path part reads badly on its own. */
const NAMES: Record<string, string> = {
  body: "The text",
  platformAccountId: "The account id",
  personaId: "The persona",
  businessId: "The business",
  channelId: "The channel",
  conversationId: "The conversation",
  contactId: "The contact",
  handoffId: "The handoff",
  cursor: "The page position",
  awayMessage: "The away message",
  openingHours: "The opening hours",
  timezone: "The time zone",
  slug: "The short name",
  systemPrompt: "The instructions",
  voice: "The voice text",
};

/** "body.persona.settings.maxReplyChars" -> "Max reply chars". */
export function fieldLabel(field: string): string {
  const last =
    field
      .replace(/\[\d+\]/g, "")
      .split(".")
      .pop() ?? field;
  if (NAMES[last]) return NAMES[last];
  const words = last.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** One problem as a sentence that names the field in words. */
export function plainSentence(field: string, raw: string): string {
  const label = fieldLabel(field);
  const text = raw.trim().replace(/[.;]+$/, "");
  let m: RegExpMatchArray | null;
  if (/^(must not be empty|is required|required)$/i.test(text)) return `${label} can't be empty: fill it in.`;
  if ((m = text.match(/^at most (\d+) characters$/))) return `${label} is too long: shorten it to ${m[1]} characters or fewer.`;
  if (/^must be a UUID$/i.test(text)) return `${label} is not a valid id: pick it again from the list.`;
  // zod's own words, for fields whose schema has none of ours.
  if ((m = text.match(/^Too big: expected \w+ to (?:be|have) <=?(\d+)( characters| items)?/)))
    return `${label} must be at most ${m[1]}${m[2] ?? ""}.`;
  if ((m = text.match(/^Too small: expected \w+ to (?:be|have) >=?(\d+)( characters| items)?/)))
    return `${label} must be at least ${m[1]}${m[2] ?? ""}.`;
  if ((m = text.match(/^Invalid input: expected (\w+), received (\w+)/)))
    return `${label} must be ${m[1] === "string" ? "text" : m[1] === "boolean" ? "true or false" : `a ${m[1]}`}.`;
  if (/^Invalid option: expected one of /.test(text))
    return `${label} must be one of ${text.replace(/^Invalid option: expected one of /, "").replaceAll("|", ", ")}.`;
  if (/^must /.test(text)) return `${label} ${text}.`;
  // "text is empty" under body.text: it already names the field.
  const last = (
    field
      .replace(/\[\d+\]/g, "")
      .split(".")
      .pop() ?? ""
  ).toLowerCase();
  if (last && text.toLowerCase().startsWith(last)) return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  if (/^(a|an|the|this|no|one|at|\d)\b/i.test(text)) return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  return `${label}: ${text}.`;
}

/** An InputError's message for people, and the field it is about when it names one. */
export function plainError(error: InputError): { message: string; field?: string } {
  const problems = error.details?.problems;
  if (Array.isArray(problems) && problems.length > 0) {
    const list = problems as ReadonlyArray<{ field?: unknown; message?: unknown }>;
    const sentences = list.map((p) => plainSentence(String(p.field ?? ""), String(p.message ?? "")));
    const field = typeof list[0]!.field === "string" ? list[0]!.field : undefined;
    return { message: sentences.join(" "), ...(field ? { field } : {}) };
  }
  const m = error.message.match(FIELD_PREFIX);
  const detailField = typeof error.details?.field === "string" ? error.details.field : undefined;
  if (m) return { message: plainSentence(m[1]!, m[2]!), field: m[1]! };
  return { message: error.message, ...(detailField ? { field: detailField } : {}) };
}
