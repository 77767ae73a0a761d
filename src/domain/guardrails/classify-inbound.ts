import type { Persona } from "../personas/persona-schema.js";
import { findBlockedTopic } from "./find-blocked-topic.js";
import { foldText, phrasePattern } from "./fold-text.js";
import { INBOUND_PATTERNS, type HandoffCategory, type SafetyConcern } from "./inbound-patterns.js";
import { commonControlText, type ControlText } from "./neutralise-control-text.js";

export interface InboundSignals {
  /** Escalate to the owner or creator; the model does not answer. */
  readonly safety?: SafetyConcern;
  /** The persona's handoff trigger that fired: a category (human, refund, complaint) or a phrase. */
  readonly handoff?: string;
  /** Asked for a person, whether or not "human" is one of the persona's triggers. */
  readonly wantsHuman: boolean;
  /** Asked whether it is talking to a person or a bot. */
  readonly askedIfHuman: boolean;
  readonly blockedTopic?: string;
  /** Held chat-template control text ([INST], <<SYS>>...). */
  readonly controlText: boolean;
}

const matchesAny = (folded: string, patterns: readonly RegExp[]) => patterns.some((p) => p.test(folded));

/** What a customer's or fan's message asks for, by the keyword floor in INBOUND_PATTERNS. */
export function classifyInbound(text: string, persona: Persona, controlText: ControlText = commonControlText): InboundSignals {
  const folded = foldText(text);
  const { safety, handoff, askedIfHuman } = INBOUND_PATTERNS;
  const concern: SafetyConcern | undefined = matchesAny(folded, safety.selfHarm)
    ? "self-harm"
    : matchesAny(folded, safety.minor) && matchesAny(folded, safety.danger)
      ? "minor-in-danger"
      : matchesAny(folded, safety.abuse)
        ? "abuse"
        : undefined;
  const trigger = persona.settings.handoff?.triggers.find((t) => {
    const category = foldText(t) as HandoffCategory;
    return Object.hasOwn(handoff, category) ? matchesAny(folded, handoff[category]) : phrasePattern(t).test(folded);
  });
  const topic = findBlockedTopic(text, persona.settings.limits.blockedTopics);
  return {
    ...(concern ? { safety: concern } : {}),
    ...(trigger ? { handoff: trigger } : {}),
    wantsHuman: matchesAny(folded, handoff.human),
    askedIfHuman: matchesAny(folded, askedIfHuman),
    ...(topic ? { blockedTopic: topic } : {}),
    controlText: controlText.has(text),
  };
}
