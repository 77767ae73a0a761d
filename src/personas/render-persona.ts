import { InputError } from "../domain/errors.js";
import type { PersonaV2 } from "./persona-schema.js";

export interface RenderedPersona {
  readonly systemPrompt: string;
  /** Tokens of the system prompt as counted by the injected counter. */
  readonly tokens: number;
  readonly budget: number;
}

export interface RenderOptions {
  /** Tokens of a text with the model's own tokenizer (and chat template, if the caller includes it). */
  readonly countTokens: (text: string) => number;
  /** Most tokens the system prompt may use. */
  readonly budget: number;
}

const TRIGGER_WORDING: Record<string, string> = {
  human: "asks for a person",
  refund: "asks for a refund or their money back",
  complaint: "makes a complaint",
};

/**
 * Builds the system prompt from the front matter (who, tone, facts, rules, disclosure, handoff)
 * and the body, and refuses it when it does not fit the token budget. The rules written here are
 * also enforced in code (src/guardrails); the prompt only makes a good model follow them unasked.
 */
export function renderPersona(persona: PersonaV2, options: RenderOptions): RenderedPersona {
  const systemPrompt = personaSystemPrompt(persona);
  const tokens = options.countTokens(systemPrompt);
  if (tokens > options.budget) {
    throw new InputError(
      "PERSONA_TOO_LARGE",
      `${persona.template}: the system prompt needs ${tokens} tokens; the limit is ${options.budget}. Shorten the body, facts or rules.`,
      422,
    );
  }
  return { systemPrompt, tokens, budget: options.budget };
}

/** Half of what is left beside the reply, so the conversation always has room too. */
export function defaultPersonaBudget(contextSize: number, replyMaxTokens: number): number {
  return Math.floor((contextSize - replyMaxTokens) / 2);
}

/** The system prompt alone, unchecked: for callers without a tokenizer (seeding); the worker checks it with renderPersona. */
export function personaSystemPrompt(persona: PersonaV2): string {
  const m = persona.meta;
  const fan = m.kind === "fan";
  const intro = fan
    ? `You are the AI assistant of ${m.name} (${m.business}). You chat with ${m.name}'s fans in ${m.name}'s voice, but you are an AI, not ${m.name}.`
    : `You are ${m.name}, the AI assistant of ${m.business}. You answer customers in a chat.`;
  const sections = [`${intro}\nTone: ${m.tone}. Answer in the customer's language (${m.language} by default).`, persona.body];

  const facts = Object.entries(m.facts);
  if (facts.length > 0) {
    sections.push(["Facts (the only ones you may use; never invent prices, times or links):", ...facts.map(([label, text]) => `- ${label}: ${text}`)].join("\n"));
  }

  const rules = [...m.rules, `You are an AI. Never claim to be a human${fan ? ` or to be ${m.name} in person` : ""}.`];
  if (m.disclosure) rules.push(`In your first message, and whenever someone asks whether you are a person or a bot, say: "${m.disclosure}"`);
  if (m.handoff) {
    const who = fan ? `${m.name}'s team` : "the owner";
    const when = m.handoff.triggers.map((t) => TRIGGER_WORDING[t.toLowerCase()] ?? `mentions "${t}"`);
    rules.push(`When someone ${joinOr(when)}, say that ${who} will reply personally; do not settle it yourself.`);
  }
  const topics = m.limits.blockedTopics.map((t) => (typeof t === "string" ? t : t.topic));
  if (topics.length > 0) rules.push(`Do not talk about ${joinOr(topics)}; politely change the subject.`);
  if (m.limits.maxReplyChars) rules.push(`Keep every reply under ${m.limits.maxReplyChars} characters.`);
  sections.push(["Rules:", ...rules.map((r) => `- ${r}`)].join("\n"));
  return sections.join("\n\n");
}

function joinOr(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
