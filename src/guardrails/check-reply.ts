import type { PersonaV2 } from "../personas/persona-schema.js";
import { findBlockedTopic } from "./find-blocked-topic.js";
import { findFactContradictions } from "./find-fact-contradictions.js";
import { findIdentityClaim } from "./find-identity-claim.js";
import { findPromptLeak } from "./find-prompt-leak.js";
import { foldText, phrasePattern } from "./fold-text.js";

export interface ReplyCheckInput {
  readonly reply: string;
  readonly persona: PersonaV2;
  /** The system prompt the model was given, to notice a reply that recites it. */
  readonly systemPrompt: string;
}

/**
 * Why a model's reply must not be sent, as a short reason for the admin ("claims-human",
 * "contradicts-facts: 9.99"), or undefined when it passes every check.
 */
export function checkReply({ reply, persona, systemPrompt }: ReplyCheckInput): string | undefined {
  const m = persona.meta;
  if (!reply.trim()) return "empty-reply";
  const quotable = [...Object.entries(m.facts).map(([label, text]) => `${label}: ${text}`), ...(m.disclosure ? [m.disclosure] : [])];
  if (findPromptLeak(reply, systemPrompt, quotable)) return "system-prompt-leak";
  const folded = foldText(reply);
  const banned = m.blocklist.find((term) => phrasePattern(term).test(folded));
  if (banned) return `blocklist: ${banned}`;
  const topic = findBlockedTopic(reply, m.limits.blockedTopics);
  if (topic) return `blocked-topic-in-reply: ${topic}`;
  const claim = findIdentityClaim(reply, persona);
  if (claim) return claim;
  const invented = findFactContradictions(reply, m.facts);
  if (invented.length > 0) return `contradicts-facts: ${invented.join(", ")}`;
  return undefined;
}
