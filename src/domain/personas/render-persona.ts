import { InputError } from "../errors.js";
import type { Persona } from "./persona-schema.js";

/** The system prompt does not fit its share of the model's context. */
export class PersonaTooLongError extends InputError {
  constructor(
    readonly tokens: number,
    readonly limit: number,
    /** The persona file, in messages about one. */
    file?: string,
  ) {
    super(
      "PERSONA_TOO_LONG",
      `${file ? `${file}: ` : ""}the persona's system prompt is ${tokens} tokens; the limit is ${limit}. Shorten the voice text, facts or rules.`,
      422,
      { field: "persona", tokens, limit },
    );
  }
}

export interface PersonaBudget {
  /** Tokens of a system prompt as the model counts it (with its chat template). */
  readonly countTokens: (systemPrompt: string) => number;
  /** Most tokens the system prompt may use (personaTokenBudget). */
  readonly maxPersonaTokens: number;
}

/** Half of what is left beside the reply, so the conversation always has room too. */
export function personaTokenBudget(contextSize: number, replyMaxTokens: number): number {
  return Math.floor((contextSize - replyMaxTokens) / 2);
}

/** The persona's system prompt and its tokens; PersonaTooLongError when over the budget. The one budget check. */
export function checkPersonaFits(persona: Persona, budget: PersonaBudget): { systemPrompt: string; tokens: number; limit: number } {
  const systemPrompt = renderSystemPrompt(persona);
  const tokens = budget.countTokens(systemPrompt);
  if (tokens > budget.maxPersonaTokens) throw new PersonaTooLongError(tokens, budget.maxPersonaTokens);
  return { systemPrompt, tokens, limit: budget.maxPersonaTokens };
}

const TRIGGER_WORDING: Record<string, string> = {
  human: "asks for a person",
  refund: "asks for a refund or their money back",
  complaint: "makes a complaint",
};

/**
 * The system prompt of a persona: who, tone, the voice text, facts, rules, disclosure and handoff.
 * The only place a persona becomes prompt text. The rules written here are also enforced in code
 * (src/domain/guardrails); the prompt only makes a good model follow them unasked.
 */
export function renderSystemPrompt(persona: Persona): string {
  const m = persona.settings;
  const fan = m.kind === "fan";
  const intro = fan
    ? `You are the AI assistant of ${m.name} (${m.business}). You chat with ${m.name}'s fans in ${m.name}'s voice, but you are an AI, not ${m.name}.`
    : `You are ${m.name}, the AI assistant of ${m.business}. You answer customers in a chat.`;
  const sections = [`${intro}\nTone: ${m.tone}. Answer in the customer's language (${m.language} by default).`, persona.voice];

  const facts = Object.entries(m.facts);
  if (facts.length > 0) {
    sections.push([FACTS_HEADING, ...facts.map(([label, text]) => `- ${label}: ${text}`)].join("\n"));
  }
  sections.push([RULES_HEADING, ...[...m.rules, ...generatedRules(persona)].map((r) => `- ${r}`)].join("\n"));
  return sections.join("\n\n");
}

export const FACTS_HEADING = "Facts (the only ones you may use; never invent prices, times or links):";
export const RULES_HEADING = "Rules:";

/** The rules the settings imply, after the persona's own. */
export function generatedRules(persona: Persona): string[] {
  const m = persona.settings;
  const fan = m.kind === "fan";
  const rules = [`You are an AI. Never claim to be a human${fan ? ` or to be ${m.name} in person` : ""}.`];
  if (m.disclosure) rules.push(`In your first message, and whenever someone asks whether you are a person or a bot, say: "${m.disclosure}"`);
  if (m.handoff) {
    const who = fan ? `${m.name}'s team` : "the owner";
    const when = m.handoff.triggers.map((t) => TRIGGER_WORDING[t.toLowerCase()] ?? `mentions "${t}"`);
    rules.push(`When someone ${joinOr(when)}, say that ${who} will reply personally; do not settle it yourself.`);
  }
  const topics = m.limits.blockedTopics.map((t) => (typeof t === "string" ? t : t.topic));
  if (topics.length > 0) rules.push(`Do not talk about ${joinOr(topics)}; politely change the subject.`);
  if (m.limits.maxReplyChars) rules.push(`Keep every reply under ${m.limits.maxReplyChars} characters.`);
  return rules;
}

function joinOr(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
