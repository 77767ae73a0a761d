import type { Persona } from "../personas/persona-schema.js";
import { findBlockedTopic } from "./find-blocked-topic.js";
import { figureValues, findFactContradictions } from "./find-fact-contradictions.js";
import { findIdentityClaim } from "./find-identity-claim.js";
import { findPromptLeak } from "./find-prompt-leak.js";
import { foldText, phrasePattern } from "./fold-text.js";

export interface ReplyCheckInput {
  readonly reply: string;
  readonly persona: Persona;
  /** The system prompt the model was given, to notice a reply that recites it. */
  readonly systemPrompt: string;
  /** Prices and times of the business's knowledge base (figureValues), besides the persona's own. */
  readonly knownFigures?: ReadonlySet<number>;
}

/**
 * Why a model's reply must not be sent, as a short reason for the admin ("claims-human",
 * "contradicts-facts: 9.99"), or undefined when it passes every check.
 */
export function checkReply({ reply, persona, systemPrompt, knownFigures }: ReplyCheckInput): string | undefined {
  const m = persona.settings;
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
  const invented = findFactContradictions(reply, ownerFigures(persona, knownFigures));
  if (invented.length > 0) return `contradicts-facts: ${invented.join(", ")}`;
  return undefined;
}

/** Prices and times the owner wrote: the persona's facts and voice, and the knowledge base's (`knowledge`). */
export function ownerFigures(persona: Persona, knowledge: ReadonlySet<number> = new Set()): Set<number> {
  return new Set([...figureValues([...Object.values(persona.settings.facts), persona.voice].join("\n")), ...knowledge]);
}
