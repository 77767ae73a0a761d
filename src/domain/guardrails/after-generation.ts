import { checkReply } from "./check-reply.js";
import { disclosesAi, withDisclosure } from "./discloses-ai.js";
import { commonControlText } from "./neutralise-control-text.js";
import { printableText } from "../clean-text.js";
import { disclosureLine, policyReply } from "./policy-replies.js";
import { replyLanguage } from "./reply-language.js";
import type { AfterGeneration, AfterGenerationInput } from "./turn-policy.js";

/**
 * Checks the model's reply and makes it safe to send: a reply that fails a check (checkReply) is
 * replaced by the persona's fallback and flagged (a support agent's reply that contradicts the
 * facts is replaced by the handoff text instead, and hands the conversation to the owner); control text is made inert; the reply is cut to
 * maxReplyChars; and the disclosure line is put first when a fan agent's first reply, or any reply
 * to "are you a bot?", does not already say it is an AI.
 */
export function afterGeneration(input: AfterGenerationInput): AfterGeneration {
  const { persona } = input;
  const language = input.language ?? replyLanguage([printableText(input.reply)], persona.settings.language);
  // A NUL in the model's text made the reply's transaction fail and the whole turn be generated again, five times.
  const reply = printableText(input.reply);
  const flagged = checkReply({
    reply,
    persona,
    systemPrompt: input.systemPrompt,
    ...(input.knownFigures ? { knownFigures: input.knownFigures } : {}),
  });
  const handoff =
    flagged?.startsWith("contradicts-facts") && persona.settings.kind === "support"
      ? { reason: "handoff:contradicts-facts", notify: `${persona.settings.owner.channel}:${persona.settings.owner.to}` }
      : undefined;
  let text = flagged
    ? policyReply(persona, handoff ? "handoff" : "fallback", language)
    : (input.controlText ?? commonControlText).neutralise(reply.trim());
  const mustDisclose = input.askedIfHuman || (persona.settings.kind === "fan" && input.isFirstReply);
  const max = persona.settings.limits.maxReplyChars;
  if (max !== undefined) {
    const room = mustDisclose && !disclosesAi(text, persona) ? max - disclosureLine(persona, language).length - 1 : max;
    text = clip(text, Math.max(room, 1));
  }
  if (mustDisclose) text = withDisclosure(text, persona, language);
  return flagged ? { text, flagged, ...(handoff ? { handoff } : {}) } : { text };
}

/** At most `max` characters, cut after a sentence when one ends in the second half, else at a space. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max - 1);
  const sentence = Math.max(head.lastIndexOf(". "), head.lastIndexOf("! "), head.lastIndexOf("? "));
  if (sentence >= max / 2) return head.slice(0, sentence + 1);
  const space = head.lastIndexOf(" ");
  return `${(space >= max / 2 ? head.slice(0, space) : head).trimEnd()}…`;
}
